import { createDb, pingDb, schedule } from '@lighthouse/db';
import { createQueues, createRedis, pingRedis } from '@lighthouse/queue';
import {
  checkDependencies,
  ConfigError,
  createLogger,
  createShutdown,
  startLoop,
  startOpsServer,
} from '@lighthouse/shared';
import { loadConfig } from './config';
import { enqueueDue } from './jobs/enqueue-due';
import { relayOutbox } from './jobs/relay';
import { createMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'scheduler', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();

  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DB_POOL_SIZE,
    applicationName: 'lighthouse-scheduler',
    onError: (err) => logger.warn('postgres connection error', { err: err.message }),
  });
  shutdown.register('db', () => db.destroy());

  // A producer: fail fast while Redis is away; the batch rolls back and the next tick retries.
  const redis = createRedis({
    url: config.REDIS_URL,
    role: 'producer',
    name: 'lighthouse-scheduler',
    onError: (err) => logger.debug('redis connection error', { err: err.message }),
  });
  shutdown.register('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
  const queues = createQueues({
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    onError: (queue, err) => logger.debug('queue error', { queue, err: err.message }),
  });
  shutdown.register('queues', async () => {
    await Promise.all(Object.values(queues).map((q) => q.close()));
  });

  const metrics = createMetrics(queues.checks);
  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    registry: metrics.registry,
    health: () => checkDependencies({ database: () => pingDb(db), redis: () => pingRedis(redis) }),
  });
  shutdown.register('ops', () => ops.close());

  const loops = [
    startLoop({
      name: 'enqueue',
      intervalMs: config.SCHEDULER_TICK_MS,
      logger,
      round: () =>
        enqueueDue({ db, checks: queues.checks, metrics, batchSize: config.SCHEDULER_BATCH_SIZE }),
    }),
    startLoop({
      name: 'relay',
      intervalMs: config.RELAY_INTERVAL_MS,
      logger,
      round: () =>
        relayOutbox({ db, alerts: queues.alerts, metrics, batchSize: config.RELAY_BATCH_SIZE }),
    }),
    startLoop({
      name: 'housekeeping',
      intervalMs: config.HOUSEKEEPING_INTERVAL_MS,
      logger,
      round: async () => {
        const created = await schedule.ensurePartitions(db, config.PARTITION_DAYS_AHEAD);
        if (created > 0) logger.info('check_history partitions created', { created });
      },
    }),
  ];
  shutdown.register('loops', async () => {
    await Promise.all(loops.map((l) => l.stop()));
    const total = async (c: typeof metrics.enqueued) => (await c.get()).values[0]?.value ?? 0;
    logger.info('scheduler stopped', {
      slots_enqueued: await total(metrics.enqueued),
      slots_skipped: await total(metrics.skipped),
      events_published: await total(metrics.published),
    });
  });
  logger.info('scheduler running', { tick_ms: config.SCHEDULER_TICK_MS, metrics_port: ops.port });
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`scheduler: cannot start: ${message}\n`);
  process.exit(1);
});
