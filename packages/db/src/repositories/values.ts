import { sql } from 'kysely';
import type { Executor } from '../connection';

// What checks measured (check_history.value, value_text), for checks that compare with their
// own history: is a block height advancing, has a contract value changed, how fast does a
// balance fall. Reads only; every query stays on one subscription's (subscription_id, time) key.

export interface MeasuredValue {
  time: Date;
  value: number | null;
  value_text: string | null;
}

/** The latest check before `before` (exclusive) that measured something, if any. */
export async function latestValue(
  db: Executor,
  subscriptionId: string,
  before: Date,
): Promise<MeasuredValue | undefined> {
  return db
    .selectFrom('check_history')
    .select(['time', 'value', 'value_text'])
    .where('subscription_id', '=', subscriptionId)
    .where('time', '<', before)
    .where((eb) => eb.or([eb('value', 'is not', null), eb('value_text', 'is not', null)]))
    .orderBy('time', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface Trend {
  /** least-squares slope of value over time, per hour; null with fewer than two points */
  per_hour: number | null;
  /** points the slope was fitted on, the current one included */
  points: number;
  /** seconds from the first to the last of those points */
  span_seconds: number;
}

/**
 * The least-squares trend of a subscription's values in [since, now), plus the current reading
 * at `now`, over the points since the latest rise: a top-up starts a new run, so the trend is
 * the recent burn rate rather than an average across refills.
 */
export async function recentTrend(
  db: Executor,
  subscriptionId: string,
  options: { since: Date; now: Date; current: number },
): Promise<Trend> {
  const { rows } = await sql<{ per_hour: number | null; points: number; span_seconds: number }>`
    WITH points AS (
      SELECT time, value FROM check_history
       WHERE subscription_id = ${subscriptionId}
         AND time >= ${options.since} AND time < ${options.now}
         AND value IS NOT NULL
      UNION ALL
      SELECT ${options.now}::timestamptz, ${options.current}::double precision
    ), steps AS (
      SELECT time, value, lag(value) OVER (ORDER BY time) AS previous FROM points
    ), run AS (
      SELECT time, value FROM steps
       WHERE time >= (SELECT coalesce(max(time) FILTER (WHERE value > previous), '-infinity')
                        FROM steps)
    )
    SELECT regr_slope(value, extract(epoch FROM time)) * 3600 AS per_hour,
           count(*)::int AS points,
           coalesce(extract(epoch FROM max(time) - min(time)), 0)::float8 AS span_seconds
      FROM run`.execute(db);
  const row = rows[0];
  return {
    per_hour: row?.per_hour ?? null,
    points: row?.points ?? 0,
    span_seconds: row?.span_seconds ?? 0,
  };
}
