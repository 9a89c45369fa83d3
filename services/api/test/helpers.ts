import { createDb } from '@lighthouse/db';
import { loadTiers } from '@lighthouse/domain';
import { createQueues, createRedis } from '@lighthouse/queue';
import { createLogger, createSecretBox } from '@lighthouse/shared';
import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  signSiwe,
  testEnv,
  type TestDatabase,
} from '@lighthouse/testing';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Wallet } from 'ethers';
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
    LIGHTHOUSE_TIERS: TEST_TIERS,
    LOG_LEVEL: 'debug',
    // high enough for every suite; test/rate-limits.test.ts sets its own
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '10000',
    RATE_LIMIT_CREATE_PER_MINUTE: '10000',
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
  const logger = createLogger({ service: 'api', level: 'debug', stream });
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
    tiers: loadTiers(config.LIGHTHOUSE_TIERS),
    metrics: createMetrics(),
  };
  const app = createApp(ctx);
  return {
    ctx,
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
