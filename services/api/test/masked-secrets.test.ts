import { randomWallet } from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// A masked value sent back in a PATCH keeps the stored secret only while that secret still
// goes to the same origin (scheme, host, port): pointing the URL elsewhere needs the secret
// sent again, with a 400 naming each masked field, and changes nothing.

let api: TestApi;
let token: string;
beforeAll(async () => {
  api = await startTestApi();
  token = await signIn(api.http, randomWallet());
});
afterAll(async () => {
  await api.close();
});

interface Created {
  id: string;
  name: string;
  target_config: Record<string, unknown>;
  alert_channels: { id: string; type: string; config: Record<string, unknown> }[];
}

const PASSWORD = 'p4ssw0rd-0001';
const API_KEY = 'sk-live-api-key-0002';
const HEADER = 'Bearer header-token-abcdefghij-0003';
const WEBHOOK_URL = 'https://hooks.example.com/services/secret-path-0004';
const WEBHOOK_SECRET = 'webhook-signing-secret-0005';
const DISCORD_URL = 'https://discord.com/api/webhooks/1/discord-token-0006';

async function create(body: Record<string, unknown>): Promise<Created> {
  const res = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send({ ...httpSubscription({ tier: 'team' }), ...body });
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
  return res.body as Created;
}

async function patch(id: string, body: Record<string, unknown>) {
  return api.http.patch(`/v1/subscriptions/${id}`).set(bearer(token)).send(body);
}

/**
 * The fields a 400 names, sorted, once each (a masked value too short for its field, such as a
 * webhook secret, is also named by validation).
 */
function refused(res: { status: number; body: unknown }): string[] {
  expect(res.status).toBe(400);
  const fields = (res.body as { error: { details: { fields: { field: string }[] } } }).error.details
    .fields;
  return [...new Set(fields.map((f) => f.field))].sort();
}

