import {
  createTestDatabase,
  freePort,
  signInOverHttp,
  startRedisServer,
  startService,
  startTcpProxy,
  type RedisServer,
  type ServiceProcess,
  type TcpProxy,
  type TestDatabase,
  TEST_METRICS_TOKEN,
} from '@lighthouse/testing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

// Lighthouse as separate processes at the scale of a small installation: two schedulers,
// three checkers, two alerters, one API, and a second region (`eu`) with a checker of its own,
// from which the last `regional` subscriptions are also checked (a majority of the two). PostgreSQL is reached through a TCP proxy the suite
// can cut; Redis is a redis-server of the suite's own that it can flush and restart. Targets
// flip on a script; two webhook sinks record every alert they accept.

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Load {
  subscriptions: number;
  /** of which the first `flippers` go down and up on a script */
  flippers: number;
  intervalSeconds: number;
  /** a flipper stays up, then down, this long */
  flipHalfPeriodMs: number;
  /** of which the last `regional` are checked from `local` and `eu` (never flippers) */
  regional: number;
}

/** The second region's name, and its checker's. */
export const EU = 'eu';
export const EU_CHECKER = 'checker-eu-0';

export type ServiceKind = 'scheduler' | 'checker' | 'alerter' | 'api';
export type SinkMode = 'ok' | 'fail' | 'hang';
export type Channel = 'a' | 'b';

/** A webhook the sink accepted with a 2xx. */
export interface Ack {
  channel: Channel;
  eventId: string;
  at: number;
}

/** One request of the API prober; status 0 when there was no HTTP answer. */
export interface ApiCall {
  at: number;
  method: string;
  path: string;
  status: number;
  code?: string;
  error?: string;
}

export interface Managed {
  name: string;
  kind: ServiceKind;
  env: Record<string, string>;
  process: ServiceProcess;
  /** the ops server's port (the API's own port for the API) */
  opsPort: number;
}

export interface Subscription {
  id: string;
  index: number;
  flipper: boolean;
  /** the regions it is checked from */
  regions: string[];
}

