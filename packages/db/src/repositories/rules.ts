import { EXPIRED_NOTICE_WINDOW_DAYS, EXPIRY_NOTICE_DAYS } from '@lighthouse/domain';
import { sql } from 'kysely';
import type { Executor } from '../connection';

// The rules below are pure functions in @lighthouse/domain, table-tested there: reminderDue,
// flappingOver, expiryNoticeDue. They are selected here in SQL because they pick rows among
// every subscription, at scale, and must raise each event once across concurrent schedulers;
// each WHERE mirrors its function, and a change to one is a change to both.

/**
 * Raises a reminder event for each subscription for which a reminder is due (reminderDue:
 * down for its reminder interval since it went down or was last reminded about; not paused,
 * deleted or held by flapping), at most `limit` a round. Moving `reminded_at` in the same
 * statement makes concurrent schedulers raise each reminder once.
 */
export async function raiseReminders(db: Executor, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH due AS (
      UPDATE subscriptions AS s SET reminded_at = now()
      WHERE s.id IN (
        SELECT id FROM subscriptions
        WHERE state = 'down' AND reminder_interval_minutes IS NOT NULL
          AND active AND deleted_at IS NULL AND flapping_since IS NULL
          AND greatest(state_changed_at, reminded_at)
              <= now() - make_interval(mins => reminder_interval_minutes)
        ORDER BY id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      -- read again under the lock: another scheduler may have reminded meanwhile
      AND s.state = 'down'
      AND greatest(s.state_changed_at, s.reminded_at)
          <= now() - make_interval(mins => s.reminder_interval_minutes)
      RETURNING s.id
    )
    INSERT INTO state_events (subscription_id, from_state, to_state, slot_time, kind)
    SELECT id, 'down', 'down', now(), 'reminder' FROM due
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Ends flapping for each subscription whose flapping is over (flappingOver: a whole window
 * without a state change), and raises a 'stable' event carrying its current state (not for
 * paused or deleted subscriptions, whose flapping just ends).
 */
export async function raiseStable(db: Executor, limit: number): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    WITH calm AS (
      UPDATE subscriptions AS s SET flapping_since = NULL
      WHERE s.id IN (
        SELECT c.id FROM subscriptions AS c
        WHERE c.flapping_since IS NOT NULL
          AND NOT EXISTS (
            SELECT 1 FROM state_events AS e
            WHERE e.subscription_id = c.id
              AND e.kind IN ('transition', 'flapping', 'held')
              AND e.slot_time > now() - make_interval(mins => c.flapping_window_minutes))
        ORDER BY c.id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED)
      AND s.flapping_since IS NOT NULL
      RETURNING s.id, s.state, s.active AND s.deleted_at IS NULL AS checked
    )
    INSERT INTO state_events (subscription_id, from_state, to_state, slot_time, kind)
    SELECT id, state, state, now(), 'stable' FROM calm WHERE checked
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * Raises an 'expiring' event for each not deleted subscription whose paid period has a notice
 * due (expiryNoticeDue: the most urgent of the lead times EXPIRY_NOTICE_DAYS that is due, none
 * once a more urgent one was, none for a period over for EXPIRED_NOTICE_WINDOW_DAYS), once per
 * period end and lead time (at most `limit` a round). Paused subscriptions are included: they
 * expire too.
 *
 * The event carries `{ expires_at, days_left }` in `check` (`days_left`: whole days left,
 * rounded, at least 1 before the end; 0 once it has passed) and the subscription's current
 * state as from and to. The expiry_notices row is inserted first, with ON CONFLICT DO
 * NOTHING, and an event is created only for the rows that insert returned, all in one
 * statement: concurrent schedulers raise each notice once and never leave a stray event.
 * A renewal moves `expires_at`, so the new period gets its own notices.
 */
export async function raiseExpiryNotices(
  db: Executor,
  limit: number,
  now?: Date,
): Promise<string[]> {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`now()`;
  // the most urgent lead time the end is within: CASE WHEN … <= at THEN 0 WHEN … <= at + 1 day …
  const leadTimes = sql.join(
    EXPIRY_NOTICE_DAYS.map(
      (days) => sql`WHEN s.expires_at <= ${at} + make_interval(days => ${days}) THEN ${days}::int`,
    ),
    sql` `,
  );
  const longest = Math.max(...EXPIRY_NOTICE_DAYS);
  const { rows } = await sql<{ id: string }>`
    WITH due AS (
      SELECT s.id, s.state, s.expires_at, notice.days_before,
        -- the event's id, chosen here so that the notice can name it
        gen_random_uuid() AS event_id
      FROM subscriptions AS s
      CROSS JOIN LATERAL (SELECT CASE ${leadTimes} END AS days_before) AS notice
      WHERE s.expires_at IS NOT NULL AND s.deleted_at IS NULL
        AND s.expires_at <= ${at} + make_interval(days => ${longest})
        AND s.expires_at > ${at} - make_interval(days => ${EXPIRED_NOTICE_WINDOW_DAYS})
        -- this notice, or a more urgent one, was already raised for this period
        AND NOT EXISTS (
          SELECT 1 FROM expiry_notices AS n
          WHERE n.subscription_id = s.id AND n.expires_at = s.expires_at
            AND n.days_before <= notice.days_before)
      ORDER BY s.expires_at
      LIMIT ${limit}
    ),
    noticed AS (
      INSERT INTO expiry_notices (subscription_id, expires_at, days_before, event_id)
      SELECT id, expires_at, days_before, event_id FROM due
      -- another scheduler got there first: no event from this one
      ON CONFLICT (subscription_id, expires_at, days_before) DO NOTHING
      RETURNING subscription_id, expires_at, days_before, event_id
    )
    INSERT INTO state_events (id, subscription_id, from_state, to_state, slot_time, kind, "check")
    SELECT n.event_id, n.subscription_id, d.state, d.state, ${at}, 'expiring',
      jsonb_build_object(
        'expires_at', to_char(n.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        -- whole days left, rounded: 3 for a notice raised on time, fewer for one bought late
        'days_left', CASE WHEN n.days_before = 0 THEN 0
          ELSE greatest(1, round(extract(epoch FROM n.expires_at - ${at}) / 86400))::int END)
    FROM noticed AS n JOIN due AS d ON d.id = n.subscription_id
    RETURNING id`.execute(db);
  return rows.map((r) => r.id);
}
