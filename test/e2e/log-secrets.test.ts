import {
  deployTestUsdc,
  randomWallet,
  signInOverHttp,
  startEvmNode,
  type EvmNode,
  type TestUsdc,
  x402PaymentHeader,
} from '@lighthouse/testing';
import { Wallet, hexlify, randomBytes } from 'ethers';
import { WEBHOOK_SECRET, sent, startStack, type Stack } from './alerting-stack';

// Logs never hold a secret: a full run of the four services at debug level — sign-in,
// API keys, every channel type (one failing at first), a target with credentials, a test
// alert, an outage and its recovery, an x402 payment settled on a local chain, and a
// heartbeat's push URL —
// then every line any service printed is searched for each secret.

let node: EvmNode;
let usdc: TestUsdc;
let stack: Stack;
let relayerKey: string;

const DISCORD_TOKEN = 'discordTokenSecret_' + hexlify(randomBytes(8)).slice(2);
const SLACK_TOKEN = 'slackTokenSecret' + hexlify(randomBytes(8)).slice(2);
const BOT_TOKEN = `123456:botTokenSecret${hexlify(randomBytes(8)).slice(2)}`;
const TARGET_PASSWORD = 'targetPassword' + hexlify(randomBytes(6)).slice(2);
const TARGET_QUERY_TOKEN = 'queryToken' + hexlify(randomBytes(6)).slice(2);
const TARGET_HEADER = 'headerSecret' + hexlify(randomBytes(6)).slice(2);
const BAD_BEARER = `lhs_${hexlify(randomBytes(32)).slice(2)}`;

beforeAll(async () => {
  node = await startEvmNode({ chainId: 43113 });
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  relayerKey = node.accounts[2]!;
  stack = await startStack({
    logLevel: 'debug',
    api: {
      X402_PAY_TO: new Wallet(node.accounts[1]!).address,
      X402_ASSET: usdc.address,
      X402_RELAYER_PRIVATE_KEY: relayerKey,
      X402_RPC_URL: node.url,
    },
  });
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await node?.stop();
});

