import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  signInAsOwner,
  TEST_METRICS_TOKEN,
  signInOverHttp,
  startService,
  testEnv,
  type ServiceProcess,
  type TestDatabase,
} from '@lighthouse/testing';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';

// All four services as processes; channels answered by local peers: one HTTP server
// that records webhook, Discord, Slack and Telegram calls, and an SMTP server. Targets
// are paths on one local HTTP server, each up or down as a test sets it.

const root = join(__dirname, '..', '..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const WEBHOOK_SECRET = 'webhook-signing-secret-for-tests';

export interface Call {
  at: number;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  raw: string;
  body: Record<string, unknown>;
}

export interface AlertJson {
  alert_type: string;
  event_id: string;
  delivery_status: string;
  suppressed_reason: string | null;
  retry_count: number;
  message: string;
  deliveries: {
    channel_id: string;
    channel_type: string;
    status: string;
    attempts: number;
    last_error: string | null;
  }[];
}

export interface Stack {
  database: TestDatabase;
  apiUrl: string;
  /** the session token `call` uses */
  token: string;
  /** self-hosted: the sign-in link the api printed at its first start (unused) */
  signInLink: string | null;
  /** what every service was started with */
  env: Record<string, string>;
  services: ServiceProcess[];
  alerterEnv: Record<string, string>;
  peerUrl: string;
  /** every call the HTTP peer received, in order */
  calls: Call[];
  /** per peer path: status codes to answer before 200 */
  script: Map<string, number[]>;
  /** raw messages the SMTP server received */
  mails: string[];
  /** called when a path of the peer should hang: answers after 3 s, the first time only */
  hang: { path: string | null; arrived?: () => void };
  /** a target URL whose health `setTarget` controls (up until told otherwise) */
  targetUrl(path: string): string;
  setTarget(path: string, up: boolean): void;
  call(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  alertsOf(id: string): Promise<AlertJson[]>;
  /** waits for the subscription's alert of this type to satisfy `done` (default: settled) */
  alertOf(
    id: string,
    type: string,
    what: string,
    done?: (a: AlertJson) => boolean,
  ): Promise<AlertJson>;
  stop(): Promise<void>;
}

async function listen(server: Server | SMTPServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address =
    (server as Server).address?.() ?? (server as unknown as { server: Server }).server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

export async function startStack(
  extra: {
    scheduler?: Record<string, string>;
    /** more checker environment (e.g. NODE_EXTRA_CA_CERTS for a test CA) */
    checker?: Record<string, string>;
    api?: Record<string, string>;
    /** every service's LOG_LEVEL (default info) */
    logLevel?: string;
    /** LIGHTHOUSE_MODE (default service, with the test tiers and a wallet's session) */
    mode?: 'self-hosted' | 'service';
  } = {},
): Promise<Stack> {
  const mode = extra.mode ?? 'service';
  const database = await createTestDatabase();
  const prefix = newQueuePrefix();
  const down = new Set<string>();
  const target = createServer((req, res) => {
    const healthy = !down.has(req.url ?? '/');
    res.writeHead(healthy ? 200 : 500).end(healthy ? 'ok' : 'broken');
  });
  const targetPort = await listen(target);

  const calls: Call[] = [];
  const script = new Map<string, number[]>();
  const hang: Stack['hang'] = { path: null };
  const peer = createServer((req, res) => {
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
      if (path === hang.path && calls.filter((c) => c.path === path).length === 1) {
        // the first delivery hangs until the alerter that sent it is gone
        hang.arrived?.();
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
  const peerUrl = `http://127.0.0.1:${await listen(peer)}`;

  const mails: string[] = [];
  const smtp = new SMTPServer({
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
    LOG_LEVEL: extra.logLevel ?? 'info',
    METRICS_PORT: '0',
    LIGHTHOUSE_MODE: mode,
    // required in service mode
    ...(mode === 'service' ? { METRICS_TOKEN: TEST_METRICS_TOKEN } : {}),
  };
  const alerterEnv = {
    ...common,
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    TELEGRAM_API_BASE: peerUrl,
    SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    SMTP_FROM: 'Lighthouse <alerts@lighthouse.test>',
    DELIVERY_ATTEMPTS: '5',
    DELIVERY_BACKOFF_MS: '200',
    ALERTER_LOCK_MS: '1000',
    ALERTER_STALLED_INTERVAL_MS: '500',
  };
  const apiProcess = startService('api', {
    ...common,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    SIWE_DOMAIN: 'lighthouse.test',
    // the targets and peers are on loopback
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    ...(mode === 'service'
      ? { LIGHTHOUSE_TIERS: join(root, 'packages', 'testing', 'tiers.test.json') }
      : {}),
    ...extra.api,
  });
  const services = [
    apiProcess,
    startService('scheduler', {
      ...common,
      SCHEDULER_TICK_MS: '100',
      RELAY_INTERVAL_MS: '100',
      ...extra.scheduler,
    }),
    startService('checker', {
      ...common,
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      SUBSCRIPTION_CACHE_MS: '500',
      ...extra.checker,
    }),
    startService('alerter', alerterEnv),
  ];
  const api = `http://127.0.0.1:${(await apiProcess.waitFor(/"message":"api listening".*?"port":(\d+)/))[1]}`;
  await Promise.all(services.slice(1).map((s) => s.waitFor(/running/)));
  // self-hosted: the owner signs in with a link of their own, leaving the printed one unused
  const signInLink =
    mode === 'self-hosted'
      ? ((await apiProcess.waitFor(/"message":"Sign in: (\S+?)"/))[1] ?? null)
      : null;
  const token =
    mode === 'self-hosted'
      ? await signInAsOwner(api, { DATABASE_URL: database.url })
      : await signInOverHttp(api, extra.api?.SIWE_DOMAIN ?? 'lighthouse.test');

  const call: Stack['call'] = async (method, path, body) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };

  const until: Stack['until'] = async (what, fn, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const value = await fn();
      if (value !== undefined) return value;
      await sleep(200);
    }
    throw new Error(
      `timed out waiting for ${what}\n${services.map((s) => `${s.name}: ${s.output().slice(-1500)}`).join('\n')}`,
    );
  };

  const alertsOf = async (id: string): Promise<AlertJson[]> =>
    ((await call('GET', `/v1/subscriptions/${id}/alerts`)).body as { items: AlertJson[] }).items;

  return {
    database,
    apiUrl: api,
    token,
    signInLink,
    env: { ...common, ADMIN_TOKEN: 'admin-token-for-tests-0123456789' },
    services,
    alerterEnv,
    peerUrl,
    calls,
    script,
    mails,
    hang,
    targetUrl: (path) => `http://127.0.0.1:${targetPort}${path}`,
    setTarget: (path, up) => {
      if (up) down.delete(path);
      else down.add(path);
    },
    call,
    until,
    alertsOf,
    alertOf: (id, type, what, done = (a) => a.delivery_status !== 'pending') =>
      until(what, async () => {
        const a = (await alertsOf(id)).find((x) => x.alert_type === type);
        return a && done(a) ? a : undefined;
      }),
    async stop() {
      await Promise.all(services.map((s) => s.stop('SIGKILL')));
      await new Promise((r) => target.close(r));
      await new Promise((r) => peer.close(r));
      await new Promise<void>((r) => smtp.close(() => r()));
      await database.drop();
      await deleteQueuePrefix(prefix);
    },
  };
}

/** A webhook channel on the recording peer. */
export const webhook = (stack: Stack, path: string, language?: string) => ({
  type: 'webhook',
  config: { url: `${stack.peerUrl}${path}`, secret: WEBHOOK_SECRET },
  ...(language ? { language } : {}),
});

export const sent = (a: AlertJson) => a.delivery_status === 'sent';

/** A subscription on a target path, checked every second; returns its id and channel ids. */
export async function watch(
  stack: Stack,
  path: string,
  alert_channels: Record<string, unknown>[],
  options: { waitUp?: boolean; name?: string } & Record<string, unknown> = {},
): Promise<{ id: string; channelIds: string[] }> {
  const { waitUp, name, ...fields } = options;
  const created = await stack.call('POST', '/v1/subscriptions', {
    name: name ?? path,
    target_type: 'http',
    target_config: { url: stack.targetUrl(path) },
    tier: 'team',
    check_frequency_seconds: 1,
    failure_threshold: 1,
    ...fields,
    alert_channels,
  });
  if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
  const body = created.body as { id: string; alert_channels: { id: string }[] };
  if (waitUp !== false) {
    await stack.until('up', async () =>
      (await stack.call('GET', `/v1/subscriptions/${body.id}`)).body.state === 'up'
        ? true
        : undefined,
    );
  }
  return { id: body.id, channelIds: body.alert_channels.map((c) => c.id) };
}
