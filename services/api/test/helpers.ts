import { createDb } from '@lighthouse/db';
import { instanceTiers } from '@lighthouse/domain';
import { createQueues, createRedis } from '@lighthouse/queue';
import { createLogger, createSecretBox } from '@lighthouse/shared';
import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  signSiwe,
  TEST_METRICS_TOKEN,
  testEnv,
  type TestDatabase,
} from '@lighthouse/testing';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Wallet } from 'ethers';
import type { Express } from 'express';
import { Client } from 'pg';
import request from 'supertest';
type TestAgent = ReturnType<typeof request>;
import { createApp } from '../src/app';
import { loadConfig } from '../src/config';
import type { AppContext } from '../src/context';
import { createMetrics } from '../src/metrics';

export const TEST_TIERS = join(__dirname, '../../../packages/testing/tiers.test.json');
export const SIWE_DOMAIN = 'lighthouse.test';

export interface TestApi {
  ctx: AppContext;
  /** the express app itself, for tests that read its route table or serve it on a socket */
  app: Express;
  http: TestAgent;
  database: TestDatabase;
  /** every log line the app wrote, as JSON text */
  logs: string[];
  close(): Promise<void>;
}

/** A real app on a database and queue prefix of its own. */
export async function startTestApi(env: Record<string, string> = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const prefix = newQueuePrefix();
  const config = loadConfig({
    DATABASE_URL: database.url,
    REDIS_URL: testEnv().redisUrl,
    QUEUE_PREFIX: prefix,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    SIWE_DOMAIN,
    // service mode with the test tiers (1-second intervals), unless a test asks otherwise
    ...(env.LIGHTHOUSE_MODE === 'self-hosted'
      ? {}
      : {
          LIGHTHOUSE_MODE: 'service',
          LIGHTHOUSE_TIERS: TEST_TIERS,
          METRICS_TOKEN: TEST_METRICS_TOKEN,
        }),
    // tests check targets on loopback; the SSRF tests set it to false
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'debug',
    // high enough for every suite; test/rate-limits.test.ts sets its own
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '10000',
    RATE_LIMIT_CREATE_PER_MINUTE: '10000',
    RATE_LIMIT_CREATE_PER_IP_PER_MINUTE: '10000',
    RATE_LIMIT_TEST_ALERT_PER_MINUTE: '10000',
    ...env,
  });
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  // debug unless the caller's env says otherwise (LOG_LEVEL above)
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL, stream });
  const db = createDb({ url: config.DATABASE_URL, max: 4 });
  const redis = createRedis({ url: config.REDIS_URL, role: 'producer' });
  // Producers fail fast while Redis connects; give it a moment unless it is meant to be away.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const queues = createQueues({ connection: redis, prefix });
  const ctx: AppContext = {
    config,
    logger,
    db,
    redis,
    queues,
    secrets: createSecretBox(config.ENCRYPTION_KEY),
    tiers: instanceTiers(config),
    metrics: createMetrics(),
  };
  const app = createApp(ctx);
  return {
    ctx,
    app,
    http: request(app),
    database,
    logs,
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      redis.disconnect();
      await db.destroy();
      await database.drop();
      await deleteQueuePrefix(prefix);
    },
  };
}

/** Signs in like a dashboard would and returns the bearer token. */
export async function signIn(http: TestAgent, wallet: Wallet): Promise<string> {
  const nonce = await http.get('/v1/auth/nonce').expect(200);
  const signed = await signSiwe(wallet, {
    domain: SIWE_DOMAIN,
    nonce: (nonce.body as { nonce: string }).nonce,
  });
  const res = await http.post('/v1/auth/verify').send(signed).expect(200);
  return (res.body as { token: string }).token;
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** A valid create body; override any part. */
export function httpSubscription(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Example API',
    target_type: 'http',
    target_config: { url: 'https://example.com/health', method: 'GET', valid_status_codes: [200] },
    tier: 'free',
    check_frequency_seconds: 60,
    alert_channels: [
      {
        type: 'webhook',
        config: {
          url: 'https://hooks.example.com/lighthouse',
          secret: 'webhook-signing-secret-123',
        },
      },
    ],
    ...overrides,
  };
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One route of the app's route table: a method and the full path template. */
export interface RouteEntry {
  method: HttpMethod;
  /** the template as registered, mount prefixes included, e.g. `/v1/subscriptions/:id` */
  path: string;
  /** the path's named parameters, e.g. `['id']` */
  params: string[];
}

const ROUTE_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** What this file reads of express 5's router (the `router` package): not in its types. */
interface RouterLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean | undefined> };
  handle?: { stack?: RouterLayer[]; router?: { stack?: RouterLayer[] } };
}

