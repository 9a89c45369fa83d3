import { sql } from 'kysely';
import type { Executor } from '../connection';
import { markLateSql } from './rollups';
import type { CheckStatus, MonitorState, StateEventKind } from '../schema';

export interface CheckRow {
  time: Date;
  subscription_id: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Record<string, number> | null;
  error_category: string | null;
  error_message: string | null;
  body_excerpt: string | null;
  schedule_lag_ms: number | null;
  /** the checker's region: a slot has one row per region */
  region: string;
  /** true when the slot fell in a maintenance window */
  maintenance?: boolean;
  /** true for a confirmation check, off the subscription's grid (see recordResults) */
  confirmation?: boolean;
  /** the number the check measured (a balance in whole units, a block height, a contract value) */
  value?: number | null;
  /** the exact reading where a double cannot hold it (a contract call's decoded result) */
  value_text?: string | null;
  /** a canary's steps, in order: written to canary_results with the row */
  canary_steps?: CanaryStepRow[];
  /** the signed batch it is written in, and its leaf there (set by recordResults) */
  batch_id?: string;
  leaf_index?: number;
}

/** One step of a canary (multi-step) check. */
export interface CanaryStepRow {
  /** the step's position in the target config's `steps` (0-based) */
  step_index: number;
  step_name: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Record<string, number> | null;
  error_category: string | null;
  error_message: string | null;
}

/** A row's key: a slot has one row per region. */
export interface RowKey {
  subscription_id: string;
  time: Date;
  region: string;
}

/** A row key as a string, for sets and maps. */
export const rowKey = (r: RowKey): string => `${r.subscription_id}|${r.time.getTime()}|${r.region}`;

/**
 * Inserts a batch in one statement; a (slot, region) that already has a row is skipped
 * (invariant 1). Rows already behind the rollups' reach mark their hour for
 * recompute in the same statement. Returns the keys of the rows that were new.
 */
export async function insertCheckRows(db: Executor, rows: CheckRow[]): Promise<RowKey[]> {
  if (rows.length === 0) return [];
  const col = <K extends keyof CheckRow>(k: K) => rows.map((r) => r[k]);
  const { rows: inserted } = await sql<RowKey>`
    WITH inserted AS (
    INSERT INTO check_history
      (time, subscription_id, status, http_status, response_time_ms, timings,
       error_category, error_message, body_excerpt, schedule_lag_ms, region, maintenance,
       value, value_text, confirmation, batch_id, leaf_index)
    SELECT * FROM unnest(
      ${rows.map((r) => r.time.toISOString())}::timestamptz[],
      ${col('subscription_id')}::uuid[],
      ${col('status')}::check_status[],
      ${col('http_status')}::smallint[],
      ${col('response_time_ms')}::integer[],
      ${rows.map((r) => (r.timings ? JSON.stringify(r.timings) : null))}::jsonb[],
      ${col('error_category')}::text[],
      ${col('error_message')}::text[],
      ${col('body_excerpt')}::text[],
      ${col('schedule_lag_ms')}::integer[],
      ${col('region')}::text[],
      ${rows.map((r) => (r.maintenance ? true : null))}::boolean[],
      ${rows.map((r) => r.value ?? null)}::double precision[],
      ${rows.map((r) => r.value_text ?? null)}::text[],
      ${rows.map((r) => (r.confirmation ? true : null))}::boolean[],
      ${rows.map((r) => r.batch_id ?? null)}::bigint[],
      ${rows.map((r) => r.leaf_index ?? null)}::integer[])
    ON CONFLICT (subscription_id, time, region) DO NOTHING
    RETURNING subscription_id, time, region
    ), late AS (${markLateSql(sql`inserted`)})
    SELECT subscription_id, time, region FROM inserted`.execute(db);
  return inserted;
}

/** Writes the steps of canary rows, in one statement; call it with the rows that were new. */
export async function insertCanarySteps(
  db: Executor,
  rows: Pick<CheckRow, 'time' | 'subscription_id' | 'region' | 'canary_steps'>[],
): Promise<void> {
  const steps = rows.flatMap((r) =>
    (r.canary_steps ?? []).map((step) => ({
      ...step,
      time: r.time,
      id: r.subscription_id,
      region: r.region,
    })),
  );
  if (steps.length === 0) return;
  await sql`
    INSERT INTO canary_results
      (subscription_id, time, region, step_index, step_name, status, http_status,
       response_time_ms, timings, error_category, error_message)
    SELECT * FROM unnest(
      ${steps.map((s) => s.id)}::uuid[],
      ${steps.map((s) => s.time.toISOString())}::timestamptz[],
      ${steps.map((s) => s.region)}::text[],
      ${steps.map((s) => s.step_index)}::smallint[],
      ${steps.map((s) => s.step_name)}::text[],
      ${steps.map((s) => s.status)}::check_status[],
      ${steps.map((s) => s.http_status)}::smallint[],
      ${steps.map((s) => s.response_time_ms)}::integer[],
      ${steps.map((s) => (s.timings ? JSON.stringify(s.timings) : null))}::jsonb[],
      ${steps.map((s) => s.error_category)}::text[],
      ${steps.map((s) => s.error_message)}::text[])
    ON CONFLICT (subscription_id, time, region, step_index) DO NOTHING`.execute(db);
}

