import { alerts, type AlertEventContext, type Db } from '@lighthouse/db';
import { describeTarget, isStateChange, isTargetType, type Language } from '@lighthouse/domain';
import type { AlertEvent, AlertMessage, RegionResult } from '@lighthouse/channels';

interface CheckJson {
  time?: string;
  status?: string;
  http_status?: number | null;
  response_time_ms?: number | null;
  error?: string | null;
  error_category?: string | null;
  flapping?: { transitions: number; window_minutes: number };
  /** when the new state's run began (checker: recordResults) */
  since?: string;
  /** for a subscription checked from several regions: each region's result, sorted by region */
  regions?: unknown;
}

const REGION_STATUSES = new Set<unknown>(['up', 'down', 'degraded', 'missing']);

/**
 * The regions a check names, as the message carries them: [] when it names none. An entry
 * without a region name or with an unknown status is left out; other fields missing read as null.
 */
function regionsOf(check: CheckJson): RegionResult[] {
  if (!Array.isArray(check.regions)) return [];
  return check.regions.flatMap((entry: unknown): RegionResult[] => {
    if (typeof entry !== 'object' || entry === null) return [];
    const r = entry as Record<string, unknown>;
    if (typeof r.region !== 'string' || !REGION_STATUSES.has(r.status)) return [];
    return [
      {
        region: r.region,
        status: r.status as RegionResult['status'],
        error: typeof r.error === 'string' ? r.error : null,
        response_time_ms: typeof r.response_time_ms === 'number' ? r.response_time_ms : null,
      },
    ];
  });
}

/** What an 'expiring' event carries in `check` (packages/db rules.raiseExpiryNotices). */
interface ExpiryJson {
  expires_at?: string;
  days_left?: number;
}

/** Whole days left in the period an 'expiring' event is about; 0 once it has ended. */
function daysLeft(context: Pick<AlertEventContext, 'check'>): number {
  const days = (context.check as ExpiryJson).days_left;
  return typeof days === 'number' && days > 0 ? days : 0;
}

/**
 * The message's kind and webhook event name for a state event. An expiry notice is
 * 'subscription.expiring' ahead of the end and 'subscription.expired' once it has passed.
 */
export function messageKind(context: Pick<AlertEventContext, 'kind' | 'to_state' | 'check'>): {
  kind: NonNullable<AlertMessage['kind']>;
  event: AlertEvent;
} {
  switch (context.kind) {
    case 'reminder':
    case 'flapping':
    case 'stable':
      return { kind: context.kind, event: `subscription.${context.kind}` };
    case 'expiring':
      return {
        kind: 'expiring',
        event: daysLeft(context) > 0 ? 'subscription.expiring' : 'subscription.expired',
      };
    default:
      return { kind: 'transition', event: `subscription.${context.to_state}` as AlertEvent };
  }
}

/**
 * The channel-neutral message for a state event. Names the target without secrets, and the
 * regions the check was made from ([] when it names none).
 * `check` stands in for the event's own when the event carries none (reminders and the
 * end of flapping describe the newest check); `downtimeMs` is how long the target was
 * (or, for reminders, has been) down.
 */
export function buildMessage(
  context: AlertEventContext,
  options: { downtimeMs: number | null; check?: Record<string, unknown> },
  language: Language,
): AlertMessage {
  const own = context.check as CheckJson;
  const check = (Object.keys(own).length > 0 ? own : (options.check ?? {})) as CheckJson;
  const { kind, event } = messageKind(context);
  return {
    event_id: context.event_id,
    event,
    kind,
    subscription_id: context.subscription_id,
    name: context.name,
    target: isTargetType(context.target_type)
      ? describeTarget(context.target_type, context.target_config)
      : context.target_type,
    from_state: context.from_state,
    to_state: context.to_state,
    check: {
      time: check.time ?? context.slot_time.toISOString(),
      status: check.status ?? context.to_state,
      http_status: check.http_status ?? null,
      response_time_ms: check.response_time_ms ?? null,
      error: check.error ?? null,
      error_category: check.error_category ?? null,
    },
    ...(kind === 'flapping' && own.flapping ? { flapping: own.flapping } : {}),
    ...(kind === 'expiring'
      ? {
          expiry: {
            expires_at:
              (own as ExpiryJson).expires_at ??
              context.expires_at?.toISOString() ??
              context.slot_time.toISOString(),
            days_left: daysLeft(context),
            tier: context.tier,
          },
        }
      : {}),
    regions: regionsOf(check),
    downtime_ms: options.downtimeMs,
    ...(isStateChange(context.kind) && typeof own.since === 'string' ? { since: own.since } : {}),
    language,
  };
}

/** {@link buildMessage} with what it needs read from the database. */
export async function composeMessage(
  db: Db,
  context: AlertEventContext,
  language: Language,
): Promise<AlertMessage> {
  const change = isStateChange(context.kind);
  return buildMessage(
    context,
    {
      downtimeMs: await downtime(db, context),
      check:
        change || context.kind === 'expiring'
          ? undefined
          : await alerts.latestCheck(db, context.subscription_id),
    },
    language,
  );
}

/** For recoveries: how long the closed incident lasted; for reminders: how long so far. */
async function downtime(db: Db, context: AlertEventContext): Promise<number | null> {
  if (context.kind === 'reminder') {
    const start = await alerts.openIncidentStart(db, context.subscription_id);
    return start ? Math.max(0, context.created_at.getTime() - start.getTime()) : null;
  }
  if (context.from_state !== 'down' || context.to_state === 'down') return null;
  return alerts.downtimeClosedBy(db, context.event_id);
}
