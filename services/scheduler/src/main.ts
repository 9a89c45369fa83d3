import { instanceTiers } from '@lighthouse/domain';
import { runMain, startOps, startRuntime } from '@lighthouse/runtime';
import { createRegionQueues } from '@lighthouse/queue';
import { startLoop } from '@lighthouse/shared';
import { loadConfig } from './config';
import { raiseRuleEvents } from './jobs/alert-rules';
import { anchorRound } from './jobs/anchors';
import { enqueueDue } from './jobs/enqueue-due';
import { redrive } from './jobs/redrive';
import { createRegionWatch, settleSlots } from './jobs/regions';
import { relayOutbox } from './jobs/relay';
import { createVacuumRound } from './jobs/vacuum';
import { housekeeping, rollUp } from './jobs/timeseries';
import { createMetrics } from './metrics';

/** how often the regions' checkers are looked at (dark regions) */
const REGION_WATCH_MS = 5_000;
/** how often overdue multi-region slots are decided */
const VERDICT_SWEEP_MS = 2_000;
/**
 * how often the tables' dead rows are looked at, where the server runs without autovacuum:
 * autovacuum's own default round (autovacuum_naptime)
 */
const VACUUM_MS = 60_000;
/** how often the scheduler looks for an hour to anchor (and for anchors to publish) */
const ANCHOR_MS = 60_000;

runMain('scheduler', async () => {
  const config = loadConfig();
  const tiers = instanceTiers(config);
  // A producer only: while Redis is away a batch rolls back and the next tick retries.
  const runtime = startRuntime('scheduler', config);
  const { logger, db, queues } = runtime;
  // each region's check queue; the default region `local` uses the catalog's `checks`
  const regionQueues = createRegionQueues({
    connection: runtime.producerRedis,
    prefix: config.QUEUE_PREFIX,
    checks: queues.checks,
    onError: (_queue, err) => logger.warn('queue error', { err: err.message }),
  });
  const metrics = createMetrics(() => regionQueues.all());
  const regions = createRegionWatch({
    db,
    logger,
    metrics,
    defaultRegion: config.DEFAULT_REGION,
    darkAfterMs: config.REGION_DARK_AFTER_SECONDS * 1000,
  });
  const metricsPort = await startOps(runtime, config, metrics.registry);

  const loops = [
    startLoop({
      name: 'enqueue',
      intervalMs: config.SCHEDULER_TICK_MS,
      logger,
      round: () =>
        enqueueDue({
          db,
          regions: regionQueues,
          defaultRegion: config.DEFAULT_REGION,
          dark: () => regions.dark(),
          metrics,
          batchSize: config.SCHEDULER_BATCH_SIZE,
          slotsPerJob: config.CHECK_JOB_SLOTS,
        }),
    }),
    startLoop({
      name: 'regions',
      intervalMs: REGION_WATCH_MS,
      logger,
      round: () => regions.round(),
    }),
    startLoop({
      name: 'verdicts',
      intervalMs: VERDICT_SWEEP_MS,
      logger,
      round: () =>
        settleSlots({
          db,
          queues,
          metrics,
          graceMs: config.VERDICT_GRACE_SECONDS * 1000,
          batchSize: config.RELAY_BATCH_SIZE,
        }),
    }),
    startLoop({
      name: 'relay',
      intervalMs: config.RELAY_INTERVAL_MS,
      logger,
      round: () => relayOutbox({ db, queues, metrics, batchSize: config.RELAY_BATCH_SIZE }),
    }),
    startLoop({
      name: 'redrive',
      intervalMs: config.REDRIVE_INTERVAL_MS,
      logger,
      round: () =>
        redrive({
          db,
          queues,
          metrics,
          logger,
          afterMs: config.REDRIVE_AFTER_MS,
          batchSize: config.REDRIVE_BATCH_SIZE,
        }),
    }),
    startLoop({
      name: 'alert-rules',
      intervalMs: config.ALERT_RULES_INTERVAL_MS,
      logger,
      round: () => raiseRuleEvents({ db, metrics, batchSize: config.RELAY_BATCH_SIZE }),
    }),
    startLoop({
      name: 'rollups',
      intervalMs: config.ROLLUP_INTERVAL_MS,
      logger,
      round: () => rollUp({ db, metrics }),
    }),
    startLoop({
      name: 'anchors',
      intervalMs: ANCHOR_MS,
      logger,
      round: () =>
        anchorRound({
          db,
          logger,
          metrics,
          graceMs: config.ANCHOR_GRACE_SECONDS * 1000,
          ...(config.ANCHOR_RPC_URL && config.ANCHOR_PRIVATE_KEY && config.ANCHOR_CONTRACT
            ? {
                chain: {
                  rpcUrl: config.ANCHOR_RPC_URL,
                  privateKey: config.ANCHOR_PRIVATE_KEY,
                  contract: config.ANCHOR_CONTRACT,
                },
              }
            : {}),
        }),
    }),
    startLoop({
      name: 'vacuum',
      intervalMs: VACUUM_MS,
      logger,
      round: createVacuumRound({ db, logger, metrics }),
    }),
    startLoop({
      name: 'housekeeping',
      intervalMs: config.HOUSEKEEPING_INTERVAL_MS,
      logger,
      round: () =>
        housekeeping({
          db,
          metrics,
          logger,
          tiers,
          daysAhead: config.PARTITION_DAYS_AHEAD,
          hourlyDays: config.ROLLUP_HOURLY_RETENTION_DAYS,
          dailyDays: config.ROLLUP_DAILY_RETENTION_DAYS,
        }),
    }),
  ];
  runtime.shutdown.register('loops', async () => {
    await Promise.all(loops.map((l) => l.stop()));
    await regionQueues.close();
    const total = async (c: typeof metrics.enqueued) => (await c.get()).values[0]?.value ?? 0;
    logger.info('scheduler stopped', {
      slots_enqueued: await total(metrics.enqueued),
      slots_skipped: await total(metrics.skipped),
      events_published: await total(metrics.published),
    });
  });
  logger.info('scheduler running', {
    tick_ms: config.SCHEDULER_TICK_MS,
    anchors: config.ANCHOR_CONTRACT
      ? `on chain at ${config.ANCHOR_CONTRACT}`
      : 'published at /v1/anchors',
    metrics_port: metricsPort,
  });
});
