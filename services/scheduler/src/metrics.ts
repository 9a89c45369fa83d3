import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type SchedulerMetrics = ReturnType<typeof createMetrics>;

const JOB_LABELS = ['job_id', 'proc_name', 'hypertable'] as const;

/**
 * TimescaleDB's background jobs (compression and other policies), as the housekeeping round last
 * read them from timescaledb_information.job_stats: one series per job, none on plain PostgreSQL.
 * A job that keeps failing is otherwise invisible: PostgreSQL's log is the only other place.
 */
function timescaleJobGauges(registry: Registry) {
  return {
    jobLastRunStatus: new Gauge({
      name: 'lighthouse_timescaledb_job_last_run_status',
      help: 'TimescaleDB job: 1 for how its last run ended (status success, failed, or none while it never ran)',
      labelNames: [...JOB_LABELS, 'status'],
      registers: [registry],
    }),
    jobConsecutiveFailures: new Gauge({
      name: 'lighthouse_timescaledb_job_consecutive_failures',
      help: 'TimescaleDB job: failed runs since its last success',
      labelNames: JOB_LABELS,
      registers: [registry],
    }),
    jobFailures: new Gauge({
      name: 'lighthouse_timescaledb_job_failures',
      help: 'TimescaleDB job: failed runs since it was created, as TimescaleDB counts them',
      labelNames: JOB_LABELS,
      registers: [registry],
    }),
    jobLastRunStarted: new Gauge({
      name: 'lighthouse_timescaledb_job_last_run_started_timestamp_seconds',
      help: 'TimescaleDB job: when its last run started (absent while it never ran)',
      labelNames: JOB_LABELS,
      registers: [registry],
    }),
    jobNextStart: new Gauge({
      name: 'lighthouse_timescaledb_job_next_start_timestamp_seconds',
      help: 'TimescaleDB job: when it runs next (absent while paused)',
      labelNames: JOB_LABELS,
      registers: [registry],
    }),
  };
}

/** `checks`: the check queues whose depth /metrics shows (each region's, once it has one). */
export function createMetrics(checks: Queue | (() => readonly Queue[])) {
  const checkQueues = typeof checks === 'function' ? checks : () => [checks];
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'scheduler' });
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    enqueued: new Counter({
      name: 'lighthouse_slots_enqueued_total',
      help: 'check slots enqueued',
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'lighthouse_slots_skipped_total',
      help: 'slots skipped because a subscription fell more than one interval behind',
      registers: [registry],
    }),
    tickSeconds: new Histogram({
      name: 'lighthouse_scheduler_batch_seconds',
      help: 'time to claim, enqueue and advance one batch',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    rollupLag: new Gauge({
      name: 'lighthouse_rollup_watermark_lag_seconds',
      help: 'how far the rollups trail the clock after the last round',
      registers: [registry],
    }),
    retained: new Counter({
      name: 'lighthouse_retention_removed_total',
      help: 'what the retention job removed: partitions or chunks, raw rows, rollup rows',
      labelNames: ['what'],
      registers: [registry],
    }),
    published: new Counter({
      name: 'lighthouse_relay_published_total',
      help: 'state events published by the relay',
      registers: [registry],
    }),
    redriven: new Counter({
      name: 'lighthouse_redriven_total',
      help: 'alert and delivery jobs added again after Redis lost them, or retried after BullMQ gave up',
      labelNames: ['queue'],
      registers: [registry],
    }),
    ruleEvents: new Counter({
      name: 'lighthouse_rule_events_total',
      help: 'events raised by the alert rules: reminders, end of flapping, expiry notices',
      labelNames: ['kind'],
      registers: [registry],
    }),
    relayLag: new Histogram({
      name: 'lighthouse_relay_lag_seconds',
      help: 'age of a state event when the relay published it',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    ...timescaleJobGauges(registry),
    queueDepth: new Gauge({
      name: 'lighthouse_queue_jobs',
      help: 'jobs in the checks queue of each region by state',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        for (const queue of checkQueues()) {
          const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
          for (const [state, n] of Object.entries(counts))
            this.set({ queue: queue.name, state }, n);
        }
      },
    }),
    regionLiveCheckers: new Gauge({
      name: 'lighthouse_region_live_checkers',
      help: 'checkers of each region that beat lately',
      labelNames: ['region'],
      registers: [registry],
    }),
    regionDark: new Gauge({
      name: 'lighthouse_region_dark',
      help: '1 while a region has had no live checker for REGION_DARK_AFTER_SECONDS: its slots are missing',
      labelNames: ['region'],
      registers: [registry],
    }),
    anchors: new Counter({
      name: 'lighthouse_anchors_total',
      help: 'hours whose check records were folded into one root (stored), and those published on chain',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    vacuums: new Counter({
      name: 'lighthouse_vacuums_total',
      help: 'tables the scheduler vacuumed itself, because the server runs without autovacuum',
      labelNames: ['table'],
      registers: [registry],
    }),
    settled: new Counter({
      name: 'lighthouse_overdue_slots_settled_total',
      help: 'multi-region subscriptions whose overdue slots were decided without every region',
      registers: [registry],
    }),
  };
}
