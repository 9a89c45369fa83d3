import {
  HISTOGRAM_BUCKETS,
  THRESHOLDS,
  addCounts,
  bucketOf,
  bucketStart,
  emptyCounts,
  type BucketCounts,
  type BucketUnit,
  type ScheduleChange,
} from '@lighthouse/domain';
import { sql, type RawBuilder } from 'kysely';
import type { Db, Executor } from '../connection';

/**
 * Rollups (ADR 5). `check_rollups_hourly` and `check_rollups_daily` hold exactly the raw
 * rows with slot time at or before the watermark. A round adds the rows in
 * (watermark, now() − FOLD_DELAY] and moves the watermark. A row committed later than
 * that, with a slot time already behind the database clock by LATE_AFTER, marks its hour
 * dirty in the same transaction (see `insertCheckRows`); the next round recomputes
 * dirty hours from raw rows. The gap between the two delays bounds how long a checker's
 * result transaction may take.
 *
 * Rollup rows are per region (a slot has one raw row per region it was checked from); the
 * figures of all regions are the sums of theirs, histograms included, which merge exactly.
 * A dirty hour is recomputed for every region of its subscription.
 */
export const LATE_AFTER_SECONDS = 120;
export const FOLD_DELAY_SECONDS = 180;
/** One round folds at most this much raw time, so catching up after downtime stays in small transactions. */
export const MAX_FOLD_SECONDS = 3_600;
/** Dirty hours older than this are dropped unrepaired: hourly rollups may be gone by then. */
const DIRTY_HORIZON = sql`interval '30 days'`;
const WATERMARK = 'check_history';

const thresholds = () => sql`${[...THRESHOLDS]}::integer[]`;

/**
 * Counts, latency figures and a dense histogram per (subscription, bucket, region) of the raw
 * rows `source` selects (columns subscription_id, bucket, region, status, ms).
 */
