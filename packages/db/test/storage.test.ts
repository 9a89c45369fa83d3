import {
  createTestDatabase,
  historyEngine,
  recordFailedJobRun,
  startMigratedTimescale,
  type TestDatabase,
  type TimescaleServer,
} from '@lighthouse/testing';
import { sql } from 'kysely';
import { createDb, storage, type Db } from '../src';

// The storage report: the engine and TimescaleDB's background jobs, with how each last ran
// (timescaledb_information.job_stats). Plain PostgreSQL has no jobs; on the PGlite build the
// policies' jobs are listed but never run (no background workers there), so a failed run is
// written into TimescaleDB's job statistics the way its scheduler records one.

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

  it('reports plain PostgreSQL with no jobs, or TimescaleDB with its compression policy', async () => {
    const report = await storage.storageReport(db);
    if ((await historyEngine(db)) === 'partitions') {
      expect(report).toEqual({ engine: 'postgresql', timescaledbVersion: null, jobs: [] });
    } else {
      expect(report.engine).toBe('timescaledb');
      expect(report.jobs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            procName: 'policy_compression',
            hypertable: 'public.check_history',
          }),
        ]),
      );
    }
    expect(storage.failingJobs(report)).toEqual([]);
  });
});

describe('on TimescaleDB (PGlite with timescaledb over a socket)', () => {
  let server: TimescaleServer | undefined;
  let unavailable = '';
  let db: Db;

  beforeAll(async () => {
    try {
      server = await startMigratedTimescale();
    } catch (err) {
      unavailable = err instanceof Error ? err.message : String(err);
      // eslint-disable-next-line no-console
      console.warn(`TimescaleDB job report NOT tested: ${unavailable}`);
      return;
    }
    db = createDb({ url: server.url, max: 1 });
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('lists every job, none run yet, then one whose last run failed', async () => {
    if (!server) return;
    const { rows } = await sql<{ v: string }>`
      SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
    const fresh = await storage.storageReport(db);
    expect(fresh.engine).toBe('timescaledb');
    expect(fresh.timescaledbVersion).toBe(rows[0]!.v);
    const compression = fresh.jobs.find((j) => j.procName === 'policy_compression');
    expect(typeof compression?.jobId).toBe('number');
    expect(compression).toEqual({
      jobId: compression?.jobId,
      procName: 'policy_compression',
      hypertable: 'public.check_history',
      lastRunStatus: null,
      jobStatus: 'Scheduled',
      lastRunStartedAt: null,
      lastSuccessfulFinish: null,
      nextStart: null,
      totalRuns: 0,
      totalFailures: 0,
      consecutiveFailures: null,
    });
    // TimescaleDB's own jobs are listed too, without a hypertable
    expect(fresh.jobs.some((j) => j.hypertable === null)).toBe(true);
    expect(storage.failingJobs(fresh)).toEqual([]);

    // what TimescaleDB's scheduler records after three failed runs in a row
    await recordFailedJobRun(db, compression!.jobId, {
      total: 4,
      successes: 1,
      consecutiveFailures: 3,
      lastSuccess: '-infinity',
    });
    const failed = await storage.storageReport(db);
    const job = failed.jobs.find((j) => j.jobId === compression!.jobId);
    expect(job).toEqual({
      ...compression,
      lastRunStatus: 'failed',
      lastRunStartedAt: new Date('2026-11-22T10:00:00Z'),
      nextStart: new Date('2026-11-22T22:00:00Z'),
      totalRuns: 4,
      totalFailures: 3,
      consecutiveFailures: 3,
    });
    expect(storage.failingJobs(failed)).toEqual([job]);
  });
});
