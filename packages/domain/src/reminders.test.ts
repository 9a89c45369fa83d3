import { reminderDue, reminderStillTrue, type ReminderSubject } from './reminders';
import type { MonitorState } from './state';

const now = new Date('2026-11-22T12:00:00Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const down = (values: Partial<ReminderSubject> = {}): ReminderSubject => ({
  state: 'down',
  reminder_interval_minutes: 10,
  active: true,
  deleted_at: null,
  flapping_since: null,
  state_changed_at: minutesAgo(11),
  reminded_at: null,
  ...values,
});

describe('reminderDue', () => {
  /** [case, subject, due] */
  const table: [string, ReminderSubject, boolean][] = [
    ['down for longer than the interval', down(), true],
    ['down for exactly the interval', down({ state_changed_at: minutesAgo(10) }), true],
    ['down for less than the interval', down({ state_changed_at: minutesAgo(5) }), false],
    ['reminders off', down({ reminder_interval_minutes: null }), false],
    ['up', down({ state: 'up' }), false],
    ['degraded', down({ state: 'degraded' }), false],
    ['paused', down({ active: false }), false],
    ['deleted', down({ deleted_at: minutesAgo(1) }), false],
    ['flapping: its alerts are held', down({ flapping_since: minutesAgo(2) }), false],
    [
      'reminded less than an interval ago',
      down({ state_changed_at: minutesAgo(60), reminded_at: minutesAgo(5) }),
      false,
    ],
    [
      'reminded an interval ago',
      down({ state_changed_at: minutesAgo(60), reminded_at: minutesAgo(10) }),
      true,
    ],
    [
      'counts from the later of the change and the last reminder',
      down({ state_changed_at: minutesAgo(3), reminded_at: minutesAgo(30) }),
      false,
    ],
    [
      'no change recorded, reminded long ago',
      down({ state_changed_at: null, reminded_at: minutesAgo(30) }),
      true,
    ],
    ['no change and no reminder recorded', down({ state_changed_at: null }), false],
  ];

  it.each(table)('%s', (_name, subject, due) => {
    expect(reminderDue(subject, now)).toBe(due);
  });
});

describe('reminderStillTrue', () => {
  it.each<[MonitorState, boolean]>([
    ['down', true],
    ['up', false],
    ['degraded', false],
    ['unknown', false],
  ])('when the subscription is %s now: %s', (state, expected) => {
    expect(reminderStillTrue(state)).toBe(expected);
  });
});
