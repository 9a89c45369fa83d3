import { runMain, startOps, startRuntime } from '@lighthouse/runtime';
import { createSecretBox } from '@lighthouse/shared';
import { Worker } from 'bullmq';
import { channelContext, closeChannels } from '@lighthouse/channels';
import { loadConfig } from './config';
import { createAlertProcessor } from './jobs/alert';
import { createDeliveryProcessor } from './jobs/deliver';
import { createMetrics } from './metrics';

runMain('alerter', async () => {
  const config = loadConfig();
  const runtime = startRuntime('alerter', config, { worker: true });
  const { logger, shutdown, db, queues, workerRedis } = runtime;
  const metrics = createMetrics();
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

  const metricsPort = await startOps(
    runtime,
    config,
    metrics.registry,
    () => alertWorker.isRunning() && deliveryWorker.isRunning(),
  );
  void alertWorker.run();
  void deliveryWorker.run();
  logger.info('alerter running', {
    concurrency: config.ALERTER_CONCURRENCY,
    metrics_port: metricsPort,
  });
});
