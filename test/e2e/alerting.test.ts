import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  signInOverHttp,
  startService,
  testEnv,
  type ServiceProcess,
  type TestDatabase,
} from '@lighthouse/testing';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

// All four services as processes; channels answered by local peers: one HTTP server
// that records webhook, Discord, Slack and Telegram calls, and an SMTP server.

const root = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WEBHOOK_SECRET = 'webhook-signing-secret-for-tests';

interface Call {
  at: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
}

let database: TestDatabase;
let prefix: string;
let target: Server;
let targetUp = true;
let peer: Server;
let peerUrl: string;
const calls: Call[] = [];
/** per path: status codes to answer before 200 */
const script = new Map<string, number[]>();
let smtp: SMTPServer;
let slowHookArrived: (() => void) | undefined;
const mails: string[] = [];
const services: ServiceProcess[] = [];
let api: string;
let token: string;

async function listen(server: Server | SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address =
    (server as Server).address?.() ?? (server as unknown as { server: Server }).server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = newQueuePrefix();

  target = createServer((_req, res) =>
    res.writeHead(targetUp ? 200 : 500).end(targetUp ? 'ok' : 'broken'),
  );
  const targetPort = await listen(target);

  peer = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      calls.push({
        at: Date.now(),
        path,
        headers: req.headers,
        raw,
        body: JSON.parse(raw || '{}') as Record<string, unknown>,
      });
      if (path === '/slowhook' && calls.filter((c) => c.path === path).length === 1) {
        // the first delivery hangs until the alerter that sent it is gone
        slowHookArrived?.();
        setTimeout(() => res.writeHead(200).end('late'), 3_000);
        return;
      }
      const next = script.get(path)?.shift();
      if (next === 429) {
        res.writeHead(429, { 'Retry-After': '1' }).end('slow down');
      } else if (next !== undefined) {
        res.writeHead(next).end('scripted failure');
      } else if (path.startsWith('/bot')) {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true,"result":{}}');
      } else {
        res.writeHead(path.startsWith('/discord') ? 204 : 200).end('ok');
      }
    });
  });
  peerUrl = `http://127.0.0.1:${await listen(peer)}`;

  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, _session, callback) {
      let data = '';
      stream.on('data', (d: Buffer) => (data += d.toString()));
      stream.on('end', () => {
        mails.push(data);
        callback();
      });
    },
  });
  const smtpPort = await listen(smtp);

  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv().redisUrl,
    QUEUE_PREFIX: prefix,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
  };
  const apiProcess = startService('api', {
    ...common,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    SIWE_DOMAIN: 'lighthouse.test',
    LIGHTHOUSE_TIERS: join(root, 'packages', 'testing', 'tiers.test.json'),
  });
  services.push(
    apiProcess,
    startService('scheduler', { ...common, SCHEDULER_TICK_MS: '100', RELAY_INTERVAL_MS: '100' }),
    startService('checker', {
      ...common,
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      SUBSCRIPTION_CACHE_MS: '500',
    }),
    startService(
      'alerter',
      (alerterEnv = {
        ...common,
        LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
        TELEGRAM_API_BASE: peerUrl,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        SMTP_FROM: 'Lighthouse <alerts@lighthouse.test>',
        DELIVERY_ATTEMPTS: '5',
        DELIVERY_BACKOFF_MS: '200',
        ALERTER_LOCK_MS: '1000',
        ALERTER_STALLED_INTERVAL_MS: '500',
      }),
    ),
  );
  api = `http://127.0.0.1:${(await apiProcess.waitFor(/"message":"api listening".*?"port":(\d+)/))[1]}`;
  await Promise.all(services.slice(1).map((s) => s.waitFor(/running/)));

  token = await signInOverHttp(api, 'lighthouse.test');
  targetUrl = `http://127.0.0.1:${targetPort}/health`;
}, 60_000);

let targetUrl: string;
let alerterEnv: Record<string, string>;

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await new Promise((r) => target.close(r));
  await new Promise((r) => peer.close(r));
  await new Promise<void>((r) => smtp.close(() => r()));
  await database.drop();
  await deleteQueuePrefix(prefix);
});