async function request(
  path: string,
  init: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${stack.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      Authorization: `Bearer ${init.token ?? stack.token}`,
      'Content-Type': 'application/json',
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

it('no service logs a token, key, signature, channel URL or target credential', async () => {
  const secrets: Record<string, string> = {
    'session token': stack.token,
    'invalid bearer token': BAD_BEARER,
    'webhook secret': WEBHOOK_SECRET,
    'discord webhook token': DISCORD_TOKEN,
    'slack webhook token': SLACK_TOKEN,
    'telegram bot token': BOT_TOKEN,
    'target password': TARGET_PASSWORD,
    'target query token': TARGET_QUERY_TOKEN,
    'target header value': TARGET_HEADER,
    ENCRYPTION_KEY: stack.env.ENCRYPTION_KEY!,
    ADMIN_TOKEN: stack.env.ADMIN_TOKEN!,
    'relayer private key': relayerKey,
    'relayer private key (no 0x)': relayerKey.slice(2),
  };

  // an API key, shown once, then used
  const key = await request('/v1/api-keys', { method: 'POST', body: { name: 'ci' } });
  expect(key.status).toBe(201);
  secrets['API key'] = key.body.key as string;
  expect((await request('/v1/subscriptions', { token: secrets['API key'] })).status).toBe(200);
  expect((await request('/v1/subscriptions', { token: BAD_BEARER })).status).toBe(401);

  // every channel type, the Discord one failing twice before it works
  stack.script.set(`/discord/1234/${DISCORD_TOKEN}`, [500, 500]);
  const target = new URL(stack.targetUrl('/private'));
  target.username = 'monitor';
  target.password = TARGET_PASSWORD;
  target.searchParams.set('token', TARGET_QUERY_TOKEN);
  const created = await request('/v1/subscriptions', {
    method: 'POST',
    body: {
      name: 'Private API',
      target_type: 'http',
      target_config: { url: target.toString(), headers: { 'X-Api-Key': TARGET_HEADER } },
      tier: 'team',
      check_frequency_seconds: 1,
      alert_channels: [
        { type: 'webhook', config: { url: `${stack.peerUrl}/hook`, secret: WEBHOOK_SECRET } },
        {
          type: 'discord',
          config: { webhook_url: `${stack.peerUrl}/discord/1234/${DISCORD_TOKEN}` },
        },
        { type: 'slack', config: { webhook_url: `${stack.peerUrl}/slack/T1/B2/${SLACK_TOKEN}` } },
        { type: 'telegram', config: { bot_token: BOT_TOKEN, chat_id: 42 } },
        { type: 'email', config: { to: 'ops@example.com' } },
      ],
    },
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  expect((await request(`/v1/subscriptions/${id}/test-alert`, { method: 'POST' })).status).toBe(
    200,
  );

  // an outage and its recovery, delivered to every channel
  await stack.until('the subscription is up', async () =>
    (await request(`/v1/subscriptions/${id}`)).body.state === 'up' ? true : undefined,
  );
  stack.setTarget(`/private?token=${TARGET_QUERY_TOKEN}`, false);
  const down = await stack.alertOf(id, 'down', 'the down alert on every channel', sent);
  expect(down.deliveries).toHaveLength(5);
  stack.setTarget(`/private?token=${TARGET_QUERY_TOKEN}`, true);
  await stack.alertOf(id, 'up', 'the recovery on every channel', sent);
  expect(stack.calls.some((c) => c.path.includes(`/bot${BOT_TOKEN}/`))).toBe(true);

  // a paid subscription: the payer signs in, signs an EIP-3009 authorization, the API settles it
  const payer = randomWallet();
  await usdc.mint(payer.address, 100_000_000n);
  const payerToken = await signInOverHttp(stack.apiUrl, 'lighthouse.test', payer);
  secrets['payer session token'] = payerToken;
  const now = BigInt(Math.floor(Date.now() / 1000));
  const { header, signature } = await x402PaymentHeader({
    signer: payer,
    token: { address: usdc.address, chainId: 43113 },
    authorization: {
      from: payer.address,
      to: new Wallet(node.accounts[1]!).address,
      value: 20_000_000n,
      validAfter: now - 60n,
      validBefore: now + 300n,
      nonce: hexlify(randomBytes(32)),
    },
    version: 1,
  });
  secrets['payment signature'] = signature;
  secrets['payment header'] = header;
  const paid = await request('/v1/subscriptions', {
    method: 'POST',
    token: payerToken,
    headers: { 'X-PAYMENT': header },
    body: {
      name: 'Paid API',
      target_type: 'http',
      target_config: { url: stack.targetUrl('/paid') },
      tier: 'pro',
      check_frequency_seconds: 60,
      alert_channels: [],
    },
  });
  expect(paid.status).toBe(201);

  // a heartbeat: its push token is shown once, then used with a status and message
  const beat = await request('/v1/subscriptions', {
    method: 'POST',
    body: {
      name: 'Nightly backup',
      target_type: 'heartbeat',
      target_config: { grace_seconds: 60 },
      tier: 'team',
      check_frequency_seconds: 60,
      alert_channels: [],
    },
  });
  expect(beat.status).toBe(201);
  secrets['push token'] = beat.body.push_token as string;
  const ping = await fetch(
    `${stack.apiUrl}/v1/push/${secrets['push token']}?status=down&message=backup%20failed`,
    { method: 'POST' },
  );
  expect(ping.status).toBe(200);
  const unknownPush = `lhp_${hexlify(randomBytes(32)).slice(2)}`;
  secrets['unknown push token'] = unknownPush;
  expect((await fetch(`${stack.apiUrl}/v1/push/${unknownPush}`)).status).toBe(404);

  // sign out: the token is revoked (and still never logged)
  expect((await request('/v1/auth/logout', { method: 'POST', token: payerToken })).status).toBe(
    204,
  );

  const logs = stack.services.map((s) => ({ name: s.name, text: s.output() }));
  // the run was really logged at debug level, delivery failures and the payment included
  const all = logs.map((l) => l.text).join('\n');
  expect(all).toMatch(/"level":"debug"/);
  expect(all).toMatch(/payment settled/);
  expect(logs.find((l) => l.name === 'alerter')?.text).toMatch(/"level":"(warn|error)"/);
  for (const [what, secret] of Object.entries(secrets)) {
    expect(secret.length).toBeGreaterThanOrEqual(16);
    for (const log of logs) {
      const at = log.text.indexOf(secret);
      if (at >= 0) {
        throw new Error(
          `the ${log.name} log holds the ${what}: …${log.text.slice(Math.max(0, at - 200), at + 50)}`,
        );
      }
    }
  }
}, 120_000);
