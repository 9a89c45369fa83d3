import { randomUUID } from 'node:crypto';
import { histogramOf, percentile } from '@lighthouse/domain';
import { createTestDatabase, prepareCheckHistory, type TestDatabase } from '@lighthouse/testing';
import { sql } from 'kysely';
import { createDb, results, rollups, type CheckRow, type Db } from '../src';

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  await prepareCheckHistory(db, -4, 0);
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

// a seeded generator, so a failure can be replayed
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STATUSES = ['up', 'up', 'up', 'up', 'degraded', 'down'] as const;
/** most rows from one region, some from two others */
const REGIONS = ['local', 'local', 'eu-west', 'us-east'] as const;

function randomRows(
  ids: string[],
  n: number,
  spanMs: number,
  endAgoMs: number,
  seed: number,
  regions: readonly string[] = REGIONS,
) {
  const rand = rng(seed);
  const rows = new Map<string, CheckRow>();
  while (rows.size < n) {
    const id = ids[Math.floor(rand() * ids.length)]!;
    const region = regions[Math.floor(rand() * regions.length)]!;
    // whole seconds, so two rows of one subscription can collide and be skipped
    const t = new Date(Math.floor((Date.now() - endAgoMs - rand() * spanMs) / 1000) * 1000);
    const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
    // heavy-tailed latencies across the linear and the log part of the histogram
    const ms = status === 'down' && rand() < 0.5 ? null : Math.floor(2 + rand() ** 3 * 4_000);
    rows.set(`${id} ${t.getTime()} ${region}`, {
      time: t,
      subscription_id: id,
      status,
      http_status: 200,
      response_time_ms: ms,
      timings: null,
      error_category: null,
      error_message: null,
      body_excerpt: null,
      schedule_lag_ms: null,
      region,
    });
  }
  return [...rows.values()];
}

/** Rounds until the watermark is close to now; `folded` counts the rows of all of them. */
async function roundsUntilCaughtUp(): Promise<rollups.RollupRound> {
  let folded = 0;
  for (let i = 0; i < 200; i++) {
    const round = await rollups.rollUp(db);
    folded += round.folded;
    if (round.watermark.getTime() > Date.now() - (rollups.FOLD_DELAY_SECONDS + 30) * 1000) {
      return { ...round, folded };
    }
  }
  throw new Error('rollups did not catch up in 200 rounds');
}

interface Direct {
  subscription_id: string;
  region: string;
  bucket: Date;
  total: number;
  up: number;
  down: number;
  degraded: number;
  latency_count: number;
  latency_sum: number;
  latency_min: number | null;
  latency_max: number | null;
  histogram: number[];
}

/** The rollups recomputed straight from the raw rows at or before `upTo`, per region. */
async function directAggregation(unit: 'hour' | 'day', upTo: Date): Promise<Map<string, Direct>> {
  const { rows } = await sql<{
    subscription_id: string;
    region: string;
    bucket: Date;
    total: number;
    up: number;
    down: number;
    degraded: number;
    latency_count: number;
    latency_sum: string | null;
    latency_min: number | null;
    latency_max: number | null;
    latencies: (number | null)[];
  }>`
    SELECT subscription_id, region, date_trunc(${sql.lit(unit)}, time, 'UTC') AS bucket,
           count(*)::int AS total,
           (count(*) FILTER (WHERE status = 'up'))::int AS up,
           (count(*) FILTER (WHERE status = 'down'))::int AS down,
           (count(*) FILTER (WHERE status = 'degraded'))::int AS degraded,
           count(response_time_ms)::int AS latency_count, sum(response_time_ms) AS latency_sum,
           min(response_time_ms) AS latency_min, max(response_time_ms) AS latency_max,
           array_agg(response_time_ms) AS latencies
    FROM check_history WHERE time <= ${upTo} GROUP BY 1, 2, 3`.execute(db);
  return new Map(
    rows.map((r) => [
      `${r.subscription_id} ${r.bucket.toISOString()} ${r.region}`,
      {
        subscription_id: r.subscription_id,
        region: r.region,
        bucket: r.bucket,
        total: r.total,
        up: r.up,
        down: r.down,
        degraded: r.degraded,
        latency_count: r.latency_count,
        latency_sum: Number(r.latency_sum ?? 0),
        latency_min: r.latency_min,
        latency_max: r.latency_max,
        histogram: histogramOf(r.latencies.filter((x): x is number => x !== null)),
      },
    ]),
  );
}