async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await fn();
    if (value !== undefined) return value;
    await sleep(200);
  }
  throw new Error(
    `timed out waiting for ${what}\n${services.map((s) => `${s.name}: ${s.output().slice(-1500)}`).join('\n')}`,
  );
}

interface AlertJson {
  alert_type: string;
  event_id: string;
  delivery_status: string;
  retry_count: number;
  deliveries: {
    channel_id: string;
    channel_type: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }[];
}

async function alertsOf(id: string): Promise<AlertJson[]> {
  return ((await call('GET', `/v1/subscriptions/${id}/alerts`)).body as { items: AlertJson[] })
    .items;
}

/** A subscription on the flipping target, checked every second; returns its id and channel ids. */
async function watch(
  name: string,
  alert_channels: Record<string, unknown>[],
  options: { waitUp?: boolean; recovery_threshold?: number } = {},
): Promise<{ id: string; channelIds: string[] }> {
  const created = await call('POST', '/v1/subscriptions', {
    name,
    target_type: 'http',
    target_config: { url: targetUrl },
    tier: 'team',
    check_frequency_seconds: 1,
    failure_threshold: 1,
    ...(options.recovery_threshold ? { recovery_threshold: options.recovery_threshold } : {}),
    alert_channels,
  });
  expect(created.status).toBe(201);
  const body = created.body as { id: string; alert_channels: { id: string }[] };
  if (options.waitUp !== false) {
    await until('up', async () =>
      (await call('GET', `/v1/subscriptions/${body.id}`)).body.state === 'up' ? true : undefined,
    );
  }
  return { id: body.id, channelIds: body.alert_channels.map((c) => c.id) };
}

/** Waits for the subscription's alert of this type to satisfy `done` (by default: settled). */
function alertOf(
  id: string,
  type: string,
  what: string,
  done: (a: AlertJson) => boolean = (a) => a.delivery_status !== 'pending',
): Promise<AlertJson> {
  return until(what, async () => {
    const a = (await alertsOf(id)).find((x) => x.alert_type === type);
    return a && done(a) ? a : undefined;
  });
}

const webhook = (path: string) => ({
  type: 'webhook',
  config: { url: `${peerUrl}${path}`, secret: WEBHOOK_SECRET },
});
const sent = (a: AlertJson) => a.delivery_status === 'sent';

