import { createDb, type Db } from '@lighthouse/db';
import { createLogger } from '@lighthouse/shared';
import {
  createTestDatabase,
  historyEngine,
  recordFailedJobRun,
  startMigratedTimescale,
  type TestDatabase,
  type TimescaleServer,
} from '@lighthouse/testing';
import type { Queue } from 'bullmq';
import { Writable } from 'node:stream';
import { reportTimescaleJobs } from '../src/jobs/timeseries';
import { createMetrics } from '../src/metrics';

// The housekeeping round reports TimescaleDB's background jobs in /metrics and warns in the log
// when one's last run failed: a compression policy failing every run is otherwise noticed by
// nobody. On plain PostgreSQL there is nothing to report. The PGlite build never runs its jobs
// (no background workers), so a failed run is written into the job statistics by hand.

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({
    service: 'scheduler-test',
    level: 'info',
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  });
  return { logger, lines };
}

/** Metrics whose queue gauge reads an empty queue: only the job series matter here. */
const newMetrics = () =>
  createMetrics({ getJobCounts: () => Promise.resolve({}) } as unknown as Queue);

/** The registry's lines for TimescaleDB jobs, without HELP and TYPE. */
async function jobSeries(metrics: ReturnType<typeof createMetrics>): Promise<string[]> {
  return (await metrics.registry.metrics())
    .split('\n')
    .filter((line) => line.startsWith('lighthouse_timescaledb_job_'));
}

describe('on the database at DATABASE_URL', () => {
  let database: TestDatabase;
  let db: Db;

  beforeAll(async () => {
    database = await createTestDatabase();
    db = createDb({ url: database.url, max: 2 });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('reports nothing and warns of nothing on plain PostgreSQL (no background jobs)', async () => {
    const metrics = newMetrics();
    const { logger, lines } = capture();
    const report = await reportTimescaleJobs({ db, metrics, logger });
    if ((await historyEngine(db)) === 'timescaledb') {
      // a real TimescaleDB: its compression policy is reported, and none has failed in a new database
      expect(report.jobs.length).toBeGreaterThan(0);
      expect(await jobSeries(metrics)).toEqual(
        expect.arrayContaining([expect.stringContaining('proc_name="policy_compression"')]),
      );
    } else {
      expect(report).toEqual({ engine: 'postgresql', timescaledbVersion: null, jobs: [] });
      expect(await jobSeries(metrics)).toEqual([]);
    }
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });
});

describe('on TimescaleDB (PGlite with timescaledb over a socket)', () => {
  let server: TimescaleServer | undefined;
  let db: Db;

  beforeAll(async () => {
    try {
      server = await startMigratedTimescale();
    } catch (err) {
      // eslint-disable-next-line no-console
      console.warn(
        `TimescaleDB job report NOT tested: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    db = createDb({ url: server.url, max: 1 });
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('puts each job in /metrics, and warns while its last run failed', async () => {
    if (!server) return;
    const metrics = newMetrics();
    const quiet = capture();
    const fresh = await reportTimescaleJobs({ db, metrics, logger: quiet.logger });
    const compression = fresh.jobs.find((j) => j.procName === 'policy_compression')!;
    const id = `job_id="${compression.jobId}",proc_name="policy_compression",hypertable="public.check_history"`;
    // never run: a status of none, no failures, no times
    expect((await jobSeries(metrics)).filter((l) => l.includes(id))).toEqual([
      `lighthouse_timescaledb_job_last_run_status{${id},status="none",service="scheduler"} 1`,
      `lighthouse_timescaledb_job_failures{${id},service="scheduler"} 0`,
    ]);
    expect(quiet.lines.filter((l) => l.level === 'warn')).toEqual([]);

    await recordFailedJobRun(db, compression.jobId, {
      total: 5,
      successes: 2,
      consecutiveFailures: 2,
      lastSuccess: '2026-11-20T10:00:01Z',
    });
    const loud = capture();
    await reportTimescaleJobs({ db, metrics, logger: loud.logger });
    expect((await jobSeries(metrics)).filter((l) => l.includes(id))).toEqual([
      // the status of the last round only: "none" is gone
      `lighthouse_timescaledb_job_last_run_status{${id},status="failed",service="scheduler"} 1`,
      `lighthouse_timescaledb_job_consecutive_failures{${id},service="scheduler"} 2`,
      `lighthouse_timescaledb_job_failures{${id},service="scheduler"} 3`,
      `lighthouse_timescaledb_job_last_run_started_timestamp_seconds{${id},service="scheduler"} ${Date.parse('2026-11-22T10:00:00Z') / 1000}`,
      `lighthouse_timescaledb_job_next_start_timestamp_seconds{${id},service="scheduler"} ${Date.parse('2026-11-22T22:00:00Z') / 1000}`,
    ]);
    expect(loud.lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'TimescaleDB job failed its last run',
        job_id: compression.jobId,
        proc_name: 'policy_compression',
        hypertable: 'public.check_history',
        consecutive_failures: 2,
        total_failures: 3,
        last_run_started_at: '2026-11-22T10:00:00.000Z',
        next_start: '2026-11-22T22:00:00.000Z',
      }),
    ]);
  });
});
