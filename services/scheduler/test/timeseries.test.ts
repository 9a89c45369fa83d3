import { createDb, rollups, type Db } from '@lighthouse/db';
import { parseTiers } from '@lighthouse/domain';
import { createLogger } from '@lighthouse/shared';
import {
  checkHistoryPieces,
  createTestDatabase,
  historyEngine,
  prepareCheckHistory,
  type HistoryEngine,
  type TestDatabase,
} from '@lighthouse/testing';
import type { Queue } from 'bullmq';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { housekeeping, rollUp } from '../src/jobs/timeseries';
import { createMetrics } from '../src/metrics';

let database: TestDatabase;
let db: Db;
let engine: HistoryEngine;
const owner = `0x${'d'.repeat(40)}`;
// the metrics only read the queue when scraped; the gauges and counters are read directly
const metrics = createMetrics({} as Queue);
const logger = createLogger({
  service: 'scheduler-test',
  level: 'error',
  stream: new Writable({ write: (_c, _e, done) => done() }),
});
const tier = (days: number) => ({
  label: 'x',
  min_interval_seconds: 1,
  max_subscriptions: 10,
  raw_retention_days: days,
  allowed_target_types: ['http'],
  max_channels: 1,
  price_usdc_per_30_days: '0',
});
const tiers = parseTiers({ tiers: { short: tier(7), medium: tier(30), long: tier(90) } });

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  engine = await historyEngine(db);
  await prepareCheckHistory(db, -100, 0);
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function subscription(tierName: string): Promise<string> {
  const row = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: tierName,
      target_type: 'http',
      target_config: '{}',
      target_secret: 'v1:x',
      tier: tierName,
      check_frequency_seconds: 60,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** One row per age in days (plus an hour, so no row sits on a cut-off). */
async function rowsAged(id: string, days: number[]): Promise<void> {
  await sql`
    INSERT INTO check_history (time, subscription_id, status, response_time_ms)
    SELECT now() - make_interval(days => d, hours => 1), ${id}, 'up', 10
    FROM unnest(${days}::int[]) AS d`.execute(db);
}

async function agesOf(id: string): Promise<number[]> {
  const { rows } = await sql<{ d: number }>`
    SELECT floor(extract(epoch FROM now() - time) / 86400)::int AS d
    FROM check_history WHERE subscription_id = ${id} ORDER BY time DESC`.execute(db);
  return rows.map((r) => r.d);
}

/** one housekeeping round with the defaults */
const houseKeep = () =>
  housekeeping({ db, metrics, logger, tiers, daysAhead: 7, hourlyDays: 90, dailyDays: 730 });

/** daily partitions, or TimescaleDB chunks */
const partitionCount = async () => (await checkHistoryPieces(db)).length;

const counter = async (what: string) =>
  (await metrics.retained.get()).values.find((v) => v.labels.what === what)?.value ?? 0;

describe('retention', () => {
  it('keeps raw rows per tier, drops whole days past the longest, trims rollups by age', async () => {
    const short = await subscription('short');
    const medium = await subscription('medium');
    const long = await subscription('long');
    // a tier no longer in the tiers file keeps the longest retention
    const retired = await subscription('retired');
    const ages = [0, 3, 8, 29, 31, 60, 89, 95];
    for (const id of [short, medium, long, retired]) await rowsAged(id, ages);
    await sql`
      INSERT INTO check_rollups_hourly (subscription_id, bucket, latency_histogram)
      SELECT ${short}, date_trunc('hour', now()) - make_interval(days => d), '{}'
      FROM unnest(ARRAY[1, 89, 91, 200]) AS d`.execute(db);
    await sql`
      INSERT INTO check_rollups_daily (subscription_id, bucket, latency_histogram)
      SELECT ${short}, date_trunc('day', now()) - make_interval(days => d), '{}'
      FROM unnest(ARRAY[1, 91, 729, 731]) AS d`.execute(db);
    // signed batches aged 1, 90 and 92 days: those past the longest retention and a day go
    for (const d of [1, 90, 92]) {
      await sql`
        INSERT INTO check_batches (probe, region, root, signature, digest, leaves, sealed_at, created_at)
        VALUES ('0x', 'local', '\\x00', '\\x00', '\\x00', '\\x00',
                now() - make_interval(days => ${d}), now() - make_interval(days => ${d}))`.execute(
        db,
      );
    }
    const partitionsBefore = await partitionCount();
    // whole days past the longest tier (90): the partitions of days 91..100, or the one chunk
    // TimescaleDB made for the rows of day 95 (chunks exist only where rows arrived)
    const droppedDays = engine === 'partitions' ? 10 : 1;

    await houseKeep();

    expect(await agesOf(short)).toEqual([0, 3]);
    expect(await agesOf(medium)).toEqual([0, 3, 8, 29]);
    expect(await agesOf(long)).toEqual([0, 3, 8, 29, 31, 60, 89]);
    expect(await agesOf(retired)).toEqual([0, 3, 8, 29, 31, 60, 89]);
    // the partitions of days 91..100 are gone
    expect(await partitionCount()).toBe(partitionsBefore - droppedDays);
    const hourly = await sql<{ d: number }>`
      SELECT (extract(epoch FROM date_trunc('hour', now()) - bucket) / 86400)::int AS d
      FROM check_rollups_hourly ORDER BY 1`.execute(db);
    expect(hourly.rows.map((r) => r.d)).toEqual([1, 89]);
    const daily = await sql<{ d: number }>`
      SELECT (extract(epoch FROM date_trunc('day', now()) - bucket) / 86400)::int AS d
      FROM check_rollups_daily ORDER BY 1`.execute(db);
    expect(daily.rows.map((r) => r.d)).toEqual([1, 91, 729]);
    expect(await counter('raw_days')).toBe(droppedDays);
    expect(await counter('raw_rows')).toBe(5 + 3);
    expect(await counter('rollup_rows')).toBe(3);
    const batches = await sql<{ d: number }>`
      SELECT floor(extract(epoch FROM now() - created_at) / 86400)::int AS d
        FROM check_batches ORDER BY 1`.execute(db);
    expect(batches.rows.map((r) => r.d)).toEqual([1, 90]);
    expect(await counter('signed_batches')).toBe(1);

    // a second run finds nothing more to remove
    await houseKeep();
    expect(await counter('raw_rows')).toBe(8);
    expect(await agesOf(long)).toEqual([0, 3, 8, 29, 31, 60, 89]);
  });
});

describe('partition upkeep behind a long reader', () => {
  it('gives up after its lock timeout instead of queueing inserts behind it, and succeeds later', async () => {
    if (engine !== 'partitions') {
      // eslint-disable-next-line no-console
      console.warn('skipped on TimescaleDB: chunks are created by inserts, not ahead by upkeep');
      return;
    }
    const last = await sql<{ name: string }>`
      SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'check_history'::regclass ORDER BY c.relname DESC LIMIT 1`.execute(db);
    await sql`DROP TABLE ${sql.table(last.rows[0]!.name)}`.execute(db);
    // a pg_dump holds ACCESS SHARE on the parent for its whole run
    const reader = createDb({ url: database.url, max: 1 });
    let release: () => void = () => {};
    const held = reader.transaction().execute(async (tx) => {
      await sql`SELECT count(*) FROM check_history`.execute(tx);
      await new Promise<void>((r) => (release = r));
    });
    await new Promise((r) => setTimeout(r, 200));
    try {
      const round = houseKeep();
      await expect(round).rejects.toThrow(/lock timeout/);
    } finally {
      release();
      await held;
      await reader.destroy();
    }
    const before = await partitionCount();
    await houseKeep();
    expect(await partitionCount()).toBe(before + 1);
  }, 20_000);
});

describe('rollup loop round', () => {
  it('catches up in repeated rounds and reports the lag', async () => {
    await sql`TRUNCATE check_history, rollup_watermarks, check_rollups_hourly, check_rollups_daily`.execute(
      db,
    );
    const id = await subscription('long');
    await sql`
      INSERT INTO check_history (time, subscription_id, status, response_time_ms)
      SELECT now() - make_interval(mins => m), ${id}, 'up', 10
      FROM generate_series(5, 6 * 60, 5) AS m`.execute(db);
    // six hours behind: each round folds at most MAX_FOLD_SECONDS, and asks to run again
    let rounds = 1;
    while (await rollUp({ db, metrics })) rounds++;
    expect(rounds).toBeGreaterThanOrEqual(4);
    const lag = (await metrics.rollupLag.get()).values[0]!.value;
    expect(lag).toBeLessThan(rollups.FOLD_DELAY_SECONDS + rollups.MAX_FOLD_SECONDS);
    const { rows } = await sql<{ folded: number; raw: number }>`
      SELECT (SELECT sum(total_count) FROM check_rollups_hourly)::int AS folded,
             (SELECT count(*) FROM check_history
               WHERE time <= (SELECT watermark FROM rollup_watermarks))::int AS raw`.execute(db);
    expect(rows[0]!.folded).toBe(rows[0]!.raw);
    expect(rows[0]!.raw).toBeGreaterThan(60);
  });
});