it('target down → alert on every channel → target up → recovery with the downtime', async () => {
  const { id } = await watch(
    'Checkout API',
    [
      {
        type: 'webhook',
        config: { url: `${peerUrl}/hook`, secret: WEBHOOK_SECRET },
        language: 'es',
      },
      { type: 'discord', config: { webhook_url: `${peerUrl}/discord/1/abc` } },
      { type: 'slack', config: { webhook_url: `${peerUrl}/slack/T/B/x` } },
      { type: 'telegram', config: { bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', chat_id: 42 } },
      { type: 'email', config: { to: 'ops@example.com' } },
    ],
    { recovery_threshold: 1 },
  );

  targetUp = false;
  const down = await alertOf(id, 'down', 'the down alert delivered everywhere', sent);
  expect(down.deliveries.map((d) => d.channel_type).sort()).toEqual([
    'discord',
    'email',
    'slack',
    'telegram',
    'webhook',
  ]);
  await sleep(1_500);
  targetUp = true;
  const up = await alertOf(id, 'up', 'the recovery alert delivered everywhere', sent);

  // webhook: DESIGN payload, signature over the raw body, Spanish for an es channel
  const hooks = calls.filter((c) => c.path === '/hook');
  expect(hooks.map((h) => h.body.event)).toEqual(['subscription.down', 'subscription.up']);
  for (const hook of hooks) {
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hook.raw).digest('hex')}`;
    expect(hook.headers['x-lighthouse-signature']).toBe(expected);
    expect(hook.headers['x-lighthouse-event-id']).toBe(hook.body.event_id);
    expect(hook.body).toMatchObject({ subscription_id: id, name: 'Checkout API', language: 'es' });
  }
  expect(hooks[0]?.body).toMatchObject({
    event_id: down.event_id,
    from_state: 'up',
    to_state: 'down',
    check: { status: 'down', http_status: 500 },
  });
  expect(hooks[1]?.body.event_id).toBe(up.event_id);
  expect(String(hooks[0]?.body.message)).toMatch(/ca[ií]d|inactiv|fuera de servicio/i);

  // the others each got both, in English; the recovery names the downtime
  expect(calls.filter((c) => c.path.startsWith('/discord'))).toHaveLength(2);
  expect(calls.filter((c) => c.path.startsWith('/slack'))).toHaveLength(2);
  const telegram = calls.filter((c) => c.path.startsWith('/bot123456:'));
  expect(telegram).toHaveLength(2);
  expect(telegram[0]?.body).toMatchObject({ chat_id: 42 });
  expect(String(telegram[1]?.body.text)).toMatch(/\d+\s*(s|min)/);
  expect(mails).toHaveLength(2);
  expect(mails[0]).toContain('Checkout API');
  expect(mails[1]).toMatch(/X-Lighthouse-Event-Id: /i);
}, 90_000);

it('retries a failing channel with backoff, waits out a 429, does not retry a 400', async () => {
  script.set('/flaky', [500, 500, 500]);
  script.set('/rejects', [400, 400, 400, 400, 400]);
  script.set('/throttled', [429]);
  const { id, channelIds } = await watch('Retry me', [
    webhook('/flaky'),
    webhook('/rejects'),
    webhook('/throttled'),
  ]);
  targetUp = false;
  const alert = await alertOf(id, 'down', 'the alert settled');
  targetUp = true;
  expect(alert.delivery_status).toBe('partial');
  const [flaky, rejected, throttled] = channelIds.map((cid) =>
    alert.deliveries.find((d) => d.channel_id === cid),
  );
  expect(flaky).toMatchObject({ status: 'sent', attempts: 4 });
  expect(throttled).toMatchObject({ status: 'sent', attempts: 2 });
  expect(rejected).toMatchObject({ status: 'failed' });
  expect(rejected?.attempts).toBe(1);
  expect(rejected?.last_error).toMatch(/400/);
  expect(alert.retry_count).toBe(4);
  expect(calls.filter((c) => c.path === '/flaky')).toHaveLength(4);
  expect(calls.filter((c) => c.path === '/rejects')).toHaveLength(1);
  // the 429 said one second: the second try came no sooner
  const tries = calls.filter((c) => c.path === '/throttled').map((c) => c.at);
  expect(tries).toHaveLength(2);
  expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(950);
}, 90_000);

it('an alerter killed mid-delivery loses nothing: every channel gets the alert, repeats only the in-flight send', async () => {
  const { id } = await watch('Crash test', [webhook('/slowhook'), webhook('/fasthook')]);

  const arrived = new Promise<void>((resolve) => (slowHookArrived = resolve));
  targetUp = false;
  await arrived;
  const alerter = services[3]!;
  alerter.child.kill('SIGKILL');
  await alerter.exited;
  services[3] = startService('alerter', alerterEnv);
  await services[3].waitFor(/alerter running/);

  const alert = await alertOf(id, 'down', 'the alert settled after the restart');
  targetUp = true;
  expect(alert.delivery_status).toBe('sent');
  const slow = calls.filter((c) => c.path === '/slowhook');
  const fast = calls.filter((c) => c.path === '/fasthook');
  // the send in flight at the crash may be repeated, with the same event id; nothing else is
  expect(slow.length).toBeGreaterThanOrEqual(1);
  expect(slow.length).toBeLessThanOrEqual(2);
  expect(new Set(slow.map((c) => c.body.event_id))).toEqual(new Set([alert.event_id]));
  expect(fast.filter((c) => c.body.event_id === alert.event_id).length).toBeGreaterThanOrEqual(1);
  expect(fast.filter((c) => c.body.event_id === alert.event_id).length).toBeLessThanOrEqual(2);
}, 90_000);

it('alerts a subscription whose target is down from its first check', async () => {
  targetUp = false;
  try {
    const { id } = await watch('Born broken', [webhook('/startsdown')], { waitUp: false });
    const alert = await alertOf(id, 'down', 'the first down alert', sent);
    const hook = calls.find((c) => c.path === '/startsdown');
    expect(hook?.body).toMatchObject({
      event_id: alert.event_id,
      from_state: 'unknown',
      to_state: 'down',
    });
  } finally {
    targetUp = true;
  }
}, 60_000);