function joinPath(prefix: string, path: string): string {
  const joined = `${prefix}/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}

function pathsOf(raw: unknown, what: string): string[] {
  const paths = Array.isArray(raw) ? (raw.flat(Infinity) as unknown[]) : [raw];
  return paths.map((p) => {
    // a RegExp path cannot be listed with its parameters; refuse it rather than skip it
    if (typeof p !== 'string') throw new Error(`${what}: a non-string path cannot be listed`);
    return p;
  });
}

/**
 * Every route of an express 5 app, found by walking its router stack: routers mounted with
 * `app.use(router)` or `router.use(prefix, …, subApp)` are walked with their prefix.
 * Middleware that is not a route (auth guards, 404 handler) is not listed.
 */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: RouterLayer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of pathsOf(layer.route.path, 'route')) {
          const full = joinPath(prefix, path);
          const params = [...full.matchAll(/[:*]([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
          for (const method of ROUTE_METHODS) {
            if (layer.route.methods[method.toLowerCase()] || layer.route.methods._all) {
              out.push({ method, path: full, params });
            }
          }
        }
        continue;
      }
      const nested = layer.handle?.stack ?? layer.handle?.router?.stack;
      if (!nested) continue;
      for (const mount of pathsOf(layer.rawPath ?? '/', 'mount'))
        walk(nested, joinPath(prefix, mount));
    }
  };
  walk((app.router as unknown as { stack: RouterLayer[] }).stack, '');
  return out;
}

/**
 * Counts every row the app writes, in one cheap query: the test installs, in its own database,
 * a row trigger on every table of the app's schema that bumps a counter in the writing
 * transaction (so a write rolled back is not counted, and a statement that changes no row
 * neither). Equal fingerprints: nothing was written in between. Reading it costs the same
 * however many rows the tables hold (a count or checksum of their rows would not).
 */
export interface DbFingerprint {
  /** the tables watched (a partitioned table's trigger covers its partitions) */
  tables: string[];
  take: () => Promise<string>;
  close: () => Promise<void>;
}

/**
 * Columns written by design whatever the answer: an API key records when it was last used (at
 * most once a minute) as soon as it authenticates a request, even one refused afterwards. An
 * update that changes nothing else is not counted.
 */
export const WRITTEN_ON_ANY_ANSWER: Record<string, string[]> = { api_keys: ['last_used_at'] };

const WRITES = 'lighthouse_test_writes';

export async function openDbFingerprint(url: string): Promise<DbFingerprint> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined); // the database is dropped under it at the end
  await client.connect();
  const { rows } = await client.query<{ name: string }>(`
    SELECT c.oid::regclass::text AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
    ORDER BY 1`);
  const tables = rows.map((r) => r.name);
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS ${WRITES};
    CREATE TABLE IF NOT EXISTS ${WRITES}.counter (n bigint NOT NULL);
    INSERT INTO ${WRITES}.counter SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM ${WRITES}.counter);
    CREATE OR REPLACE FUNCTION ${WRITES}.count() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- TG_ARGV: columns whose change alone is not counted
      IF TG_OP = 'UPDATE' AND TG_NARGS > 0
         AND to_jsonb(NEW) - TG_ARGV::text[] = to_jsonb(OLD) - TG_ARGV::text[] THEN
        RETURN NULL;
      END IF;
      UPDATE ${WRITES}.counter SET n = n + 1;
      RETURN NULL;
    END $$;`);
  for (const table of tables) {
    const ignored = (WRITTEN_ON_ANY_ANSWER[table] ?? []).map((c) => `'${c}'`).join(', ');
    await client.query(`
      CREATE OR REPLACE TRIGGER ${WRITES} AFTER INSERT OR UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${WRITES}.count(${ignored})`);
  }
  return {
    tables,
    async take() {
      const result = await client.query<{ n: string }>({
        name: 'lighthouse_test_writes',
        text: `SELECT n::text FROM ${WRITES}.counter`,
      });
      return result.rows[0]?.n ?? '';
    },
    close: () => client.end(),
  };
}
