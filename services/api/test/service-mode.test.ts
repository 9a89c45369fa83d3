import { systemResolver } from '@lighthouse/net';
import { randomWallet } from '@lighthouse/testing';
import type { LookupAddress } from 'node:dns';
import {
  bearer,
  httpSubscription,
  openDbFingerprint,
  signIn,
  startTestApi,
  type DbFingerprint,
  type TestApi,
} from './helpers';

// Service mode, as an operator runs it publicly: a target the checkers' SSRF guard would refuse
// is a 400 at creation and on PATCH, naming the field and why, and nothing is written; it is
// never accepted to fail forever.

let api: TestApi;
let token: string;
let fingerprint: DbFingerprint;

beforeAll(async () => {
  api = await startTestApi({ LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'false' });
  const table: Record<string, LookupAddress[]> = {
    'intranet.example.test': [{ address: '10.1.2.3', family: 4 }],
    'dual.example.test': [
      { address: '93.184.215.14', family: 4 },
      { address: '::1', family: 6 },
    ],
    'public.example.test': [{ address: '93.184.215.14', family: 4 }],
  };
  // made-up names, and the system's resolver for the rest (localhost)
  api.ctx.resolve = (name, options) =>
    table[name] ? Promise.resolve(table[name]) : systemResolver(name, options);
  token = await signIn(api.http, randomWallet());
  fingerprint = await openDbFingerprint(api.database.url);
});
afterAll(async () => {
  await fingerprint.close();
  await api.close();
});

interface Refusal {
  error: { code: string; details: { fields: { field: string; message: string }[] } };
}

const create = (body: Record<string, unknown>) =>
  api.http.post('/v1/subscriptions').set(bearer(token)).send(body);

it('says it is a service: wallets sign in, no private targets', async () => {
  const res = await api.http.get('/v1/instance').expect(200);
  expect(res.body).toMatchObject({
    mode: 'service',
    sign_in_methods: ['wallet', 'api_key'],
    features: { tiers: true, private_targets: false },
  });
  // no sign-in links here
  await api.http
    .post('/v1/auth/link')
    .send({ token: `lhl_${'x'.repeat(43)}` })
    .expect(401);
});

it.each([
  [
    'http',
    { url: 'http://127.0.0.1:8099/' },
    'target_config.url',
    '127.0.0.1 is a private or reserved address',
  ],
  ['http', { url: 'http://localhost:8099/' }, 'target_config.url', 'localhost resolves to'],
  [
    'http',
    { url: 'https://intranet.example.test/' },
    'target_config.url',
    'intranet.example.test resolves to a private or reserved address',
  ],
  [
    'http',
    { url: 'https://dual.example.test/' },
    'target_config.url',
    'dual.example.test resolves to a private or reserved address',
  ],
  ['http', { url: 'http://[::ffff:192.168.0.1]/' }, 'target_config.url', 'private or reserved'],
  ['tcp', { host: '10.0.0.7', port: 5432 }, 'target_config.host', '10.0.0.7 is a private'],
  [
    'tls',
    { host: '169.254.169.254', port: 443 },
    'target_config.host',
    'link-local or cloud metadata',
  ],
  [
    'dns',
    { hostname: 'example.com', resolver: '192.168.1.1' },
    'target_config.resolver',
    '192.168.1.1',
  ],
  ['websocket', { url: 'ws://127.0.0.1:9/socket' }, 'target_config.url', '127.0.0.1'],
  [
    'canary',
    {
      steps: [
        { name: 'public', url: 'https://public.example.test/login' },
        { name: 'inside', url: 'http://10.9.9.9/admin' },
      ],
    },
    'target_config.steps[1].url',
    '10.9.9.9',
  ],
  [
    'evm_rpc',
    {
      rpc_url: 'https://public.example.test/rpc',
      chain_id: 1,
      reference_urls: ['https://public.example.test/other', 'http://127.0.0.1:8545'],
    },
    'target_config.reference_urls[1]',
    '127.0.0.1',
  ],
] as const)(
  'refuses a %s target at %s: 400 naming %s, nothing written',
  async (type, config, field, why) => {
    const before = await fingerprint.take();
    const res = await create(
      httpSubscription({
        tier: 'team',
        target_type: type,
        target_config: config,
        alert_channels: [],
      }),
    ).expect(400);
    const body = res.body as Refusal;
    expect(body.error.code).toBe('validation_error');
    expect(body.error.details.fields.map((f) => f.field)).toEqual([field]);
    expect(body.error.details.fields[0]?.message).toContain(why);
    expect(await fingerprint.take()).toBe(before);
  },
);

it("names no address of the operator's network that a name resolved to", async () => {
  const res = await create(
    httpSubscription({ target_config: { url: 'https://intranet.example.test/' } }),
  ).expect(400);
  expect(JSON.stringify(res.body)).not.toContain('10.1.2.3');
});

it('accepts public targets, and names that do not resolve yet (the check will say so)', async () => {
  await create(httpSubscription({ target_config: { url: 'https://public.example.test/' } })).expect(
    201,
  );
  await create(
    httpSubscription({ target_config: { url: 'https://not-yet.example.test/' } }),
  ).expect(201);
});

it('refuses a PATCH that points a subscription at a private address, and keeps the old target', async () => {
  const created = await create(
    httpSubscription({ target_config: { url: 'https://public.example.test/health' } }),
  ).expect(201);
  const id = (created.body as { id: string }).id;
  const before = await fingerprint.take();
  const res = await api.http
    .patch(`/v1/subscriptions/${id}`)
    .set(bearer(token))
    .send({ target_config: { url: 'http://192.168.1.1/' } })
    .expect(400);
  expect((res.body as Refusal).error.details.fields[0]?.field).toBe('target_config.url');
  expect(await fingerprint.take()).toBe(before);
  const stored = await api.http.get(`/v1/subscriptions/${id}`).set(bearer(token)).expect(200);
  expect((stored.body as { target_config: { url: string } }).target_config.url).toBe(
    'https://public.example.test/health',
  );
  // a PATCH of something else needs no new verdict
  await api.http
    .patch(`/v1/subscriptions/${id}`)
    .set(bearer(token))
    .send({ name: 'renamed' })
    .expect(200);
});