export interface MonitorRow {
  id: string;
  state: MonitorState;
  consecutive_failures: number;
  consecutive_successes: number;
  last_scheduled_at: Date | null;
  streak_since: Date | null;
  failure_threshold: number;
  recovery_threshold: number;
  retry_interval_seconds: number;
  flapping_threshold: number | null;
  flapping_window_minutes: number;
  flapping_since: Date | null;
  /** null: the instance's default region only */
  regions: string[] | null;
  quorum: string;
  /** the probe's timeout as configured (a multi-region slot waits for it, and a grace) */
  timeout_ms: number | null;
}

/**
 * Locks the monitors of a batch in id order, so concurrent batches cannot deadlock; with
 * `skipLocked`, only those no one else holds (a sweep that must not wait on the checkers).
 */
export async function lockMonitors(
  db: Executor,
  ids: string[],
  options: { skipLocked?: boolean } = {},
): Promise<MonitorRow[]> {
  if (ids.length === 0) return [];
  const query = db
    .selectFrom('subscriptions')
    .select([
      'id',
      'state',
      'consecutive_failures',
      'consecutive_successes',
      'last_scheduled_at',
      'streak_since',
      'failure_threshold',
      'recovery_threshold',
      'retry_interval_seconds',
      'flapping_threshold',
      'flapping_window_minutes',
      'flapping_since',
      'regions',
      'quorum',
      sql<number | null>`(target_config->>'timeout_ms')::integer`.as('timeout_ms'),
    ])
    .where('id', 'in', ids)
    // a paid probe's rows are its record: it has no state to move and nobody to alert
    .where('kind', '=', 'monitor')
    .orderBy('id')
    .forUpdate();
  return (options.skipLocked ? query.skipLocked() : query).execute();
}

export interface MonitorUpdate {
  id: string;
  state: MonitorState;
  consecutive_failures: number;
  consecutive_successes: number;
  last_scheduled_at: Date;
  /** when the probe ran */
  last_check_at: Date;
  /** set when the state changed */
  state_changed_at: Date | null;
  /** set when this batch started flapping */
  flapping_started: Date | null;
  streak_since: Date | null;
  /** a confirmation check is due then (sooner than the next slot): null when none */
  retry_at: Date | null;
}

