import { runMain, startOps, startRuntime } from '@lighthouse/runtime';
import { createSecretBox } from '@lighthouse/shared';
import { createWorkers } from '@lighthouse/queue';
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
  const channel = channelContext(config);
  shutdown.register('channels', () => closeChannels(channel));

  // the queues this service consumes, one handler each
  const workers = createWorkers(
    {
      alerts: createAlertProcessor({
        db,
        queues,
        metrics,
        retry: { attempts: config.DELIVERY_ATTEMPTS, backoffMs: config.DELIVERY_BACKOFF_MS },
      }),
      deliveries: createDeliveryProcessor({
        db,
        secrets: createSecretBox(config.ENCRYPTION_KEY),
        metrics,
        logger,
        channel,
      }),
    },
    {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      concurrency: { alerts: 10, deliveries: config.ALERTER_CONCURRENCY },
      lockDuration: config.ALERTER_LOCK_MS,
      stalledInterval: config.ALERTER_STALLED_INTERVAL_MS,
      maxStalledCount: 2,
      autorun: false,
      onError: (queue, err) => logger.warn('worker error', { queue, err: err.message }),
    },
  );
  // a delivery logs its own failures (deliver.ts)
  workers.alerts.on('failed', (job, err) => {
    logger.warn('alert job failed', {
      job_id: job?.id,
      attempt: job?.attemptsMade,
      err: err.message,
    });
  });
  const all = Object.values(workers);
  shutdown.register('workers', async () => {
    await Promise.all(all.map((w) => w.close()));
  });

  const metricsPort = await startOps(runtime, config, metrics.registry, () =>
    all.every((w) => w.isRunning()),
  );
  for (const worker of all) void worker.run();
  logger.info('alerter running', {
    concurrency: config.ALERTER_CONCURRENCY,
    metrics_port: metricsPort,
  });
});
