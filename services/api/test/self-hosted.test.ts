import { instance } from '@lighthouse/db';
import { TARGET_TYPE_NAMES } from '@lighthouse/domain';
import { hashToken } from '@lighthouse/shared';
import {
  historyEngine,
  randomWallet,
  responseSchema,
  schemaProblems,
  signSiwe,
  type OpenApiDocument,
} from '@lighthouse/testing';
import type { LookupAddress } from 'node:dns';
import { firstStartLink, issueOwnerLink } from '../src/services/owner';
import {
  SIWE_DOMAIN,
  bearer,
  httpSubscription,
  signIn,
  startTestApi,
  type TestApi,
} from './helpers';

// A self-hosted instance: one owner who signs in with one-time links (no wallet), one tier
// with every check type and no prices, and the owner's own network as fair game, but never a
// link-local or cloud-metadata address.

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ LIGHTHOUSE_MODE: 'self-hosted', PUBLIC_URL: 'http://localhost:3000' });
  // made-up names for the SSRF verdict at creation
  const table: Record<string, LookupAddress[]> = {
    'nas.home.arpa': [{ address: '192.168.1.20', family: 4 }],
    'metadata.example.test': [{ address: '169.254.169.254', family: 4 }],
  };
  api.ctx.resolve = (name) => Promise.resolve(table[name] ?? []);
});
afterAll(async () => {
  await api.close();
});

const tokenOf = (url: string): string => /#token=(lhl_[A-Za-z0-9_-]+)$/.exec(url)?.[1] ?? '';

async function ownerSession(): Promise<string> {
  const { url } = await issueOwnerLink(api.ctx.db, api.ctx.config);
  const res = await api.http
    .post('/v1/auth/link')
    .send({ token: tokenOf(url) })
    .expect(200);
  return (res.body as { token: string }).token;
}

it('tells clients it is self-hosted: a sign-in link, one free tier, no payments', async () => {
  const res = await api.http.get('/v1/instance').expect(200);
  expect(res.body).toMatchObject({
    mode: 'self-hosted',
    sign_in_methods: ['link', 'wallet', 'api_key'],
    min_interval_seconds: 10,
    features: { payments: false, tiers: false, private_targets: true, link_local_targets: false },
  });
  const { tiers } = res.body as { tiers: Record<string, unknown>[] };
  expect(tiers).toHaveLength(1);
  expect(tiers[0]).toMatchObject({
    name: 'self_hosted',
    paid: false,
    price_usdc_per_30_days: '0',
    max_subscriptions: null,
    raw_retention_days: 90,
  });
  // every check type, x402 included
  expect([...(tiers[0] as { allowed_target_types: string[] }).allowed_target_types].sort()).toEqual(
    [...TARGET_TYPE_NAMES].sort(),
  );
});

it('sells no single checks: POST /v1/probe is a service-mode route', async () => {
  const res = await api.http
    .post('/v1/probe')
    .send({ target_type: 'http', target_config: { url: 'http://127.0.0.1:9/' } })
    .expect(404);
  expect((res.body as { error: { message: string } }).error.message).toContain('service mode only');
  expect(res.headers['payment-required']).toBeUndefined();
});