function aggregate(source: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    raw AS MATERIALIZED (${source}),
    bins AS (
      SELECT subscription_id, bucket, region,
             greatest(width_bucket(ms, ${thresholds()}), 1) AS bin, count(*) AS n
      FROM raw WHERE ms IS NOT NULL GROUP BY 1, 2, 3, 4
    ),
    hist AS (
      SELECT subscription_id, bucket, region,
             lighthouse_hist_from(array_agg(bin), array_agg(n), ${HISTOGRAM_BUCKETS}::int) AS h
      FROM bins GROUP BY 1, 2, 3
    ),
    agg AS (
      SELECT r.subscription_id, r.bucket, r.region,
             count(*)::int AS total_count,
             (count(*) FILTER (WHERE status = 'up'))::int AS up_count,
             (count(*) FILTER (WHERE status = 'down'))::int AS down_count,
             (count(*) FILTER (WHERE status = 'degraded'))::int AS degraded_count,
             count(ms)::int AS latency_count,
             coalesce(sum(ms), 0)::bigint AS latency_sum,
             min(ms) AS latency_min,
             max(ms) AS latency_max
      FROM raw r GROUP BY 1, 2, 3
    ),
    rows AS (
      SELECT a.*, coalesce(h.h, array_fill(0, ARRAY[${HISTOGRAM_BUCKETS}::int])) AS latency_histogram
      FROM agg a LEFT JOIN hist h USING (subscription_id, bucket, region)
    )`;
}

const COLUMNS = sql`(subscription_id, bucket, region, total_count, up_count, down_count, degraded_count,
  latency_count, latency_sum, latency_min, latency_max, latency_histogram)`;

const table = (unit: BucketUnit) =>
  sql.table(unit === 'hour' ? 'check_rollups_hourly' : 'check_rollups_daily');

const ADD = sql`
  ON CONFLICT (subscription_id, bucket, region) DO UPDATE SET
    total_count = t.total_count + EXCLUDED.total_count,
    up_count = t.up_count + EXCLUDED.up_count,
    down_count = t.down_count + EXCLUDED.down_count,
    degraded_count = t.degraded_count + EXCLUDED.degraded_count,
    latency_count = t.latency_count + EXCLUDED.latency_count,
    latency_sum = t.latency_sum + EXCLUDED.latency_sum,
    latency_min = least(t.latency_min, EXCLUDED.latency_min),
    latency_max = greatest(t.latency_max, EXCLUDED.latency_max),
    latency_histogram = lighthouse_hist_add(t.latency_histogram, EXCLUDED.latency_histogram)`;

/**
 * Adds the raw rows with slot time in (lo, hi] to the hourly rollups, and the same hours'
 * sums to the daily ones: one read of the raw slice for both. Returns the hourly rows touched.
 */
async function fold(db: Executor, lo: Date, hi: Date): Promise<number> {
  const source = sql`
    SELECT subscription_id, date_trunc('hour', time, 'UTC') AS bucket, region,
           status, response_time_ms AS ms
    FROM check_history WHERE time > ${lo} AND time <= ${hi} AND confirmation IS NOT TRUE`;
  const { rows } = await sql<{ folded: number }>`
    WITH ${aggregate(source)},
    hourly AS (
      INSERT INTO check_rollups_hourly AS t ${COLUMNS}
      SELECT subscription_id, bucket, region, total_count, up_count, down_count, degraded_count,
             latency_count, latency_sum, latency_min, latency_max, latency_histogram FROM rows
      ${ADD}
      RETURNING 1
    ),
    daily AS (
      INSERT INTO check_rollups_daily AS t ${COLUMNS}
      SELECT subscription_id, date_trunc('day', bucket, 'UTC'), region, sum(total_count)::int,
             sum(up_count)::int, sum(down_count)::int, sum(degraded_count)::int,
             sum(latency_count)::int, sum(latency_sum)::bigint, min(latency_min),
             max(latency_max), lighthouse_hist_sum(latency_histogram)
      FROM rows GROUP BY 1, 2, 3
      ${ADD}
    )
    SELECT (SELECT count(*) FROM hourly)::int AS folded`.execute(db);
  return rows[0]?.folded ?? 0;
}

const REPLACE = sql`
  ON CONFLICT (subscription_id, bucket, region) DO UPDATE SET
    total_count = EXCLUDED.total_count,
    up_count = EXCLUDED.up_count,
    down_count = EXCLUDED.down_count,
    degraded_count = EXCLUDED.degraded_count,
    latency_count = EXCLUDED.latency_count,
    latency_sum = EXCLUDED.latency_sum,
    latency_min = EXCLUDED.latency_min,
    latency_max = EXCLUDED.latency_max,
    latency_histogram = EXCLUDED.latency_histogram`;

/** Replaces the given hours from raw rows at or before `upTo`, then their days from the hourly rows. */
async function recompute(
  db: Executor,
  hours: { subscription_id: string; hour: Date }[],
  upTo: Date,
): Promise<void> {
  if (hours.length === 0) return;
  const ids = hours.map((h) => h.subscription_id);
  const starts = hours.map((h) => h.hour.toISOString());
  const source = sql`
    SELECT h.subscription_id, d.hour AS bucket, h.region, h.status, h.response_time_ms AS ms
    FROM unnest(${ids}::uuid[], ${starts}::timestamptz[]) AS d(subscription_id, hour)
    JOIN check_history h ON h.subscription_id = d.subscription_id
     AND h.time >= d.hour AND h.time < d.hour + interval '1 hour' AND h.time <= ${upTo}
     AND h.confirmation IS NOT TRUE`;
  await sql`
    WITH ${aggregate(source)}
    INSERT INTO check_rollups_hourly ${COLUMNS}
    SELECT subscription_id, bucket, region, total_count, up_count, down_count, degraded_count,
           latency_count, latency_sum, latency_min, latency_max, latency_histogram FROM rows
    ${REPLACE}`.execute(db);
  await sql`
    WITH days AS (
      SELECT DISTINCT subscription_id, date_trunc('day', hour, 'UTC') AS day
      FROM unnest(${ids}::uuid[], ${starts}::timestamptz[]) AS d(subscription_id, hour)
    )
    INSERT INTO check_rollups_daily ${COLUMNS}
    SELECT r.subscription_id, d.day, r.region, sum(total_count), sum(up_count),
           sum(down_count), sum(degraded_count), sum(latency_count), sum(latency_sum),
           min(latency_min), max(latency_max), lighthouse_hist_sum(latency_histogram)
    FROM days d JOIN check_rollups_hourly r ON r.subscription_id = d.subscription_id
     AND r.bucket >= d.day AND r.bucket < d.day + interval '1 day'
    GROUP BY r.subscription_id, d.day, r.region
    ${REPLACE}`.execute(db);
}

export interface RollupRound {
  /** the new watermark: rollups hold every row at or before it */
  watermark: Date;
  /** hourly rollup rows added to or created */
  folded: number;
  /** dirty hours recomputed */
  recomputed: number;
}

/**
 * One rollup round, in one transaction. The watermark row is locked first, so rounds
 * of several schedulers run one after another and never fold a row twice.
 */
export async function rollUp(db: Db): Promise<RollupRound> {
  return db.transaction().execute(async (tx) => {
    // the first round starts at the oldest row (a scan of the table, once)
    await sql`
      INSERT INTO rollup_watermarks (name, watermark)
      SELECT ${WATERMARK}, coalesce(
        (SELECT min(time) - interval '1 microsecond' FROM check_history),
        now() - make_interval(secs => ${FOLD_DELAY_SECONDS}))
      WHERE NOT EXISTS (SELECT 1 FROM rollup_watermarks WHERE name = ${WATERMARK})
      ON CONFLICT (name) DO NOTHING`.execute(tx);
    const { rows } = await sql<{ watermark: Date; upper: Date }>`
      SELECT watermark,
             least(now() - make_interval(secs => ${FOLD_DELAY_SECONDS}),
                   watermark + make_interval(secs => ${MAX_FOLD_SECONDS})) AS upper
      FROM rollup_watermarks WHERE name = ${WATERMARK} FOR UPDATE`.execute(tx);
    const { watermark, upper } = rows[0]!;
    // taken before folding: a marker seen here belongs to a row every later statement sees
    const { rows: dirty } = await sql<{ subscription_id: string; hour: Date }>`
      DELETE FROM rollup_dirty_hours RETURNING subscription_id, hour`.execute(tx);
    let folded = 0;
    const next = upper > watermark ? upper : watermark;
    if (upper > watermark) {
      folded = await fold(tx, watermark, upper);
      await sql`
        UPDATE rollup_watermarks SET watermark = ${upper}, updated_at = now()
        WHERE name = ${WATERMARK}`.execute(tx);
    }
    const horizon = await sql<{ t: Date }>`SELECT now() - ${DIRTY_HORIZON} AS t`.execute(tx);
    const repair = dirty.filter((d) => d.hour >= horizon.rows[0]!.t && d.hour <= next);
    await recompute(tx, repair, next);
    return { watermark: next, folded, recomputed: repair.length };
  });
}

/** Marks the hours of rows whose slot time is already LATE_AFTER behind the database clock. */
export function markLateSql(inserted: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`
    INSERT INTO rollup_dirty_hours (subscription_id, hour)
    SELECT DISTINCT subscription_id, date_trunc('hour', time, 'UTC') FROM ${inserted} AS i
    WHERE time <= now() - make_interval(secs => ${LATE_AFTER_SECONDS})
    ON CONFLICT DO NOTHING`;
}

export async function watermark(db: Executor): Promise<Date | null> {
  const row = await db
    .selectFrom('rollup_watermarks')
    .select('watermark')
    .where('name', '=', WATERMARK)
    .executeTakeFirst();
  return row?.watermark ?? null;
}

export interface Bucket extends BucketCounts {
  time: Date;
}

interface StatsRow {
  subscription_id: string | null;
  region: string | null;
  time: Date | null;
  total_count: number;
  up_count: number;
  down_count: number;
  degraded_count: number;
  latency_count: number;
  latency_sum: string | number;
  latency_min: number | null;
  latency_max: number | null;
  latency_histogram: number[] | null;
  status: 'up' | 'down' | 'degraded' | null;
  ms: number | null;
  w: unknown;
}

/**
 * The newest watermark each db handle has seen. Watermarks only move forward, so raw
 * rows at or before it are never read again; passing it as a literal bound lets the
 * planner skip older partitions instead of planning every one in the range.
 */
const seenWatermark = new WeakMap<object, Date>();

export interface StatsOptions {
  /** false: the rollup histograms are not read (for callers that show counts only) */
  histograms?: boolean;
  /** this region's rows only; all regions when left out */
  region?: string;
}

/** Buckets by subscription, then by region. */
export type RegionBuckets = Map<string, Map<string, Bucket[]>>;

/**
 * Each subscription's buckets of `unit` in [from, to) (both aligned to the unit by the
 * caller), per region, oldest first, with empty buckets left out. Rollup rows cover
 * everything up to the watermark; raw rows after it are added, all read in one statement so a
 * round committing meanwhile is seen wholly or not at all.
 */
export async function regionBucketStatsOf(
  db: Executor,
  subscriptionIds: readonly string[],
  from: Date,
  to: Date,
  unit: BucketUnit,
  opts: StatsOptions = {},
): Promise<RegionBuckets> {
  const histogram = opts.histograms === false ? sql`NULL::integer[]` : sql`latency_histogram`;
  const ids = sql`${[...subscriptionIds]}::uuid[]`;
  const inRegion = (column: string) =>
    opts.region === undefined ? sql`true` : sql`${sql.ref(column)} = ${opts.region}`;
  const seen = seenWatermark.get(db);
  const rawFrom = seen && seen > from ? seen : from;
  const { rows } = await sql<StatsRow>`
    WITH w AS MATERIALIZED (
      SELECT coalesce(max(watermark), '-infinity'::timestamptz) AS w
      FROM rollup_watermarks WHERE name = ${WATERMARK}
    )
    SELECT subscription_id, region, bucket AS time, total_count, up_count, down_count,
           degraded_count, latency_count, latency_sum, latency_min, latency_max,
           ${histogram} AS latency_histogram, NULL::check_status AS status, NULL::integer AS ms,
           w.w
    FROM ${table(unit)}, w
    WHERE subscription_id = ANY(${ids}) AND bucket >= ${from} AND bucket < ${to}
      AND ${inRegion('region')}
    UNION ALL
    SELECT h.subscription_id, h.region, h.time, 1, 0, 0, 0, 0, 0, NULL, NULL, NULL, h.status,
           h.response_time_ms, w.w
    FROM check_history h, w
    WHERE h.subscription_id = ANY(${ids}) AND h.time >= ${rawFrom} AND h.time < ${to}
      AND h.time > w.w AND h.confirmation IS NOT TRUE AND ${inRegion('h.region')}
    UNION ALL
    -- the watermark itself, also when the range holds nothing
    SELECT NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, w.w FROM w`.execute(
    db,
  );
  // every row carries the same watermark; '-infinity' (no round yet) is not a Date
  const current: unknown = rows[0]?.w;
  if (current instanceof Date && !(seen && seen >= current)) {
    seenWatermark.set(db, current);
  }
  const byKey = new Map<string, Map<string, Map<number, Bucket>>>(
    subscriptionIds.map((id) => [id, new Map<string, Map<number, Bucket>>()]),
  );
  const at = (id: string, region: string, t: Date): Bucket => {
    let regions = byKey.get(id);
    if (!regions) byKey.set(id, (regions = new Map<string, Map<number, Bucket>>()));
    let buckets = regions.get(region);
    if (!buckets) regions.set(region, (buckets = new Map<number, Bucket>()));
    const key = bucketStart(t, unit).getTime();
    let b = buckets.get(key);
    if (!b) {
      b = { time: new Date(key), ...emptyCounts() };
      buckets.set(key, b);
    }
    return b;
  };
  for (const r of rows) {
    if (r.time === null || r.subscription_id === null || r.region === null) continue;
    const b = at(r.subscription_id, r.region, r.time);
    if (r.status === null) {
      addCounts(b, {
        total: r.total_count,
        up: r.up_count,
        down: r.down_count,
        degraded: r.degraded_count,
        latency_count: r.latency_count,
        latency_sum: Number(r.latency_sum),
        latency_min: r.latency_min,
        latency_max: r.latency_max,
        histogram: r.latency_histogram ?? [],
      });
      continue;
    }
    b.total += 1;
    b[r.status] += 1;
    if (r.ms !== null) {
      b.latency_count += 1;
      b.latency_sum += r.ms;
      b.latency_min = b.latency_min === null ? r.ms : Math.min(b.latency_min, r.ms);
      b.latency_max = b.latency_max === null ? r.ms : Math.max(b.latency_max, r.ms);
      b.histogram[bucketOf(r.ms)]! += 1;
    }
  }
  const oldestFirst = (buckets: Map<number, Bucket>): Bucket[] =>
    [...buckets.values()].sort((a, b) => a.time.getTime() - b.time.getTime());
  return new Map(
    [...byKey].map(([id, regions]) => [
      id,
      new Map(
        [...regions]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([region, buckets]) => [region, oldestFirst(buckets)]),
      ),
    ]),
  );
}

/** The regions' buckets merged into one list, oldest first: the figures of all of them. */
export function mergeRegions(regions: ReadonlyMap<string, readonly Bucket[]>): Bucket[] {
  const lists = [...regions.values()];
  if (lists.length === 1) return [...lists[0]!];
  const byTime = new Map<number, Bucket>();
  for (const list of lists) {
    for (const b of list) {
      let merged = byTime.get(b.time.getTime());
      if (!merged) {
        merged = { time: b.time, ...emptyCounts() };
        byTime.set(b.time.getTime(), merged);
      }
      addCounts(merged, b);
    }
  }
  return [...byTime.values()].sort((a, b) => a.time.getTime() - b.time.getTime());
}

/**
 * Each subscription's buckets of `unit` in [from, to), all regions together (or `region`'s
 * alone), oldest first, with empty buckets left out: {@link regionBucketStatsOf}, merged.
 */
export async function bucketStatsOf(
  db: Executor,
  subscriptionIds: readonly string[],
  from: Date,
  to: Date,
  unit: BucketUnit,
  opts: StatsOptions = {},
): Promise<Map<string, Bucket[]>> {
  const byRegion = await regionBucketStatsOf(db, subscriptionIds, from, to, unit, opts);
  return new Map([...byRegion].map(([id, regions]) => [id, mergeRegions(regions)]));
}

/** One subscription's buckets: {@link bucketStatsOf} for one id. */
export async function bucketStats(
  db: Executor,
  subscriptionId: string,
  from: Date,
  to: Date,
  unit: BucketUnit,
  opts: StatsOptions = {},
): Promise<Bucket[]> {
  const all = await bucketStatsOf(db, [subscriptionId], from, to, unit, opts);
  return all.get(subscriptionId) ?? [];
}

/** One subscription's buckets per region, regions by name: {@link regionBucketStatsOf} for one id. */
export async function regionBucketStats(
  db: Executor,
  subscriptionId: string,
  from: Date,
  to: Date,
  unit: BucketUnit,
  opts: StatsOptions = {},
): Promise<Map<string, Bucket[]>> {
  const all = await regionBucketStatsOf(db, [subscriptionId], from, to, unit, opts);
  return all.get(subscriptionId) ?? new Map<string, Bucket[]>();
}

/** The schedule logs of several subscriptions, each oldest first. */
export async function scheduleLogsOf(
  db: Executor,
  subscriptionIds: readonly string[],
): Promise<Map<string, ScheduleChange[]>> {
  const logs = new Map<string, ScheduleChange[]>(subscriptionIds.map((id) => [id, []]));
  if (subscriptionIds.length === 0) return logs;
  const rows = await db
    .selectFrom('schedule_changes')
    .select(['subscription_id', 'changed_at', 'scheduled', 'check_frequency_seconds'])
    .where('subscription_id', 'in', [...subscriptionIds])
    .orderBy('subscription_id')
    .orderBy('changed_at')
    .execute();
  for (const { subscription_id, ...change } of rows) logs.get(subscription_id)?.push(change);
  return logs;
}

/** A subscription's schedule log, oldest first: what coverage divides by. */
export async function scheduleLog(db: Executor, subscriptionId: string): Promise<ScheduleChange[]> {
  return (await scheduleLogsOf(db, [subscriptionId])).get(subscriptionId) ?? [];
}
