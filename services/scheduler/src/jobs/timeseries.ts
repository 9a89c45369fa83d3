import { retention, rollups, schedule, type Db } from '@lighthouse/db';
import type { Tiers } from '@lighthouse/domain';
import type { Logger } from '@lighthouse/shared';
import type { SchedulerMetrics } from '../metrics';

/**
 * Folds new raw rows into the rollups and repairs hours that received late rows.
 * Returns true while catching up, so the loop runs again at once.
 */
export async function rollUp(deps: { db: Db; metrics: SchedulerMetrics }): Promise<boolean> {
  const round = await rollups.rollUp(deps.db);
  const lagSeconds = (Date.now() - round.watermark.getTime()) / 1000;
  deps.metrics.rollupLag.set(lagSeconds);
  return lagSeconds > rollups.FOLD_DELAY_SECONDS + rollups.MAX_FOLD_SECONDS / 2;
}

/** Creates partitions ahead and applies retention: raw rows per tier, rollups by age. */
export async function housekeeping(deps: {
  db: Db;
  metrics: SchedulerMetrics;
  logger: Logger;
  tiers: Tiers;
  daysAhead: number;
  hourlyDays: number;
  dailyDays: number;
}): Promise<void> {
  const { db, metrics, logger } = deps;
  const created = await schedule.ensurePartitions(db, deps.daysAhead);
  if (created > 0) logger.info('check_history partitions created', { created });
  const outcome = await retention.applyRetention(db, {
    rawDays: new Map([...deps.tiers.values()].map((t) => [t.name, t.raw_retention_days])),
    hourlyDays: deps.hourlyDays,
    dailyDays: deps.dailyDays,
  });
  metrics.retained.inc({ what: 'raw_days' }, outcome.dropped);
  metrics.retained.inc({ what: 'raw_rows' }, outcome.deleted);
  metrics.retained.inc({ what: 'rollup_rows' }, outcome.hourlyDeleted + outcome.dailyDeleted);
  if (outcome.dropped + outcome.deleted + outcome.hourlyDeleted + outcome.dailyDeleted > 0) {
    logger.info('retention applied', { ...outcome });
  }
}
