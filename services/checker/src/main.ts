import { createDb, recordResults, type CheckRow, type RecordedEvent } from '@lighthouse/db';
import { checksQueueName, createWorker, publishEvents } from '@lighthouse/queue';
import { runMain, startOps, startRuntime } from '@lighthouse/runtime';
import { createSecretBox, targetAccessOf } from '@lighthouse/shared';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createCheckRunners } from './checks';
import { loadConfig } from './config';
import { startHeartbeat } from './heartbeat';
import { createCheckProcessor } from './jobs/check';
import { createLimit } from './jobs/limit';
import { createMetrics } from './metrics';
import { createBatcher } from './results/batcher';
import { sealRows, startSealer } from './results/seal';
import { createHistoryReader } from './subscriptions/history';
import { createTargetLoader } from './subscriptions/loader';

runMain('checker', async () => {
  const config = loadConfig();
  // The worker connection waits for Redis as long as it takes; the producer (alerts)
  // fails fast and leaves what it could not publish to the scheduler's outbox relay.
  const runtime = startRuntime('checker', config, { worker: true });
  const { logger, shutdown, db, queues, workerRedis } = runtime;
  // CHECKER_CONCURRENCY is probes in flight, whatever the jobs that carry them. A job of
  // CHECK_JOB_SLOTS slots lasts as long as its slowest probe (a target that never answers:
  // the whole timeout), so the worker takes as many jobs as it may run probes, and the
  // slots beyond the limit wait their turn here rather than hold jobs back in Redis.
  const limit = createLimit(config.CHECKER_CONCURRENCY);
  const metrics = createMetrics(limit);

  // Verifiable records: this checker's probe key signs every batch it writes, for this instance.
  const sealer = await startSealer({
    db,
    logger,
    privateKey: config.CHECKER_SIGNING_KEY,
    region: config.CHECKER_REGION,
  });

  const writer = createBatcher<CheckRow, RecordedEvent[]>({
    maxSize: config.RESULT_BATCH_SIZE,
    maxWaitMs: config.RESULT_BATCH_WAIT_MS,
    write: async (written) => {
      metrics.batchSize.observe(written.length);
      // synchronous: its wall time is its CPU time
      const started = performance.now();
      const { rows, batch } = sealRows(sealer, written);
      metrics.signingSeconds.inc((performance.now() - started) / 1000);
      const stop = metrics.flushSeconds.startTimer();
      try {
        return await recordResults(db, rows, { graceMs: null, batch });
      } finally {
        stop();
      }
    },
  });
  shutdown.register('writer', () => writer.close());
  const checks = createCheckRunners({ sourceAddress: config.CHECKER_SOURCE_ADDRESS });
  shutdown.register('probes', () => checks.close());

  /** Publishes a batch's state events at once; the relay covers any that fail here. */
  const publish = (events: RecordedEvent[]): void => {
    for (const e of events) metrics.transitions.inc({ to: e.to_state });
    void publishEvents(
      db,
      queues,
      events.map((e) => e.id),
    ).catch((err: unknown) =>
      logger.debug('event publish deferred to the relay', {
        err: err instanceof Error ? err.message : String(err),
      }),
    );
  };

  const abort = new AbortController();
  // what the heartbeat reports: slots done and slots failed (each failed one is retried)
  const counts = { checks: 0, errors: 0 };
  const name = config.CHECKER_NAME ?? `${hostname()}-${process.pid}`;
  const worker = createWorker(
    'checks',
    createCheckProcessor({
      checks,
      history: createHistoryReader(db),
      loader: createTargetLoader({
        db,
        secrets: createSecretBox(config.ENCRYPTION_KEY),
        ttlMs: config.SUBSCRIPTION_CACHE_MS,
      }),
      writer,
      metrics,
      logger,
      targetAccess: targetAccessOf(config),
      region: config.CHECKER_REGION,
      signal: abort.signal,
      onEvents: publish,
      limit,
      tally: (done) => (done ? (counts.checks += 1) : (counts.errors += 1)),
    }),
    {
      connection: workerRedis,
      prefix: config.QUEUE_PREFIX,
      // its region's slots only
      queueName: checksQueueName(config.CHECKER_REGION),
      name,
      concurrency: config.CHECKER_CONCURRENCY,
      lockDuration: config.CHECKER_LOCK_MS,
      stalledInterval: config.CHECKER_STALLED_INTERVAL_MS,
      maxStalledCount: 2,
      autorun: false,
      onError: (err) => logger.warn('worker error', { err: err.message }),
    },
  );
  worker.on('failed', (job, err) => {
    logger.warn('check failed', { job_id: job?.id, attempt: job?.attemptsMade, err: err.message });
  });
  // The heartbeat has a connection of its own: while the writer works off a backlog (after the
  // database was away, say) it holds the pool, and beats waiting behind it could make the
  // scheduler take this region for dark and stop queueing its slots.
  const beatDb = createDb({
    url: config.DATABASE_URL,
    max: 1,
    applicationName: 'lighthouse-checker-heartbeat',
    onError: (err) => logger.warn('postgres connection error', { err: err.message }),
  });
  shutdown.register('heartbeat connection', () => beatDb.destroy());
  const heartbeat = startHeartbeat({
    db: beatDb,
    logger,
    identity: {
      name,
      host: hostname(),
      version: (
        JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version,
      region: config.CHECKER_REGION,
    },
    probe: sealer.address,
    counts: () => counts,
    intervalMs: config.CHECKER_HEARTBEAT_MS,
  });
  shutdown.register('heartbeat', () => heartbeat.stop());
  // Closing waits for the probes in flight and their rows (the writer is still open then).
  // Probes still running late in the shutdown budget are aborted; their jobs fail and
  // another checker retries those slots, rather than this one recording a false "down".
  shutdown.register('worker', async () => {
    const late = setTimeout(() => abort.abort(), Math.floor(config.SHUTDOWN_TIMEOUT_MS * 0.6));
    try {
      await worker.close();
    } finally {
      clearTimeout(late);
    }
  });

  const metricsPort = await startOps(runtime, config, metrics.registry, () => worker.isRunning());
  void worker.run();
  logger.info('checker running', {
    concurrency: config.CHECKER_CONCURRENCY,
    region: config.CHECKER_REGION,
    queue: checksQueueName(config.CHECKER_REGION),
    ...(config.CHECKER_SOURCE_ADDRESS ? { source_address: config.CHECKER_SOURCE_ADDRESS } : {}),
    metrics_port: metricsPort,
    mode: config.LIGHTHOUSE_MODE,
    probe: sealer.address,
    target_access: targetAccessOf(config),
  });
});
