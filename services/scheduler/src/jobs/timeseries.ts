import { records, retention, rollups, schedule, storage, type Db } from '@lighthouse/db';
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

/**
 * Creates partitions ahead and applies retention (raw rows per tier, rollups by age), then
 * reports TimescaleDB's background jobs.
 */
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
  // signed batches go with the last rows they can hold: the longest raw retention, and a day
  const longest = Math.max(...[...deps.tiers.values()].map((t) => t.raw_retention_days));
  const before = new Date(Date.now() - (longest + 1) * 86_400_000);
  let batches = 0;
  for (let round = 0; round < 100; round += 1) {
    const deleted = await records.deleteBatchesBefore(db, before, 10_000);
    batches += deleted;
    if (deleted < 10_000) break;
  }
  if (batches > 0) {
    metrics.retained.inc({ what: 'signed_batches' }, batches);
    logger.info('signed batches past retention deleted', { batches });
  }
  await reportTimescaleJobs({ db, metrics, logger });
}

const seconds = (d: Date | null) => (d === null ? undefined : d.getTime() / 1000);

/**
 * Reads how TimescaleDB's background jobs last ran into the metrics, and warns for each whose
 * last run failed (every round while it stays failed). Nothing on plain PostgreSQL.
 */
export async function reportTimescaleJobs(deps: {
  db: Db;
  metrics: SchedulerMetrics;
  logger: Logger;
}): Promise<storage.StorageReport> {
  const { metrics, logger } = deps;
  const report = await storage.storageReport(deps.db);
  const gauges = [
    metrics.jobLastRunStatus,
    metrics.jobConsecutiveFailures,
    metrics.jobFailures,
    metrics.jobLastRunStarted,
    metrics.jobNextStart,
  ];
  // a job dropped since the last round leaves no series behind
  for (const gauge of gauges) gauge.reset();
  for (const job of report.jobs) {
    const labels = {
      job_id: String(job.jobId),
      proc_name: job.procName,
      hypertable: job.hypertable ?? '',
    };
    metrics.jobLastRunStatus.set({ ...labels, status: job.lastRunStatus ?? 'none' }, 1);
    metrics.jobFailures.set(labels, job.totalFailures);
    if (job.consecutiveFailures !== null) {
      metrics.jobConsecutiveFailures.set(labels, job.consecutiveFailures);
    }
    const started = seconds(job.lastRunStartedAt);
    if (started !== undefined) metrics.jobLastRunStarted.set(labels, started);
    const next = seconds(job.nextStart);
    if (next !== undefined) metrics.jobNextStart.set(labels, next);
  }
  for (const job of storage.failingJobs(report)) {
    logger.warn('TimescaleDB job failed its last run', {
      job_id: job.jobId,
      proc_name: job.procName,
      hypertable: job.hypertable,
      consecutive_failures: job.consecutiveFailures,
      total_failures: job.totalFailures,
      last_run_started_at: job.lastRunStartedAt?.toISOString() ?? null,
      next_start: job.nextStart?.toISOString() ?? null,
      hint: 'its error is in timescaledb_information.job_errors and the PostgreSQL log',
    });
  }
  return report;
}
