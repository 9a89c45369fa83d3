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
  region: string | null;
  maintenance: boolean;
  /** a confirmation check (a retry after a failure), not a slot of the schedule */
  confirmation: boolean;
  /** the number the check measured (a balance in whole units, a block height, a contract value) */
  value: number | null;
  /** the exact reading where a double cannot hold it (a contract call's decoded result) */
  value_text: string | null;
}

/**
 * One subscription's raw checks with time in [from, to) and before `before` (an exact
 * time from an earlier page), newest first, on the (subscription_id, time) key.
 * `next` is the exact time of the last row when more follow.
 */
export async function listChecks(
  db: Executor,
  subscriptionId: string,
  options: { limit: number; from?: Date; to?: Date; before?: string },
): Promise<{ rows: HistoryCheck[]; next: string | null }> {
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
  if (options.before !== undefined) {
    query = query.where('time', '<', sql<Date>`${options.before}::timestamptz`);
  }
  const rows = await query
    .orderBy('time', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, next } = keysetPage(rows, options.limit, (last) => last.exact_time);
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

/**
 * The canary steps of one subscription's checks at `times` (a page of checks), by slot time
 * in epoch ms, each list in step order. One query over the page's time range.
 */
export async function canarySteps(
  db: Executor,
  subscriptionId: string,
  times: Date[],
): Promise<Map<number, HistoryCanaryStep[]>> {
  const bySlot = new Map<number, HistoryCanaryStep[]>();
  if (times.length === 0) return bySlot;
  const ms = times.map((t) => t.getTime());
  const rows = await db
    .selectFrom('canary_results')
    .select([
      'time',
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
    .orderBy('step_index')
    .execute();
  for (const { time, ...step } of rows) {
    const list = bySlot.get(time.getTime()) ?? [];
    list.push(step);
    bySlot.set(time.getTime(), list);
  }
  return bySlot;
}
