import type { MonitorState } from './state';

/** What decides whether a subscription that stays down is reminded about. */
export interface ReminderSubject {
  state: MonitorState;
  /** minutes between reminders; null: no reminders */
  reminder_interval_minutes: number | null;
  active: boolean;
  deleted_at: Date | null;
  flapping_since: Date | null;
  /** when the state last changed */
  state_changed_at: Date | null;
  /** when the last reminder was raised */
  reminded_at: Date | null;
}

/**
 * Whether a reminder is due at `now`: the subscription is down, live (active, not deleted),
 * not flapping (its alerts are held), has reminders on, and a whole interval has passed since it
 * went down or was last reminded about, whichever is later.
 *
 * The scheduler selects due subscriptions at scale in SQL (packages/db rules.raiseReminders),
 * which mirrors this rule; the alerter applies {@link reminderStillTrue} when one is sent.
 */
export function reminderDue(s: ReminderSubject, now: Date): boolean {
  if (s.state !== 'down' || s.reminder_interval_minutes === null) return false;
  if (!s.active || s.deleted_at !== null || s.flapping_since !== null) return false;
  const marks = [s.state_changed_at, s.reminded_at].filter((d): d is Date => d !== null);
  if (marks.length === 0) return false;
  const last = Math.max(...marks.map((d) => d.getTime()));
  return last <= now.getTime() - s.reminder_interval_minutes * 60_000;
}

/** Whether a reminder raised earlier still says something true: the subscription is still down. */
export function reminderStillTrue(currentState: MonitorState): boolean {
  return currentState === 'down';
}