async function sealed(id: string) {
  const row = await api.ctx.db
    .selectFrom('subscriptions')
    .select(['target_secret', 'alert_channels'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return {
    target: api.ctx.secrets.openJson<Record<string, unknown>>(row.target_secret),
    channels: row.alert_channels.map((c) =>
      api.ctx.secrets.openJson<Record<string, unknown>>(c.secret),
    ),
  };
}

describe('an http target', () => {
  const config = {
    url: `https://bot:${PASSWORD}@api.example.com/v1/health?api_key=${API_KEY}&region=eu`,
    headers: { Authorization: HEADER },
  };

  it('masks query values in answers and in its default name', async () => {
    const sub = await create({ name: undefined, target_config: config });
    expect(sub.target_config.url).toBe(
      'https://bot:****@api.example.com/v1/health?api_key=****&region=****',
    );
    expect(sub.name).toBe('GET https://api.example.com/v1/health?api_key=****&region=****');
    for (const secret of [PASSWORD, API_KEY, 'header-token'])
      expect(JSON.stringify(sub)).not.toContain(secret);
  });

  it('keeps its secrets through a masked edit on the same origin (a new path, a reordered query)', async () => {
    const sub = await create({ target_config: config });
    const masked = sub.target_config as typeof config;
    const res = await patch(sub.id, {
      target_config: {
        ...masked,
        url: 'https://bot:****@api.example.com/v2/health?region=****&api_key=****&extra=1',
      },
    });
    expect(res.status).toBe(200);
    expect((await sealed(sub.id)).target).toMatchObject({
      url: `https://bot:${PASSWORD}@api.example.com/v2/health?region=eu&api_key=${API_KEY}&extra=1`,
      headers: { Authorization: HEADER },
    });
  });

  it.each([
    ['another host', 'attacker.example'],
    ['another port', 'api.example.com:8443'],
  ])('refuses to send its masked secrets to %s', async (_what, host) => {
    const sub = await create({ target_config: config });
    const masked = sub.target_config as typeof config;
    const before = await sealed(sub.id);
    // the masked URL itself moved: its password and query values would follow
    const moved = await patch(sub.id, {
      target_config: { ...masked, url: masked.url.replace('api.example.com', host) },
    });
    expect(refused(moved)).toEqual(['target_config.headers.Authorization', 'target_config.url']);
    // a new URL in full: the masked header would follow it
    const replaced = await patch(sub.id, {
      target_config: { ...masked, url: `https://${host}/collect` },
    });
    expect(refused(replaced)).toEqual(['target_config.headers.Authorization']);
    expect(await sealed(sub.id)).toEqual(before);

    // sending the secret again is fine
    const resent = await patch(sub.id, {
      target_config: { ...masked, url: `https://${host}/collect`, headers: { Authorization: 'x' } },
    });
    expect(resent.status).toBe(200);
  });

  it('refuses a change of scheme (https to http) with masked secrets', async () => {
    const sub = await create({ target_config: config });
    const masked = sub.target_config as typeof config;
    const res = await patch(sub.id, {
      target_config: { ...masked, url: masked.url.replace('https:', 'http:') },
    });
    expect(refused(res)).toEqual(['target_config.headers.Authorization', 'target_config.url']);
  });

  it('refuses a masked query value no stored value matches', async () => {
    const sub = await create({ target_config: config });
    const masked = sub.target_config as typeof config;
    const res = await patch(sub.id, {
      target_config: { ...masked, url: masked.url.replace('api_key=', 'token=') },
    });
    expect(refused(res)).toEqual(['target_config.url']);
  });
});

describe('a websocket target', () => {
  it('refuses masked headers and message for another origin, keeps them for the same one', async () => {
    const sub = await create({
      target_type: 'websocket',
      target_config: {
        url: `wss://stream.example.com/feed?token=${API_KEY}`,
        headers: { Authorization: HEADER },
        send: '{"auth":"send-secret-0123456789"}',
      },
    });
    const masked = sub.target_config;
    expect(masked.url).toBe('wss://stream.example.com/feed?token=****');
    const moved = await patch(sub.id, {
      target_config: { ...masked, url: 'wss://attacker.example/feed' },
    });
    expect(refused(moved)).toEqual(['target_config.headers.Authorization', 'target_config.send']);
    const kept = await patch(sub.id, {
      target_config: { ...masked, url: 'wss://stream.example.com/v2?token=****' },
    });
    expect(kept.status).toBe(200);
    expect((await sealed(sub.id)).target).toMatchObject({
      url: `wss://stream.example.com/v2?token=${API_KEY}`,
      headers: { Authorization: HEADER },
      send: '{"auth":"send-secret-0123456789"}',
    });
  });
});

describe('a canary target', () => {
  const flow = {
    steps: [
      {
        name: 'config',
        url: `https://api.example.com/config?key=${API_KEY}`,
        headers: { 'X-Api-Key': 'step-key-0123456789abcdef' },
        extract: [{ var: 'base', from: 'json', path: '$.base' }],
      },
      {
        name: 'orders',
        method: 'POST',
        url: '{{base}}/orders',
        headers: { Authorization: HEADER },
        body: '{"password":"body-secret-0007"}',
      },
    ],
  };
  type Flow = typeof flow;

  it('keeps secrets when steps are reordered or a path changes', async () => {
    const sub = await create({ target_type: 'canary', target_config: flow });
    const masked = sub.target_config as Flow;
    const [config, orders] = masked.steps;
    const res = await patch(sub.id, {
      target_config: {
        steps: [
          { name: 'ping', url: 'https://status.example.com/' },
          { ...config, url: 'https://api.example.com/config/v2?key=****' },
          { ...orders, url: '{{base}}/orders/v2' },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect((await sealed(sub.id)).target).toMatchObject({
      steps: [
        { name: 'ping' },
        {
          url: `https://api.example.com/config/v2?key=${API_KEY}`,
          headers: flow.steps[0]?.headers,
        },
        {
          url: '{{base}}/orders/v2',
          headers: { Authorization: HEADER },
          body: flow.steps[1]?.body,
        },
      ],
    });
  });

  it("refuses a step's masked secrets once its origin changes", async () => {
    const sub = await create({ target_type: 'canary', target_config: flow });
    const masked = sub.target_config as Flow;
    const [config, orders] = masked.steps;
    const res = await patch(sub.id, {
      target_config: { steps: [{ ...config, url: 'https://attacker.example/config' }, orders] },
    });
    // the second step's host comes from the first step's answer: it moved too
    expect(refused(res)).toEqual([
      'target_config.steps[0].headers.X-Api-Key',
      'target_config.steps[1].body',
      'target_config.steps[1].headers.Authorization',
    ]);
  });

  it('refuses secrets of a {{placeholder}} host when what fills it changes', async () => {
    const sub = await create({ target_type: 'canary', target_config: flow });
    const masked = sub.target_config as Flow;
    const [config, orders] = masked.steps;
    const extraction = await patch(sub.id, {
      target_config: {
        steps: [{ ...config, extract: [{ var: 'base', from: 'json', path: '$.other' }] }, orders],
      },
    });
    expect(refused(extraction)).toEqual([
      'target_config.steps[1].body',
      'target_config.steps[1].headers.Authorization',
    ]);
    const host = await patch(sub.id, {
      target_config: { steps: [config, { ...orders, url: 'https://attacker.example/orders' }] },
    });
    expect(refused(host)).toEqual([
      'target_config.steps[1].body',
      'target_config.steps[1].headers.Authorization',
    ]);
  });
});

describe('EVM RPC URLs', () => {
  it('are restored only for their own origin', async () => {
    const sub = await create({
      target_type: 'evm_rpc',
      target_config: {
        rpc_url: `https://eth-mainnet.example.com/v2/${API_KEY}`,
        chain_id: 1,
        reference_urls: [`https://rpc.example.org/?apikey=${API_KEY}`],
      },
    });
    const masked = sub.target_config;
    expect(masked).toMatchObject({
      rpc_url: 'https://eth-mainnet.example.com/****',
      reference_urls: ['https://rpc.example.org/****'],
    });
    const res = await patch(sub.id, {
      target_config: {
        ...masked,
        rpc_url: 'https://attacker.example/****',
        reference_urls: ['https://attacker.example:8545/****'],
      },
    });
    expect(refused(res)).toEqual(['target_config.reference_urls[0]', 'target_config.rpc_url']);
  });
});

describe('x402 facilitator and catalog URLs', () => {
  it('are restored for their own origin, whatever the resource URL does', async () => {
    const sub = await create({
      target_type: 'x402',
      target_config: {
        url: 'https://api.example.com/paid',
        facilitator_url: `https://facilitator.example.com/?key=${API_KEY}`,
        discovery_url: `https://catalog.example.com/discovery/resources?key=${API_KEY}`,
      },
    });
    const masked = sub.target_config;
    expect(masked).toMatchObject({
      facilitator_url: 'https://facilitator.example.com/?key=****',
      discovery_url: 'https://catalog.example.com/discovery/resources?key=****',
    });
    // the paid resource moves: its own URL carries no secret, the others keep theirs
    const moved = await patch(sub.id, {
      target_config: { ...masked, url: 'https://api2.example.com/paid' },
    });
    expect(moved.status).toBe(200);
    expect((await sealed(sub.id)).target).toMatchObject({
      url: 'https://api2.example.com/paid',
      facilitator_url: `https://facilitator.example.com/?key=${API_KEY}`,
      discovery_url: `https://catalog.example.com/discovery/resources?key=${API_KEY}`,
    });
    // a masked key sent to another origin is refused
    const res = await patch(sub.id, {
      target_config: {
        ...masked,
        url: 'https://api2.example.com/paid',
        facilitator_url: 'https://attacker.example/?key=****',
      },
    });
    expect(refused(res)).toEqual(['target_config.facilitator_url']);
  });
});

describe('channels', () => {
  const channels = [
    { type: 'webhook', config: { url: WEBHOOK_URL, secret: WEBHOOK_SECRET } },
    { type: 'discord', config: { webhook_url: DISCORD_URL } },
  ];

  it("refuse a webhook's masked signing secret for a new origin, and masked URLs moved elsewhere", async () => {
    const sub = await create({ alert_channels: channels });
    const [webhook, discord] = sub.alert_channels;
    if (!webhook || !discord) throw new Error('two channels expected');
    const before = await sealed(sub.id);
    const res = await patch(sub.id, {
      alert_channels: [
        { ...webhook, config: { ...webhook.config, url: 'https://attacker.example/hook' } },
        { ...discord, config: { webhook_url: 'https://attacker.example/****' } },
      ],
    });
    expect(refused(res)).toEqual([
      'alert_channels[0].config.secret',
      'alert_channels[1].config.webhook_url',
    ]);
    const masked = await patch(sub.id, {
      alert_channels: [
        { ...webhook, config: { ...webhook.config, url: 'http://hooks.example.com/****' } },
        discord,
      ],
    });
    expect(refused(masked)).toEqual([
      'alert_channels[0].config.secret',
      'alert_channels[0].config.url',
    ]);
    expect(await sealed(sub.id)).toEqual(before);

    // on the same origin, a new path keeps the masked secret
    const moved = await patch(sub.id, {
      alert_channels: [
        { ...webhook, config: { ...webhook.config, url: 'https://hooks.example.com/v2' } },
        discord,
      ],
    });
    expect(moved.status).toBe(200);
    expect((await sealed(sub.id)).channels).toEqual([
      { url: 'https://hooks.example.com/v2', secret: WEBHOOK_SECRET },
      { webhook_url: DISCORD_URL },
    ]);
  });
});
