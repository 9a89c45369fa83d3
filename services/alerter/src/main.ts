import { createDb, pingDb } from '@lighthouse/db';
import { createQueues, createRedis, pingRedis } from '@lighthouse/queue';
import {
  checkDependencies,
  ConfigError,
  createLogger,
  createSecretBox,
  createShutdown,
  startOpsServer,
} from '@lighthouse/shared';
import { Worker } from 'bullmq';
import { channelContext, closeChannels } from '@lighthouse/channels';
import { loadConfig } from './config';
import { createAlertProcessor } from './jobs/alert';
import { createDeliveryProcessor } from './jobs/deliver';
import { createMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'alerter', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();
  const metrics = createMetrics();

  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DB_POOL_SIZE,
    applicationName: 'lighthouse-alerter',
    onError: (err) => logger.warn('postgres connection error', { err: err.message }),
  });
  shutdown.register('db', () => db.destroy());

  const workerRedis = createRedis({
    url: config.REDIS_URL,
    role: 'worker',
    name: 'lighthouse-alerter',
    onError: (err) => logger.debug('redis connection error', { err: err.message }),
  });
  const producerRedis = createRedis({
    url: config.REDIS_URL,
    role: 'producer',
    name: 'lighthouse-alerter-producer',
  });
  shutdown.register('redis', async () => {
    await Promise.all(
      [workerRedis, producerRedis].map((r) => r.quit().catch(() => r.disconnect())),
    );
  });
  const queues = createQueues({ connection: producerRedis, prefix: config.QUEUE_PREFIX });
  shutdown.register('queues', async () => {
    await Promise.all(Object.values(queues).map((q) => q.close()));
  });
  shutdown.register('channels', () => closeChannels());

  const common = {
    connection: workerRedis,
    prefix: config.QUEUE_PREFIX,
    lockDuration: config.ALERTER_LOCK_MS,
    stalledInterval: config.ALERTER_STALLED_INTERVAL_MS,
    maxStalledCount: 2,
    autorun: false,
  };
  const alertWorker = new Worker(
    'alerts',
    createAlertProcessor({
      db,
      deliveries: queues.deliveries,
      metrics,
      retry: { attempts: config.DELIVERY_ATTEMPTS, backoffMs: config.DELIVERY_BACKOFF_MS },
    }),
    {
      ...common,
      concurrency: 10,
    },
  );
  const deliveryWorker = new Worker(
    'deliveries',
    createDeliveryProcessor({
      db,
      secrets: createSecretBox(config.ENCRYPTION_KEY),
      metrics,
      logger,
      channel: channelContext(config),
    }),
    { ...common, concurrency: config.ALERTER_CONCURRENCY },
  );
  for (const [name, worker] of [
    ['alerts', alertWorker],
    ['deliveries', deliveryWorker],
  ] as const) {
    worker.on('error', (err) => logger.warn('worker error', { queue: name, err: err.message }));
    worker.on('failed', (job, err) => {
      if (name === 'alerts')
        logger.warn('alert job failed', {
          job_id: job?.id,
          attempt: job?.attemptsMade,
          err: err.message,
        });
    });
  }
  shutdown.register('workers', async () => {
    await Promise.all([alertWorker.close(), deliveryWorker.close()]);
  });

  const ops = await startOpsServer({
    port: config.METRICS_PORT,
    registry: metrics.registry,
    health: async () => {
      const health = await checkDependencies({
        database: () => pingDb(db),
        redis: () => pingRedis(workerRedis),
      });
      return { ...health, ok: health.ok && alertWorker.isRunning() && deliveryWorker.isRunning() };
    },
  });
  shutdown.register('ops', () => ops.close());
  void alertWorker.run();
  void deliveryWorker.run();
  logger.info('alerter running', {
    concurrency: config.ALERTER_CONCURRENCY,
    metrics_port: ops.port,
  });
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`alerter: cannot start: ${message}\n`);
  process.exit(1);
});
