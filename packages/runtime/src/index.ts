import { createDb, pingDb, type Db } from '@lighthouse/db';
import { createQueues, createRedis, pingRedis, type QueueName } from '@lighthouse/queue';
import {
  checkDependencies,
  ConfigError,
  createLogger,
  createShutdown,
  startOpsServer,
  type Logger,
  type Shutdown,
} from '@lighthouse/shared';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';

/** The settings every service has. */
export interface BaseConfig {
  DATABASE_URL: string;
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  LOG_LEVEL: string;
  DB_POOL_SIZE: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface Runtime {
  logger: Logger;
  shutdown: Shutdown;
  db: Db;
  /** fails fast while Redis is away (producers, the api) */
  producerRedis: Redis;
  /** waits for Redis as long as it takes (workers); only when asked for */
  workerRedis: Redis | undefined;
  /** every queue of the catalog on the producer connection */
  queues: Record<QueueName, Queue>;
}

/**
 * config → logger → shutdown (signals) → db → Redis → queues, each registered so
 * that SIGTERM closes them in reverse order. Errors of a connection are logged once
 * per distinct message rather than once per reconnect attempt.
 */
export function startRuntime(
  service: string,
  config: BaseConfig,
  options: { worker: true },
): Runtime & { workerRedis: Redis };
export function startRuntime(
  service: string,
  config: BaseConfig,
  options?: { worker?: false },
): Runtime;
export function startRuntime(
  service: string,
  config: BaseConfig,
  options: { worker?: boolean } = {},
): Runtime {
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();

  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DB_POOL_SIZE,
    applicationName: `lighthouse-${service}`,
    onError: (err) => logger.warn('postgres connection error', { err: err.message }),
  });
  shutdown.register('db', () => db.destroy());

  const onRedisError = (role: string) => {
    let last = '';
    return (err: Error) => {
      if (err.message !== last) logger.warn('redis connection error', { role, err: err.message });
      last = err.message;
    };
  };
  const producerRedis = createRedis({
    url: config.REDIS_URL,
    role: 'producer',
    name: `lighthouse-${service}`,
    onError: onRedisError('producer'),
  });
  const workerRedis = options.worker
    ? createRedis({
        url: config.REDIS_URL,
        role: 'worker',
        name: `lighthouse-${service}-worker`,
        onError: onRedisError('worker'),
      })
    : undefined;
  shutdown.register('redis', async () => {
    const clients = workerRedis ? [producerRedis, workerRedis] : [producerRedis];
    await Promise.all(clients.map((r) => r.quit().catch(() => r.disconnect())));
  });

  const queues = createQueues({
    connection: producerRedis,
    prefix: config.QUEUE_PREFIX,
    onError: (queue, err) => logger.debug('queue error', { queue, err: err.message }),
  });
  shutdown.register('queues', async () => {
    await Promise.all(Object.values(queues).map((q) => q.close()));
  });
  return { logger, shutdown, db, producerRedis, workerRedis, queues };
}

/**
 * `/metrics` and `/health` (PostgreSQL and Redis, plus `ready()`) on the service's
 * METRICS_HOST:METRICS_PORT, closed at shutdown.
 */
export async function startOps(
  runtime: Runtime,
  config: { METRICS_PORT: number; METRICS_HOST: string; METRICS_TOKEN?: string | undefined },
  registry: Registry,
  ready: () => boolean = () => true,
): Promise<number> {
  const redis = runtime.workerRedis ?? runtime.producerRedis;
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    host: config.METRICS_HOST,
    registry,
    metricsToken: config.METRICS_TOKEN,
    health: async () => {
      const { ok, parts, errors } = await checkDependencies({
        database: () => pingDb(runtime.db),
        redis: () => pingRedis(redis),
      });
      if (!ok) runtime.logger.warn('health check failed', { errors });
      return { ...parts, ok: ok && ready() };
    },
  });
  runtime.shutdown.register('ops', () => ops.close());
  return ops.port;
}

/** Runs a service's main; a failure to start (bad config above all) is one line on stderr and exit 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`${service}: cannot start: ${message}\n`);
    process.exit(1);
  });
}
