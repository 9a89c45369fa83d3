import {
  alertTypeOf,
  decideAlert,
  languageOf,
  severityOf,
  suppressionOf,
  type AlertDecision,
  type AlertFacts,
  type AlertType,
  type EventKind,
  type Severity,
  type SuppressionReason,
} from './alerting';
import type { MaintenanceWindowRule } from './maintenance';
import type { MonitorState } from './state';

const at = (iso: string) => new Date(iso);
/** 10:00 to 11:00 on the test day */
const window: MaintenanceWindowRule = {
  starts_at: at('2026-11-22T10:00:00Z'),
  ends_at: at('2026-11-22T11:00:00Z'),
  cron: null,
  duration_seconds: null,
  timezone: 'UTC',
};
const inWindow = at('2026-11-22T10:30:00Z');
const outside = at('2026-11-22T12:00:00Z');
const periodEnd = at('2026-11-25T12:00:00Z');

const facts = (values: Partial<AlertFacts> = {}): AlertFacts => ({
  kind: 'transition',
  from_state: 'up',
  to_state: 'down',
  slot_time: outside,
  created_at: outside,
  check: {},
  deleted: false,
  current_state: 'down',
  expires_at: periodEnd,
  language_preference: 'en',
  windows: [],
  ...values,
});
const alert = (
  alert_type: AlertType,
  severity: Severity,
  extra: { language?: 'en' | 'es'; suppressed?: SuppressionReason } = {},
): AlertDecision => ({ outcome: 'alert', alert_type, severity, language: 'en', ...extra });
const skip = (reason: string): AlertDecision => ({ outcome: 'skip', reason });

describe('decideAlert', () => {
  /** [case, facts, decision] */
  const table: [string, AlertFacts, AlertDecision][] = [
    ['a subscription going down', facts(), alert('down', 'critical')],
    ['a recovery', facts({ from_state: 'down', to_state: 'up' }), alert('up', 'info')],
    ['degraded', facts({ to_state: 'degraded' }), alert('degraded', 'warning')],
    [
      'a new subscription coming up fine',
      facts({ from_state: 'unknown', to_state: 'up' }),
      skip('nothing to tell'),
    ],
    [
      'a new subscription down from the start',
      facts({ from_state: 'unknown' }),
      alert('down', 'critical'),
    ],
    ['its subscription deleted', facts({ deleted: true }), skip('subscription deleted')],
    [
      'deleted wins over anything else',
      facts({ deleted: true, from_state: 'unknown', to_state: 'up' }),
      skip('subscription deleted'),
    ],
    ['the change that starts flapping', facts({ kind: 'flapping' }), alert('flapping', 'warning')],
    [
      'a change while flapping is recorded, not sent',
      facts({ kind: 'held', to_state: 'up', from_state: 'down' }),
      alert('up', 'info', { suppressed: 'flapping' }),
    ],
    [
      'a held change not worth telling',
      facts({ kind: 'held', from_state: 'unknown', to_state: 'up' }),
      skip('nothing to tell'),
    ],
    [
      'the end of flapping',
      facts({ kind: 'stable', from_state: 'up', to_state: 'up', current_state: 'up' }),
      alert('stable', 'info'),
    ],
    [
      'a reminder while still down',
      facts({ kind: 'reminder', from_state: 'down' }),
      alert('reminder', 'critical'),
    ],
    [
      'a reminder after coming back',
      facts({ kind: 'reminder', from_state: 'down', current_state: 'up' }),
      skip('up again before the reminder went out'),
    ],
    [
      'a change in a maintenance window, by its slot',
      facts({ slot_time: inWindow, windows: [window] }),
      alert('down', 'critical', { suppressed: 'maintenance' }),
    ],
    [
      'a change raised in a window for a slot outside it',
      facts({ created_at: inWindow, windows: [window] }),
      alert('down', 'critical'),
    ],
    [
      'maintenance wins over flapping',
      facts({ kind: 'held', slot_time: inWindow, windows: [window] }),
      alert('down', 'critical', { suppressed: 'maintenance' }),
    ],
    [
      'a reminder raised in a window',
      facts({
        kind: 'reminder',
        from_state: 'down',
        slot_time: outside,
        created_at: inWindow,
        windows: [window],
      }),
      alert('reminder', 'critical', { suppressed: 'maintenance' }),
    ],
    [
      'an expiry notice',
      facts({
        kind: 'expiring',
        to_state: 'up',
        from_state: 'up',
        check: { expires_at: periodEnd.toISOString(), days_left: 3 },
      }),
      alert('expiring', 'warning'),
    ],
    [
      'an expiry notice in a maintenance window still goes out',
      facts({
        kind: 'expiring',
        from_state: 'up',
        to_state: 'up',
        created_at: inWindow,
        slot_time: inWindow,
        windows: [window],
        check: { expires_at: periodEnd.toISOString() },
      }),
      alert('expiring', 'warning'),
    ],
    [
      'an expiry notice after a renewal',
      facts({
        kind: 'expiring',
        check: { expires_at: periodEnd.toISOString() },
        expires_at: at('2026-12-25T12:00:00Z'),
      }),
      skip('renewed before the notice went out'),
    ],
    [
      'an expiry notice without its end',
      facts({ kind: 'expiring' }),
      skip('renewed before the notice went out'),
    ],
    [
      'in the owner’s language',
      facts({ language_preference: 'es' }),
      alert('down', 'critical', { language: 'es' }),
    ],
    [
      'an unsupported language falls back to English',
      facts({ language_preference: 'fr' }),
      alert('down', 'critical'),
    ],
  ];

  it.each(table)('%s', (_name, input, decision) => {
    expect(decideAlert(input)).toEqual(decision);
  });
});

