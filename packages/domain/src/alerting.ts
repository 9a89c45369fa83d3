import { LANGUAGES, type Language } from './channels';
import { noticeStillTrue } from './expiry';
import { inMaintenance, type MaintenanceWindowRule } from './maintenance';
import { reminderStillTrue } from './reminders';
import { isAlertable, type MonitorState } from './state';

/**
 * What the alerter makes of a state event: whether it becomes an alert, of which type and
 * severity, in which language, and whether it is recorded without being sent. Pure: the
 * alerter reads the event, its subscription and maintenance windows, and writes what
 * {@link decideAlert} says.
 */

/**
 * What a state event is: a state change ('transition'), the change that started flapping
 * ('flapping'), a change while flapping ('held'), a reminder while down ('reminder'), the
 * end of flapping ('stable'), or a notice that the paid period ends soon or has ended
 * ('expiring').
 */
export type EventKind = 'transition' | 'flapping' | 'held' | 'reminder' | 'stable' | 'expiring';

/** State changes, as opposed to reminders, the end of flapping and expiry notices. */
export function isStateChange(kind: EventKind): boolean {
  return kind === 'transition' || kind === 'flapping' || kind === 'held';
}

export type Severity = 'critical' | 'warning' | 'info';
export type AlertType = MonitorState | Exclude<EventKind, 'transition' | 'held'>;
export type SuppressionReason = 'maintenance' | 'flapping';

/** An alert's type: the new state for a change (held or not), else the event's kind. */
export function alertTypeOf(event: { kind: EventKind; to_state: MonitorState }): AlertType {
  return event.kind === 'transition' || event.kind === 'held' ? event.to_state : event.kind;
}

const SEVERITY: Record<AlertType, Severity> = {
  down: 'critical',
  reminder: 'critical',
  degraded: 'warning',
  flapping: 'warning',
  expiring: 'warning',
  up: 'info',
  stable: 'info',
  unknown: 'info',
};

export function severityOf(type: AlertType): Severity {
  return SEVERITY[type];
}

/** The language of a message for `preference` (a channel's, an owner's): English unless supported. */
export function languageOf(preference: string | null | undefined): Language {
  return LANGUAGES.find((l) => l === preference) ?? 'en';
}

/**
 * Why an event is recorded without being sent, if it is: it falls in a maintenance window (a
 * change by its slot, anything else by when it was raised), or it is a change held while
 * flapping. Expiry notices always go out: they are about billing, not health.
 */
export function suppressionOf(
  event: { kind: EventKind; slot_time: Date; created_at: Date },
  windows: readonly MaintenanceWindowRule[],
): SuppressionReason | undefined {
  if (event.kind === 'expiring') return undefined;
  const at = isStateChange(event.kind) ? event.slot_time : event.created_at;
  if (inMaintenance(windows, at)) return 'maintenance';
  return event.kind === 'held' ? 'flapping' : undefined;
}

/** What {@link decideAlert} reads: the event and its subscription as they are now. */
export interface AlertFacts {
  kind: EventKind;
  from_state: MonitorState;
  to_state: MonitorState;
  slot_time: Date;
  created_at: Date;
  /** the event's check; an expiry notice's carries the period end it is about */
  check: Record<string, unknown>;
  deleted: boolean;
  /** the subscription's state now, which may have moved on since the event */
  current_state: MonitorState;
  /** the end of the paid period now, which a renewal may have moved */
  expires_at: Date | null;
  /** the owner's language */
  language_preference: string;
  /** the subscription's maintenance windows */
  windows: readonly MaintenanceWindowRule[];
}

export type AlertDecision =
  /** no alert at all, and why */
  | { outcome: 'skip'; reason: string }
  | {
      outcome: 'alert';
      alert_type: AlertType;
      severity: Severity;
      language: Language;
      /** set: recorded, not sent */
      suppressed?: SuppressionReason;
    };

/**
 * An event becomes no alert when its subscription was deleted, when it is a change not worth
 * telling (see isAlertable), a reminder for a subscription that came back meanwhile, or a
 * notice for a period a renewal has since moved. Any other becomes an alert, in the owner's
 * language, suppressed when {@link suppressionOf} says so.
 */
export function decideAlert(facts: AlertFacts): AlertDecision {
  const skip = (reason: string): AlertDecision => ({ outcome: 'skip', reason });
  if (facts.deleted) return skip('subscription deleted');
  if (isStateChange(facts.kind) && !isAlertable({ from: facts.from_state, to: facts.to_state }))
    return skip('nothing to tell');
  if (facts.kind === 'reminder' && !reminderStillTrue(facts.current_state))
    return skip('up again before the reminder went out');
  if (facts.kind === 'expiring' && !noticeStillTrue(facts.check.expires_at, facts.expires_at))
    return skip('renewed before the notice went out');
  const alert_type = alertTypeOf(facts);
  const suppressed = suppressionOf(facts, facts.windows);
  return {
    outcome: 'alert',
    alert_type,
    severity: severityOf(alert_type),
    language: languageOf(facts.language_preference),
    ...(suppressed ? { suppressed } : {}),
  };
}
