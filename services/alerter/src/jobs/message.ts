import type { AlertEventContext } from '@lighthouse/db';
import { describeTarget, isTargetType, type Language } from '@lighthouse/domain';
import type { AlertEvent, AlertMessage } from '@lighthouse/channels';

/** The channel-neutral message for a state event. Names the target without secrets. */
export function buildMessage(
  context: AlertEventContext,
  downtimeMs: number | null,
  language: Language,
): AlertMessage {
  const check = context.check as {
    time?: string;
    status?: string;
    http_status?: number | null;
    response_time_ms?: number | null;
    error?: string | null;
    error_category?: string | null;
  };
  return {
    event_id: context.event_id,
    event: `subscription.${context.to_state}` as AlertEvent,
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
    downtime_ms: context.to_state === 'down' ? null : downtimeMs,
    language,
  };
}
