import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../connection';
import type { CheckStatus } from '../schema';
import { keysetPage } from './keyset';

/**
 * A timestamp as PostgreSQL holds it, to the microsecond: a JavaScript Date keeps only
 * milliseconds, and a page boundary between two rows of one millisecond would lose one.
 */
const exactTime = (column: string): RawBuilder<string> =>
  sql<string>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A raw check as the history API shows it. */
export interface HistoryCheck {
  time: Date;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Record<string, number> | null;
  error_category: string | null;
  error_message: string | null;
  schedule_lag_ms: number | null;
  /** the region of the checker that made it */
  region: string;
  maintenance: boolean;
  /** a confirmation check (a retry after a failure), not a slot of the schedule */
  confirmation: boolean;
  /** the number the check measured (a balance in whole units, a block height, a contract value) */
  value: number | null;
  /** the exact reading where a double cannot hold it (a contract call's decoded result) */
  value_text: string | null;
}

/** Where a checks list stopped: the last row's exact time and its region. */
export interface CheckCursor {
  time: string;
  /** absent in cursors issued before rows had regions: the page goes on from the next slot */
  region?: string;
}

/**
 * One subscription's raw checks with time in [from, to), of one region or all of them, after
 * `before` (where an earlier page stopped), newest first and by region (Z to A) within a slot,
 * on the (subscription_id, time, region) key. `next` is the last row's position when more follow.
 */
export async function listChecks(
  db: Executor,
  subscriptionId: string,
  options: { limit: number; from?: Date; to?: Date; before?: CheckCursor; region?: string },
): Promise<{ rows: HistoryCheck[]; next: CheckCursor | null }> {
  let query = db
    .selectFrom('check_history')
    .select([
      'time',
      'status',
      'http_status',
      'response_time_ms',
      'timings',
      'error_category',
      'error_message',
      'schedule_lag_ms',
      'region',
      sql<boolean>`coalesce(maintenance, false)`.as('maintenance'),
      sql<boolean>`coalesce(confirmation, false)`.as('confirmation'),
      'value',
      'value_text',
      exactTime('time').as('exact_time'),
    ])
    .where('subscription_id', '=', subscriptionId);
  if (options.from) query = query.where('time', '>=', options.from);
  if (options.to) query = query.where('time', '<', options.to);
  if (options.region !== undefined) query = query.where('region', '=', options.region);
  const { before } = options;
  if (before !== undefined) {
    query = query.where(
      before.region === undefined
        ? sql<boolean>`time < ${before.time}::timestamptz`
        : sql<boolean>`(time, region) < (${before.time}::timestamptz, ${before.region}::text)`,
    );
  }
  const rows = await query
    .orderBy('time', 'desc')
    .orderBy('region', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, next } = keysetPage(rows, options.limit, (last) => ({
    time: last.exact_time,
    region: last.region,
  }));
  return { rows: page.map(({ exact_time: _exact, ...row }) => row), next };
}

export interface HistoryIncident {
  id: string;
  started_at: Date;
  resolved_at: Date | null;
  error_category: string | null;
  error_message: string | null;
}

/** A position in the incident list: the last row's exact start and id. */
export interface IncidentCursor {
  startedAt: string;
  id: string;
}

/** One subscription's incidents, newest start first (id breaking ties), keyset-paginated. */
export async function listIncidents(
  db: Executor,
  subscriptionId: string,
  options: { limit: number; status?: 'open' | 'resolved'; cursor?: IncidentCursor },
): Promise<{ rows: HistoryIncident[]; next: IncidentCursor | null }> {
  let query = db
    .selectFrom('incidents')
    .select([
      'id',
      'started_at',
      'resolved_at',
      'error_category',
      'error_message',
      exactTime('started_at').as('exact_start'),
    ])
    .where('subscription_id', '=', subscriptionId);
  if (options.status === 'open') query = query.where('resolved_at', 'is', null);
  if (options.status === 'resolved') query = query.where('resolved_at', 'is not', null);
  const { cursor } = options;
  if (cursor) {
    query = query.where(
      sql<boolean>`(started_at, id) < (${cursor.startedAt}::timestamptz, ${cursor.id}::uuid)`,
    );
  }
  const rows = await query
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, next } = keysetPage(rows, options.limit, (last) => ({
    startedAt: last.exact_start,
    id: last.id,
  }));
  return { rows: page.map(({ exact_start: _exact, ...row }) => row), next };
}

/** One step of a canary check as the history API shows it. */
export interface HistoryCanaryStep {
  step_index: number;
  step_name: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Record<string, number> | null;
  error_category: string | null;
  error_message: string | null;
}

/** A check's place in {@link canarySteps}' answer: its slot and its region. */
export const checkKey = (time: Date, region: string): string => `${time.getTime()} ${region}`;

/**
 * The canary steps of one subscription's checks at `times` (a page of checks), by
 * {@link checkKey} (slot time and region), each list in step order. One query over the page's
 * time range.
 */
export async function canarySteps(
  db: Executor,
  subscriptionId: string,
  times: Date[],
): Promise<Map<string, HistoryCanaryStep[]>> {
  const byCheck = new Map<string, HistoryCanaryStep[]>();
  if (times.length === 0) return byCheck;
  const ms = times.map((t) => t.getTime());
  const rows = await db
    .selectFrom('canary_results')
    .select([
      'time',
      'region',
      'step_index',
      'step_name',
      'status',
      'http_status',
      'response_time_ms',
      'timings',
      'error_category',
      'error_message',
    ])
    .where('subscription_id', '=', subscriptionId)
    .where('time', '>=', new Date(Math.min(...ms)))
    .where('time', '<=', new Date(Math.max(...ms)))
    .orderBy('time')
    .orderBy('region')
    .orderBy('step_index')
    .execute();
  for (const { time, region, ...step } of rows) {
    const key = checkKey(time, region);
    const list = byCheck.get(key) ?? [];
    list.push(step);
    byCheck.set(key, list);
  }
  return byCheck;
}