export interface Cluster {
  load: Load;
  /** a direct connection, past the proxy, for the invariant checks */
  pg: Client;
  redis: RedisServer;
  dbProxy: TcpProxy;
  apiUrl: string;
  token: string;
  services: Map<string, Managed>;
  subscriptions: Subscription[];
  sink: { mode: Record<Channel, SinkMode>; acks: Ack[]; received: number };
  /** how a sink answers from now on; leaving `hang` drops the requests it held */
  setSink(channel: Channel, mode: SinkMode): void;
  api: { calls: ApiCall[] };
  /** starts (or starts again) a service by name, resolving once it runs */
  start(name: string): Promise<void>;
  kill(name: string): Promise<void>;
  /** SIGTERM; resolves with the exit code and how long the process took */
  terminate(name: string): Promise<{ code: number | null; ms: number }>;
  health(name: string): Promise<number>;
  stop(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/** Whether flipper `i` is down at `now` on the script that began at `t0`. */
export function scriptedDown(i: number, now: number, t0: number, load: Load): boolean {
  const phase = (i * 7_919) % (2 * load.flipHalfPeriodMs);
  return Math.floor((now - t0 + phase) / load.flipHalfPeriodMs) % 2 === 1;
}

export async function startCluster(load: Load): Promise<Cluster> {
  const database: TestDatabase = await createTestDatabase();
  const pg = new Client({ connectionString: database.url });
  await pg.connect();
  const redis = await startRedisServer();
  const direct = new URL(database.url);
  const dbProxy = await startTcpProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
  const proxied = new URL(database.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(dbProxy.port);

  const t0 = Date.now();
  const target = createServer((req, res) => {
    const i = Number(/^\/t\/(\d+)$/.exec(req.url ?? '')?.[1] ?? -1);
    const down = i >= 0 && i < load.flippers && scriptedDown(i, Date.now(), t0, load);
    res.writeHead(down ? 500 : 200).end(down ? 'scripted down' : 'ok');
  });
  const targetUrl = `http://127.0.0.1:${await listen(target)}`;

  const sink: Cluster['sink'] = { mode: { a: 'ok', b: 'ok' }, acks: [], received: 0 };
  const hung = new Map<ServerResponse, Channel>();
  const sinkServer = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      sink.received += 1;
      const channel = (req.url ?? '').startsWith('/b/') ? 'b' : 'a';
      const mode = sink.mode[channel];
      if (mode === 'hang') {
        hung.set(res, channel);
        res.on('close', () => hung.delete(res));
        return;
      }
      if (mode === 'fail') {
        res.writeHead(500).end('sink failing on purpose');
        return;
      }
      const eventId = req.headers['x-lighthouse-event-id'];
      if (typeof eventId === 'string') sink.acks.push({ channel, eventId, at: Date.now() });
      res.writeHead(200).end('ok');
    });
  });
  const sinkUrl = `http://127.0.0.1:${await listen(sinkServer)}`;

  const tiersDir = mkdtempSync(join(tmpdir(), 'lh-faults-'));
  const tiersFile = join(tiersDir, 'tiers.json');
  writeFileSync(
    tiersFile,
    JSON.stringify({
      tiers: {
        fleet: {
          label: 'Fleet (fault suite)',
          min_interval_seconds: 1,
          max_subscriptions: 10_000,
          raw_retention_days: 7,
          allowed_target_types: ['http'],
          max_channels: 5,
          max_regions: 2,
          price_usdc_per_30_days: '0',
        },
      },
    }),
  );

  const apiPort = await freePort();
  const common = {
    DATABASE_URL: proxied.toString(),
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'faults',
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    LIGHTHOUSE_MODE: 'service',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
  };
  // a region is dark after 20 s without its checker; a slot waits 2 s past its timeout for it
  const regions = { REGION_DARK_AFTER_SECONDS: '20' };
  const envOf: Record<ServiceKind, Record<string, string>> = {
    scheduler: {
      ...common,
      ...regions,
      VERDICT_GRACE_SECONDS: '2',
      LIGHTHOUSE_TIERS: tiersFile,
    },
    checker: {
      ...common,
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      CHECKER_CONCURRENCY: '100',
      CHECKER_LOCK_MS: '10000',
      CHECKER_STALLED_INTERVAL_MS: '5000',
      CHECKER_HEARTBEAT_MS: '1000',
    },
    alerter: {
      ...common,
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      ALERTER_LOCK_MS: '10000',
      ALERTER_STALLED_INTERVAL_MS: '5000',
    },
    api: {
      ...common,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: 'admin-token-for-the-fault-suite-0123',
      SIWE_DOMAIN: 'lighthouse.test',
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      LIGHTHOUSE_TIERS: tiersFile,
      ...regions,
      RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
      RATE_LIMIT_CREATE_PER_MINUTE: '100000',
      RATE_LIMIT_CREATE_PER_IP_PER_MINUTE: '100000',
    },
  };
  const layout: [ServiceKind, number][] = [
    ['api', 1],
    ['scheduler', 2],
    ['checker', 3],
    ['alerter', 2],
  ];
  const services = new Map<string, Managed>();
  for (const [kind, count] of layout) {
    for (let n = 0; n < count; n += 1) {
      const name = kind === 'api' ? 'api' : `${kind}-${n}`;
      const opsPort = kind === 'api' ? apiPort : await freePort();
      const env = {
        ...envOf[kind],
        ...(kind === 'api' ? {} : { METRICS_PORT: String(opsPort) }),
        ...(kind === 'checker' ? { CHECKER_NAME: name } : {}),
      };
      services.set(name, { name, kind, env, opsPort, process: undefined as never });
    }
  }
  services.set(EU_CHECKER, {
    name: EU_CHECKER,
    kind: 'checker',
    env: {
      ...envOf.checker,
      METRICS_PORT: String(await freePort()),
      CHECKER_NAME: EU_CHECKER,
      CHECKER_REGION: EU,
      CHECKER_SOURCE_ADDRESS: '127.0.0.2',
    },
    opsPort: 0,
    process: undefined as never,
  });
  services.get(EU_CHECKER)!.opsPort = Number(services.get(EU_CHECKER)!.env.METRICS_PORT);

  const api: Cluster['api'] = { calls: [] };
  let probing = false;
  let prober: Promise<void> = Promise.resolve();
  const teardown = async () => {
    probing = false;
    await prober;
    await Promise.all([...services.values()].map((s) => s.process?.stop('SIGKILL')));
    for (const res of hung.keys()) res.destroy();
    await new Promise((r) => target.close(r));
    await new Promise((r) => sinkServer.close(r));
    await dbProxy.close();
    await redis.stop();
    await pg.end();
    await database.drop();
    rmSync(tiersDir, { recursive: true, force: true });
  };

  const running = /"message":"(api listening|scheduler running|checker running|alerter running)"/;
  const start = async (name: string) => {
    const s = services.get(name)!;
    s.process = startService(s.kind, s.env);
    await s.process.waitFor(running, 30_000);
  };
  try {
    await Promise.all([...services.keys()].map(start));
  } catch (err) {
    await teardown();
    throw err;
  }

  const apiUrl = `http://127.0.0.1:${apiPort}`;
  let token = '';
  const request = async (method: string, path: string, body?: unknown): Promise<ApiCall> => {
    const at = Date.now();
    try {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let code: string | undefined;
      try {
        code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
      } catch {
        code = undefined;
      }
      return { at, method, path, status: res.status, ...(code ? { code } : {}) };
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      return { at, method, path, status: 0, error: cause ?? (err as Error).name };
    }
  };

  // the fleet, created over the API like a user would, eight at a time
  const subscriptions: Subscription[] = [];
  const channel = (c: Channel, i: number) => ({
    type: 'webhook',
    config: { url: `${sinkUrl}/${c}/${i}`, secret: 'fault-suite-webhook-secret' },
  });
  try {
    token = await signInOverHttp(apiUrl, 'lighthouse.test');
    // the eu region may be chosen once its checker has beaten
    for (let tries = 0; ; tries += 1) {
      const live = (await (await fetch(`${apiUrl}/v1/regions`)).json()) as {
        items: { region: string }[];
      };
      if (live.items.some((r) => r.region === EU)) break;
      if (tries > 100) throw new Error('the eu checker never beat');
      await sleep(200);
    }
    for (let i = 0; i < load.subscriptions; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, load.subscriptions - i) }, async (_, k) => {
          const index = i + k;
          const regions = index >= load.subscriptions - load.regional ? ['local', EU] : ['local'];
          const res = await fetch(`${apiUrl}/v1/subscriptions`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({
              name: `fleet-${index}`,
              target_type: 'http',
              target_config: { url: `${targetUrl}/t/${index}`, timeout_ms: 3_000 },
              ...(regions.length > 1 ? { regions, quorum: 'majority' } : {}),
              tier: 'fleet',
              check_frequency_seconds: load.intervalSeconds,
              failure_threshold: 1,
              recovery_threshold: 1,
              alert_channels: [channel('a', index), channel('b', index)],
            }),
          });
          const body = (await res.json()) as { id: string };
          if (res.status !== 201)
            throw new Error(`create answered ${res.status}: ${JSON.stringify(body)}`);
          subscriptions.push({ id: body.id, index, flipper: index < load.flippers, regions });
        }),
      );
    }
  } catch (err) {
    await teardown();
    throw err;
  }
  subscriptions.sort((x, y) => x.index - y.index);

  // the prober: a dashboard's reads and an occasional write, four times a second
  probing = true;
  // a steady (never flipping) single-region subscription
  const steady = subscriptions[load.flippers]!.id;
  prober = (async () => {
    for (let n = 0; probing; n += 1) {
      const round = n % 4;
      const call =
        round === 0
          ? await request('GET', '/health')
          : round === 1
            ? await request('GET', '/v1/subscriptions?limit=5')
            : round === 2
              ? await request('GET', `/v1/subscriptions/${steady}`)
              : await request('PATCH', `/v1/subscriptions/${steady}`, {
                  name: `fleet-steady-${n}`,
                });
      api.calls.push(call);
      await sleep(250);
    }
  })();

  return {
    load,
    pg,
    redis,
    dbProxy,
    apiUrl,
    token,
    services,
    subscriptions,
    sink,
    setSink(channel, mode) {
      sink.mode[channel] = mode;
      if (mode !== 'hang') for (const [res, c] of hung) if (c === channel) res.destroy();
    },
    api,
    start,
    async kill(name) {
      await services.get(name)!.process.stop('SIGKILL');
    },
    async terminate(name) {
      const began = Date.now();
      const code = await services.get(name)!.process.stop('SIGTERM', 60_000);
      return { code, ms: Date.now() - began };
    },
    async health(name) {
      const s = services.get(name)!;
      try {
        const res = await fetch(`http://127.0.0.1:${s.opsPort}/health`, {
          signal: AbortSignal.timeout(5_000),
        });
        return res.status;
      } catch {
        return 0;
      }
    },
    stop: teardown,
  };
}
