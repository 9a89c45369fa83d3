import { sql } from 'kysely';
import type { Executor } from '../connection';

/** How a TimescaleDB background job (a policy) last ran, from timescaledb_information.job_stats. */
export interface TimescaleJob {
  jobId: number;
  /** e.g. policy_compression, policy_retention, policy_telemetry */
  procName: string;
  /** schema.table of the hypertable it works on; null for TimescaleDB's own jobs */
  hypertable: string | null;
  /** null while it has never finished a run */
  lastRunStatus: 'success' | 'failed' | null;
  /** Scheduled, Running or Paused */
  jobStatus: string | null;
  lastRunStartedAt: Date | null;
  lastSuccessfulFinish: Date | null;
  /** null when the job is paused (not scheduled) */
  nextStart: Date | null;
  totalRuns: number;
  totalFailures: number;
  /** failed runs since the last success; null where this TimescaleDB does not say */
  consecutiveFailures: number | null;
}

export interface StorageReport {
  /** how check_history is stored: TimescaleDB, or native partitions on plain PostgreSQL */
  engine: 'timescaledb' | 'postgresql';
  timescaledbVersion: string | null;
  /** TimescaleDB's background jobs, by id; none on plain PostgreSQL */
  jobs: TimescaleJob[];
}

interface JobRow {
  job_id: number;
  proc_name: string;
  hypertable: string | null;
  last_run_status: string | null;
  job_status: string | null;
  // a Date, null, or ±Infinity (pg's reading of ±infinity)
  last_run_started_at: unknown;
  last_successful_finish: unknown;
  next_start: unknown;
  total_runs: string | null;
  total_failures: string | null;
  consecutive_failures: number | null;
}

function statusOf(value: string | null): TimescaleJob['lastRunStatus'] {
  if (value === 'Success') return 'success';
  if (value === 'Failed') return 'failed';
  return null;
}

/** A time, or null: TimescaleDB marks "never" with -infinity, which pg reads as a number. */
function finite(value: unknown): Date | null {
  return value instanceof Date && Number.isFinite(value.getTime()) ? value : null;
}

/**
 * The storage engine and, on TimescaleDB, every background job with how it last ran. Nothing on
 * plain PostgreSQL. consecutive_failures is not in the view: it comes from the catalog table
 * behind it (_timescaledb_internal.bgw_job_stat) where that is there and readable.
 */
export async function storageReport(db: Executor): Promise<StorageReport> {
  const { rows: ext } = await sql<{ version: string | null; stat: boolean }>`
    SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS version,
           coalesce(has_table_privilege(to_regclass('_timescaledb_internal.bgw_job_stat'), 'SELECT'),
                    false) AS stat`.execute(db);
  const version = ext[0]?.version ?? null;
  if (version === null) return { engine: 'postgresql', timescaledbVersion: null, jobs: [] };
  const consecutive = ext[0]?.stat
    ? sql`(SELECT (to_jsonb(st) ->> 'consecutive_failures')::int
             FROM _timescaledb_internal.bgw_job_stat st WHERE st.job_id = s.job_id)`
    : sql`NULL::int`;
  const { rows } = await sql<JobRow>`
    SELECT s.job_id, j.proc_name,
           CASE WHEN s.hypertable_name IS NOT NULL
                THEN format('%I.%I', s.hypertable_schema, s.hypertable_name) END AS hypertable,
           s.last_run_status, s.job_status, s.last_run_started_at, s.last_successful_finish,
           s.next_start, s.total_runs::text AS total_runs, s.total_failures::text AS total_failures,
           ${consecutive} AS consecutive_failures
      FROM timescaledb_information.job_stats s
      JOIN timescaledb_information.jobs j ON j.job_id = s.job_id
     ORDER BY s.job_id`.execute(db);
  return {
    engine: 'timescaledb',
    timescaledbVersion: version,
    jobs: rows.map((r) => ({
      jobId: r.job_id,
      procName: r.proc_name,
      hypertable: r.hypertable,
      lastRunStatus: statusOf(r.last_run_status),
      jobStatus: r.job_status,
      lastRunStartedAt: finite(r.last_run_started_at),
      lastSuccessfulFinish: finite(r.last_successful_finish),
      nextStart: finite(r.next_start),
      totalRuns: Number(r.total_runs ?? 0),
      totalFailures: Number(r.total_failures ?? 0),
      consecutiveFailures: r.consecutive_failures,
    })),
  };
}

/** Jobs whose last run failed: what the scheduler warns about and the console marks. */
export function failingJobs(report: StorageReport): TimescaleJob[] {
  return report.jobs.filter((job) => job.lastRunStatus === 'failed');
}