describe('alert type and severity', () => {
  /** [kind, to_state, alert type, severity] */
  const table: [EventKind, MonitorState, AlertType, Severity][] = [
    ['transition', 'down', 'down', 'critical'],
    ['transition', 'degraded', 'degraded', 'warning'],
    ['transition', 'up', 'up', 'info'],
    ['held', 'down', 'down', 'critical'],
    ['flapping', 'down', 'flapping', 'warning'],
    ['reminder', 'down', 'reminder', 'critical'],
    ['stable', 'up', 'stable', 'info'],
    ['expiring', 'up', 'expiring', 'warning'],
  ];

  it.each(table)('%s to %s: %s, %s', (kind, to_state, type, severity) => {
    expect(alertTypeOf({ kind, to_state })).toBe(type);
    expect(severityOf(type)).toBe(severity);
  });
});

describe('suppressionOf', () => {
  /** [kind, slot, raised, windows, reason] */
  const table: [EventKind, Date, Date, MaintenanceWindowRule[], SuppressionReason | undefined][] = [
    ['transition', outside, outside, [window], undefined],
    ['transition', inWindow, outside, [window], 'maintenance'],
    ['flapping', inWindow, outside, [window], 'maintenance'],
    ['held', outside, outside, [], 'flapping'],
    ['held', inWindow, outside, [window], 'maintenance'],
    ['reminder', inWindow, outside, [window], undefined],
    ['reminder', outside, inWindow, [window], 'maintenance'],
    ['stable', outside, inWindow, [window], 'maintenance'],
    ['expiring', inWindow, inWindow, [window], undefined],
  ];

  it.each(table)('%s (slot %s, raised %s)', (kind, slot_time, created_at, windows, reason) => {
    expect(suppressionOf({ kind, slot_time, created_at }, windows)).toBe(reason);
  });
});

describe('languageOf', () => {
  it.each<[string | null | undefined, 'en' | 'es']>([
    ['en', 'en'],
    ['es', 'es'],
    ['fr', 'en'],
    ['ES', 'en'],
    ['', 'en'],
    [null, 'en'],
    [undefined, 'en'],
  ])('%s → %s', (preference, language) => {
    expect(languageOf(preference)).toBe(language);
  });
});