export async function updateMonitors(db: Executor, rows: MonitorUpdate[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE subscriptions AS s SET
      state = v.state,
      consecutive_failures = v.failures,
      consecutive_successes = v.successes,
      last_scheduled_at = v.slot,
      last_check_at = greatest(s.last_check_at, v.checked),
      state_changed_at = coalesce(v.changed, s.state_changed_at),
      flapping_since = coalesce(s.flapping_since, v.flapping),
      streak_since = v.streak,
      -- a confirmation comes sooner than the next slot, never later
      confirming = s.confirming OR coalesce(v.retry < s.next_check_at, false),
      next_check_at = least(s.next_check_at, coalesce(v.retry, s.next_check_at))
    FROM unnest(
      ${rows.map((r) => r.id)}::uuid[],
      ${rows.map((r) => r.state)}::monitor_state[],
      ${rows.map((r) => r.consecutive_failures)}::integer[],
      ${rows.map((r) => r.consecutive_successes)}::integer[],
      ${rows.map((r) => r.last_scheduled_at.toISOString())}::timestamptz[],
      ${rows.map((r) => r.last_check_at.toISOString())}::timestamptz[],
      ${rows.map((r) => r.state_changed_at?.toISOString() ?? null)}::timestamptz[],
      ${rows.map((r) => r.flapping_started?.toISOString() ?? null)}::timestamptz[],
      ${rows.map((r) => r.streak_since?.toISOString() ?? null)}::timestamptz[],
      ${rows.map((r) => r.retry_at?.toISOString() ?? null)}::timestamptz[]
    ) AS v(id, state, failures, successes, slot, checked, changed, flapping, streak, retry)
    WHERE s.id = v.id`.execute(db);
}

/** A check as a state event's `check` carries it. */
export function eventCheck(
  row: Pick<
    CheckRow,
    'time' | 'status' | 'http_status' | 'response_time_ms' | 'error_message' | 'error_category'
  >,
): Record<string, unknown> {
  return {
    time: row.time.toISOString(),
    status: row.status,
    http_status: row.http_status,
    response_time_ms: row.response_time_ms,
    error: row.error_message,
    error_category: row.error_category,
  };
}

export interface NewStateEvent {
  subscription_id: string;
  from_state: MonitorState;
  to_state: MonitorState;
  slot_time: Date;
  check: Record<string, unknown>;
  kind?: StateEventKind;
}

/** The kinds of event that are state changes (and count towards flapping). */
export const STATE_CHANGES: StateEventKind[] = ['transition', 'flapping', 'held'];

/** Slot times of each subscription's state changes since `since`, oldest first. */
export async function recentChanges(
  db: Executor,
  ids: string[],
  since: Date,
): Promise<Map<string, Date[]>> {
  const byId = new Map<string, Date[]>();
  if (ids.length === 0) return byId;
  const rows = await db
    .selectFrom('state_events')
    .select(['subscription_id', 'slot_time'])
    .where('subscription_id', 'in', ids)
    .where('kind', 'in', STATE_CHANGES)
    .where('slot_time', '>', since)
    .orderBy('slot_time')
    .execute();
  for (const row of rows) {
    const list = byId.get(row.subscription_id) ?? [];
    list.push(row.slot_time);
    byId.set(row.subscription_id, list);
  }
  return byId;
}

/** Writes outbox rows; returns their ids in input order. */
export async function insertStateEvents(db: Executor, events: NewStateEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const rows = await db
    .insertInto('state_events')
    .values(
      events.map((e) => ({
        subscription_id: e.subscription_id,
        from_state: e.from_state,
        to_state: e.to_state,
        slot_time: e.slot_time,
        check: JSON.stringify(e.check),
        kind: e.kind ?? 'transition',
      })),
    )
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function openIncident(
  db: Executor,
  incident: {
    subscription_id: string;
    event_id: string;
    started_at: Date;
    error_category: string | null;
    error_message: string | null;
  },
): Promise<void> {
  await db
    .insertInto('incidents')
    .values({
      subscription_id: incident.subscription_id,
      opened_event_id: incident.event_id,
      started_at: incident.started_at,
      error_category: incident.error_category,
      error_message: incident.error_message,
    })
    .execute();
}

export async function closeIncident(
  db: Executor,
  subscriptionId: string,
  eventId: string,
  resolvedAt: Date,
): Promise<void> {
  await db
    .updateTable('incidents')
    .set({ resolved_at: resolvedAt, closed_event_id: eventId })
    .where('subscription_id', '=', subscriptionId)
    .where('resolved_at', 'is', null)
    .execute();
}

/** A region's row of a slot, as a verdict reads it. */
export type RegionRow = Pick<
  CheckRow,
  | 'subscription_id'
  | 'time'
  | 'region'
  | 'status'
  | 'http_status'
  | 'response_time_ms'
  | 'error_category'
  | 'error_message'
  | 'maintenance'
>;

/**
 * The rows of slots after each subscription's last applied one (`since`, null: any), from
 * every region, oldest slot first and by region within a slot. Slots before `floor` are not
 * read: a slot that waited that long for its regions is left undecided.
 */
export async function rowsAfter(
  db: Executor,
  monitors: { id: string; since: Date | null }[],
  floor: Date,
): Promise<RegionRow[]> {
  if (monitors.length === 0) return [];
  const { rows } = await sql<RegionRow>`
    SELECT h.subscription_id, h.time, h.region, h.status, h.http_status, h.response_time_ms,
           h.error_category, h.error_message, coalesce(h.maintenance, false) AS maintenance
      FROM unnest(${monitors.map((m) => m.id)}::uuid[],
                  ${monitors.map((m) => m.since?.toISOString() ?? null)}::timestamptz[]) AS m(id, since)
      JOIN check_history h
        ON h.subscription_id = m.id AND h.time > coalesce(m.since, '-infinity'::timestamptz)
     WHERE h.time > ${floor.toISOString()}::timestamptz
     ORDER BY h.subscription_id, h.time, h.region`.execute(db);
  return rows;
}

/**
 * Subscriptions checked from several regions with a slot whose deadline has passed (its
 * probe's timeout and `graceMs` after it) that has rows but no verdict yet: the ones a
 * region never answered for. At most `limit`; slots before `floor` are not looked at.
 */
export async function overdueSlots(
  db: Executor,
  options: { graceMs: number; floor: Date; limit: number },
): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    SELECT s.id FROM subscriptions s
     WHERE s.regions IS NOT NULL AND cardinality(s.regions) > 1 AND s.deleted_at IS NULL
       -- a slot's deadline is at least the grace after it: none is due before that
       AND coalesce(s.last_scheduled_at, '-infinity'::timestamptz)
             < now() - make_interval(secs => ${options.graceMs} / 1000.0)
       AND EXISTS (
         SELECT 1 FROM check_history h
          WHERE h.subscription_id = s.id
            AND h.time > ${options.floor.toISOString()}::timestamptz
            AND h.time > coalesce(s.last_scheduled_at, '-infinity'::timestamptz)
            AND h.time < now() - make_interval(secs => (
                  coalesce((s.target_config->>'timeout_ms')::integer, ${DEFAULT_TIMEOUT_MS})
                  + ${options.graceMs}) / 1000.0))
     ORDER BY s.id
     LIMIT ${options.limit}`.execute(db);
  return rows.map((r) => r.id);
}

/** The timeout a verdict waits for when a target's config names none (the longest a probe may take). */
export const DEFAULT_TIMEOUT_MS = 60_000;