async function stored(unit: 'hour' | 'day'): Promise<Map<string, Direct>> {
  const rows = await db
    .selectFrom(unit === 'hour' ? 'check_rollups_hourly' : 'check_rollups_daily')
    .selectAll()
    .execute();
  return new Map(
    rows.map((r) => [
      `${r.subscription_id} ${r.bucket.toISOString()} ${r.region}`,
      {
        subscription_id: r.subscription_id,
        region: r.region,
        bucket: r.bucket,
        total: r.total_count,
        up: r.up_count,
        down: r.down_count,
        degraded: r.degraded_count,
        latency_count: r.latency_count,
        latency_sum: Number(r.latency_sum),
        latency_min: r.latency_min,
        latency_max: r.latency_max,
        histogram: r.latency_histogram,
      },
    ]),
  );
}

/** Direct aggregations of one subscription, regions summed per bucket, oldest first. */
function sumRegions(list: Direct[]): Direct[] {
  const byBucket = new Map<number, Direct>();
  for (const d of list) {
    const sum = byBucket.get(d.bucket.getTime());
    if (!sum) {
      byBucket.set(d.bucket.getTime(), { ...d, region: '*', histogram: [...d.histogram] });
      continue;
    }
    sum.total += d.total;
    sum.up += d.up;
    sum.down += d.down;
    sum.degraded += d.degraded;
    sum.latency_count += d.latency_count;
    sum.latency_sum += d.latency_sum;
    const lesser = (a: number | null, b: number | null) =>
      a === null ? b : b === null ? a : Math.min(a, b);
    const greater = (a: number | null, b: number | null) =>
      a === null ? b : b === null ? a : Math.max(a, b);
    sum.latency_min = lesser(sum.latency_min, d.latency_min);
    sum.latency_max = greater(sum.latency_max, d.latency_max);
    sum.histogram = sum.histogram.map((n, i) => n + (d.histogram[i] ?? 0));
  }
  return [...byBucket.values()].sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
}

/** The buckets read are exactly the direct aggregation's, bucket by bucket. */
function expectBuckets(buckets: rollups.Bucket[], want: Direct[]) {
  expect(buckets.map((b) => b.time)).toEqual(want.map((w) => w.bucket));
  buckets.forEach((b, i) => {
    const w = want[i]!;
    expect({ ...b, time: undefined }).toEqual({
      time: undefined,
      total: w.total,
      up: w.up,
      down: w.down,
      degraded: w.degraded,
      latency_count: w.latency_count,
      latency_sum: w.latency_sum,
      latency_min: w.latency_min,
      latency_max: w.latency_max,
      histogram: w.histogram,
    });
  });
}

async function expectRollupsMatchRaw(upTo: Date) {
  for (const unit of ['hour', 'day'] as const) {
    const expected = await directAggregation(unit, upTo);
    const actual = await stored(unit);
    expect(expected.size).toBeGreaterThan(0);
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, want] of expected) expect(actual.get(key)).toEqual(want);
  }
}

