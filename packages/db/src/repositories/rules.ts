import { sql } from 'kysely';
import type { Executor } from '../connection';

/**
 * Raises a reminder event for each subscription that has been down for its reminder
 * interval since it went down or was last reminded about (at most `limit` a round).
 * Moving `reminded_at` in the same statement makes concurrent schedulers raise each
 * reminder once. Subscriptions held by flapping are left alone.
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
 * Ends flapping for each subscription that has gone a whole window without a state
 * change, and raises a 'stable' event carrying its current state (not for paused or
 * deleted subscriptions, whose flapping just ends).
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