describe('the owner', () => {
  it('gets a link at the first start, signs in with it once, and no link once signed in', async () => {
    const url = await firstStartLink(api.ctx.db, api.ctx.config);
    expect(url).toMatch(/^http:\/\/localhost:3000\/sign-in#token=lhl_[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(url ?? '');
    const first = await api.http.post('/v1/auth/link').send({ token }).expect(200);
    const session = first.body as { token: string; address: string; expires_at: string };
    expect(session.token).toMatch(/^lhs_/);
    const owner = await instance.findOwner(api.ctx.db);
    expect(session.address).toBe(owner);
    // the link is spent
    const again = await api.http.post('/v1/auth/link').send({ token }).expect(401);
    expect((again.body as { error: { message: string } }).error.message).toContain(
      './lighthouse admin-link',
    );
    // the owner has signed in: a restart prints no new link
    expect(await firstStartLink(api.ctx.db, api.ctx.config)).toBeUndefined();

    const account = await api.http.get('/v1/account').set(bearer(session.token)).expect(200);
    expect(account.body).toMatchObject({
      address: owner,
      owner: true,
      operator: true,
      wallets: [],
    });
    await api.http.get('/v1/admin/overview').set(bearer(session.token)).expect(200);
  });

  it("sees how check_history is stored, and TimescaleDB's jobs, in the console overview", async () => {
    const token = await ownerSession();
    const res = await api.http.get('/v1/admin/overview').set(bearer(token)).expect(200);
    const overview = res.body as { storage: { engine: string; jobs: { proc_name: string }[] } };
    if ((await historyEngine(api.ctx.db)) === 'partitions') {
      // plain PostgreSQL: no background jobs
      expect(overview.storage).toEqual({
        engine: 'postgresql',
        timescaledb_version: null,
        jobs: [],
      });
    } else {
      expect(overview.storage.engine).toBe('timescaledb');
      expect(overview.storage.jobs.map((j) => j.proc_name)).toContain('policy_compression');
    }
    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    const schema = responseSchema(doc, '/v1/admin/overview', 'get');
    expect(schemaProblems(doc, schema, res.body)).toEqual([]);
  });

  it('refuses an expired link, and a token that is no link, without writing a session', async () => {
    const owner = await instance.ensureOwner(api.ctx.db);
    const expired = 'lhl_' + 'e'.repeat(43);
    await instance.insertSignInLink(api.ctx.db, {
      userAddress: owner,
      tokenHash: hashToken(expired),
      expiresAt: new Date(Date.now() - 1_000),
    });
    const sessions = async () =>
      Number(
        (
          await api.ctx.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await sessions();
    await api.http.post('/v1/auth/link').send({ token: expired }).expect(401);
    const bad = await api.http.post('/v1/auth/link').send({ token: 'not-a-link' }).expect(400);
    expect(
      (bad.body as { error: { details: { fields: { field: string }[] } } }).error.details.fields[0]
        ?.field,
    ).toBe('token');
    expect(await sessions()).toBe(before);
  });

  it('keeps strangers with wallets out, and signs the owner in with a wallet they added', async () => {
    const stranger = randomWallet();
    const nonce = await api.http.get('/v1/auth/nonce').expect(200);
    const refused = await api.http
      .post('/v1/auth/verify')
      .send(
        await signSiwe(stranger, {
          domain: SIWE_DOMAIN,
          nonce: (nonce.body as { nonce: string }).nonce,
        }),
      )
      .expect(403);
    expect((refused.body as { error: { message: string } }).error.message).toContain('self-hosted');

    const session = await ownerSession();
    const wallet = randomWallet();
    const n2 = await api.http.get('/v1/auth/nonce').expect(200);
    const added = await api.http
      .post('/v1/account/wallets')
      .set(bearer(session))
      .send(
        await signSiwe(wallet, {
          domain: SIWE_DOMAIN,
          nonce: (n2.body as { nonce: string }).nonce,
        }),
      )
      .expect(201);
    expect(
      (added.body as { items: { wallet_address: string }[] }).items.map((w) => w.wallet_address),
    ).toContain(wallet.address.toLowerCase());
    // the wallet now signs in to the owner's account
    const viaWallet = await signIn(api.http, wallet);
    const account = await api.http.get('/v1/account').set(bearer(viaWallet)).expect(200);
    expect(account.body).toMatchObject({
      address: await instance.findOwner(api.ctx.db),
      owner: true,
    });
  });
});

describe('monitors', () => {
  let session: string;
  beforeAll(async () => {
    session = await ownerSession();
  });

  const create = (body: Record<string, unknown>) =>
    api.http.post('/v1/subscriptions').set(bearer(session)).send(body);

  it('takes every check type at 10 s on the one tier, whatever tier a request names', async () => {
    const res = await create(
      httpSubscription({
        tier: 'pro',
        target_type: 'websocket',
        target_config: { url: 'ws://127.0.0.1:9/socket' },
        check_frequency_seconds: 10,
      }),
    ).expect(201);
    expect(res.body).toMatchObject({
      tier: 'self_hosted',
      check_frequency_seconds: 10,
      expires_at: null,
    });
    const evm = await create(
      httpSubscription({
        target_type: 'evm_rpc',
        target_config: { rpc_url: 'http://127.0.0.1:8545', chain_id: 31337 },
        check_frequency_seconds: 10,
      }),
    );
    expect(evm.status).toBe(201);
    const tooFast = await create(httpSubscription({ check_frequency_seconds: 9 })).expect(400);
    expect(
      (tooFast.body as { error: { details: { fields: { field: string }[] } } }).error.details
        .fields[0]?.field,
    ).toBe('check_frequency_seconds');
  });

  it('defaults to a minute, and has no subscription cap', async () => {
    const { check_frequency_seconds } = (
      await create({
        target_type: 'http',
        target_config: { url: 'http://127.0.0.1:8099/' },
      }).expect(201)
    ).body as { check_frequency_seconds: number };
    expect(check_frequency_seconds).toBe(60);
    for (let i = 0; i < 6; i++) {
      await create(httpSubscription({ name: `monitor ${i}`, alert_channels: [] })).expect(201);
    }
  });

  it.each([
    ['http://127.0.0.1:8099/', 'loopback'],
    ['http://192.168.1.5/health', 'a private network'],
    ['http://nas.home.arpa/', 'a name on the home network'],
  ])("accepts %s (%s): it is the owner's network", async (url) => {
    await create(httpSubscription({ target_config: { url } })).expect(201);
  });

  it.each([
    [
      'http://169.254.169.254/latest/meta-data/',
      '169.254.169.254 is a link-local or cloud metadata address',
    ],
    ['http://[fd00:ec2::254]/', 'fd00:ec2::254 is a link-local or cloud metadata address'],
    ['http://metadata.example.test/', 'metadata.example.test resolves to 169.254.169.254'],
  ])('refuses %s at creation, naming the field, and writes nothing', async (url, why) => {
    const count = async () =>
      Number(
        (
          await api.ctx.db
            .selectFrom('subscriptions')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const res = await create(httpSubscription({ target_config: { url } })).expect(400);
    const { fields } = (
      res.body as { error: { details: { fields: { field: string; message: string }[] } } }
    ).error.details;
    expect(fields[0]).toMatchObject({ field: 'target_config.url' });
    expect(fields[0]?.message).toContain(why);
    expect(await count()).toBe(before);
  });
});