describe('rollups', () => {
  const ids = [randomUUID(), randomUUID(), randomUUID()];

  afterAll(async () => {
    await sql`TRUNCATE check_history, check_rollups_hourly, check_rollups_daily,
      rollup_watermarks, rollup_dirty_hours`.execute(db);
  });

  it('equal a direct aggregation of the raw rows, late rows included', async () => {
    // 40 hours of history, so rounds cross hour and day boundaries
    await results.insertCheckRows(db, randomRows(ids, 3_000, 40 * 3_600_000, 10 * 60_000, 1));
    const first = await roundsUntilCaughtUp();
    expect(first.folded).toBeGreaterThan(0);
    await expectRollupsMatchRaw(first.watermark);

    // rows for slots the rollups already cover, as a checker retrying old slots would write
    const late = randomRows(ids, 400, 30 * 3_600_000, 20 * 60_000, 2);
    const inserted = await results.insertCheckRows(db, late);
    expect(inserted.length).toBeGreaterThan(0);
    const dirty = await db.selectFrom('rollup_dirty_hours').selectAll().execute();
    expect(dirty.length).toBeGreaterThan(0);
    // not yet folded: the rollups no longer match
    const before = await directAggregation('hour', first.watermark);
    expect(await stored('hour')).not.toEqual(before);

    const second = await rollups.rollUp(db);
    expect(second.recomputed).toBe(dirty.length);
    await expectRollupsMatchRaw(second.watermark);
    expect(await db.selectFrom('rollup_dirty_hours').selectAll().execute()).toEqual([]);
  });

  it('fold each row once when rounds run concurrently', async () => {
    await results.insertCheckRows(db, randomRows(ids, 300, 20 * 60_000, 4 * 60_000, 3));
    const rounds = await Promise.all([rollups.rollUp(db), rollups.rollUp(db), rollups.rollUp(db)]);
    const upTo = new Date(Math.max(...rounds.map((r) => r.watermark.getTime())));
    await expectRollupsMatchRaw(upTo);
  });

  it('give percentiles within 5% of percentile_cont over the raw rows', async () => {
    for (const id of ids) {
      const { rows } = await sql<{ p50: number; p95: number; p99: number }>`
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
               percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) AS p99
        FROM check_history WHERE subscription_id = ${id}`.execute(db);
      const now = new Date();
      const days = await rollups.bucketStats(
        db,
        id,
        new Date(now.getTime() - 5 * 86_400_000),
        new Date(Math.ceil(now.getTime() / 86_400_000) * 86_400_000),
        'day',
      );
      const merged = histogramOf([]);
      for (const d of days) for (let i = 0; i < merged.length; i++) merged[i]! += d.histogram[i]!;
      for (const [q, exact] of [
        [0.5, rows[0]!.p50],
        [0.95, rows[0]!.p95],
        [0.99, rows[0]!.p99],
      ] as const) {
        const estimate = percentile(merged, q)!;
        expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(Math.max(exact * 0.05, 1));
      }
    }
  });

  it('read rollups up to the watermark and raw rows after it, in buckets', async () => {
    const id = ids[0]!;
    // rows newer than any watermark can be
    const recent = randomRows([id], 20, 60_000, 0, 4);
    await results.insertCheckRows(db, recent);
    const now = Date.now();
    const from = new Date(Math.floor((now - 48 * 3_600_000) / 3_600_000) * 3_600_000);
    const to = new Date(Math.ceil(now / 3_600_000) * 3_600_000 + 3_600_000);
    const buckets = await rollups.bucketStats(db, id, from, to, 'hour');
    const direct = await directAggregation('hour', new Date(now + 3_600_000));
    // all regions together: the regions' rows summed
    const want = sumRegions(
      [...direct.values()].filter((d) => d.subscription_id === id && d.bucket >= from),
    );
    expectBuckets(buckets, want);
    // several subscriptions in one read: each gets exactly its own buckets
    const many = await rollups.bucketStatsOf(db, ids, from, to, 'hour');
    expect([...many.keys()]).toEqual(ids);
    for (const other of ids) {
      expect(many.get(other)).toEqual(await rollups.bucketStats(db, other, from, to, 'hour'));
      expect(many.get(other)!.length).toBeGreaterThan(0);
    }
    // the recent rows are past the watermark: they came from the raw table
    const mark = await rollups.watermark(db);
    expect(recent.every((r) => r.time > mark!)).toBe(true);
  });

  it('read each region alone, and all regions as the sum of theirs', async () => {
    const id = ids[1]!;
    // rows of every region newer than any watermark, beside the folded ones
    await results.insertCheckRows(db, randomRows([id], 30, 60_000, 0, 5));
    const now = Date.now();
    const from = new Date(Math.floor((now - 48 * 3_600_000) / 3_600_000) * 3_600_000);
    const to = new Date(Math.ceil(now / 3_600_000) * 3_600_000 + 3_600_000);
    const direct = [...(await directAggregation('hour', new Date(now + 3_600_000))).values()]
      .filter((d) => d.subscription_id === id && d.bucket >= from)
      .sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
    const regions = [...new Set(direct.map((d) => d.region))].sort();
    expect(regions).toEqual(['eu-west', 'local', 'us-east']);

    // by region, regions by name: each exactly its own rows (rollups and the raw tail)
    const byRegion = await rollups.regionBucketStats(db, id, from, to, 'hour');
    expect([...byRegion.keys()]).toEqual(regions);
    for (const region of regions) {
      const want = direct.filter((d) => d.region === region);
      expectBuckets(byRegion.get(region)!, want);
      // asked for one region: the same, from a query that reads that region alone
      expectBuckets(await rollups.bucketStats(db, id, from, to, 'hour', { region }), want);
    }
    // all regions: the merge of theirs, which is the sum of their raw rows
    const all = await rollups.bucketStats(db, id, from, to, 'hour');
    expect(rollups.mergeRegions(byRegion)).toEqual(all);
    expectBuckets(all, sumRegions(direct));
    // a region without rows has no buckets
    expect(await rollups.bucketStats(db, id, from, to, 'hour', { region: 'ap-south' })).toEqual([]);

    // daily rollups hold each region's rows too
    const dayFrom = new Date(Math.floor(from.getTime() / 86_400_000) * 86_400_000);
    const days = await rollups.regionBucketStats(
      db,
      id,
      dayFrom,
      new Date(Math.ceil(to.getTime() / 86_400_000) * 86_400_000),
      'day',
    );
    const directDays = [...(await directAggregation('day', new Date(now + 3_600_000))).values()]
      .filter((d) => d.subscription_id === id && d.bucket >= dayFrom)
      .sort((a, b) => a.bucket.getTime() - b.bucket.getTime());
    expect([...days.keys()]).toEqual(regions);
    for (const region of regions) {
      expectBuckets(
        days.get(region)!,
        directDays.filter((d) => d.region === region),
      );
    }
  });

  it('recompute late rows of one region without touching the others', async () => {
    const id = ids[2]!;
    const { watermark } = await roundsUntilCaughtUp();
    const before = await stored('hour');
    // a late row of a new region, in an hour the rollups already cover
    const hour = new Date(
      Math.floor((watermark.getTime() - 3 * 3_600_000) / 3_600_000) * 3_600_000,
    );
    await results.insertCheckRows(db, [
      {
        ...randomRows([id], 1, 1, 0, 6, ['sa-east'])[0]!,
        time: new Date(hour.getTime() + 17_000),
        status: 'down',
        response_time_ms: 1_234,
      },
    ]);
    const round = await rollups.rollUp(db);
    expect(round.recomputed).toBe(1);
    await expectRollupsMatchRaw(round.watermark);
    const after = await stored('hour');
    const key = `${id} ${hour.toISOString()} sa-east`;
    expect(before.has(key)).toBe(false);
    expect(after.get(key)).toMatchObject({ total: 1, down: 1, latency_max: 1_234 });
    // the hour's other regions were recomputed to what they were
    for (const [k, v] of before) {
      if (k.startsWith(`${id} ${hour.toISOString()} `)) expect(after.get(k)).toEqual(v);
    }
  });
});
