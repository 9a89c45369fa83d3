import type { heartbeats } from '@lighthouse/db';
import type { HeartbeatTarget } from '@lighthouse/domain';
import type { CheckResult, CheckRunner, SlotContext } from './types';

/**
 * A push check, judged at each slot from the last ping the API recorded: a ping within the
 * interval (check_frequency_seconds) plus grace_seconds before the slot decides (up, or down
 * with the ping's message when it said status=down); none → down. A subscription that was
 * never pinged records nothing until its first deadline (created + interval + grace) passes:
 * its state stays unknown rather than showing a failure nobody could have prevented yet.
 */
export const runHeartbeatCheck: CheckRunner<HeartbeatTarget, SlotContext> = async (config, ctx) => {
  const state = await ctx.history.lastPing();
  if (!state) {
    return verdict(
      'down',
      'internal',
      'no push URL: issue one with POST /v1/subscriptions/:id/push-token',
    );
  }
  return judgeHeartbeat(config, state, ctx.slot);
};

/** The verdict at `slot` for the last ping in `state`. Pure, for the runner and its tests. */
export function judgeHeartbeat(
  config: HeartbeatTarget,
  state: heartbeats.HeartbeatState,
  slot: Date,
): CheckResult {
  const windowMs = (state.check_frequency_seconds + config.grace_seconds) * 1000;
  const expected = `within ${state.check_frequency_seconds} s + ${config.grace_seconds} s grace`;
  const { last_ping_at: last } = state;
  if (last !== null && slot.getTime() - last.getTime() <= windowMs) {
    if (state.last_status === 'down') {
      return verdict(
        'down',
        'status',
        `reported down${state.last_message ? `: ${state.last_message}` : ''}`,
      );
    }
    return verdict('up', null, null);
  }
  if (last !== null) {
    return verdict(
      'down',
      'timeout',
      `no ping ${expected}; the last came ${ago(slot, last)} before this check`,
    );
  }
  if (slot.getTime() - state.created_at.getTime() <= windowMs) {
    return {
      ...verdict('up', null, null),
      skip: 'no ping yet, and the first deadline has not passed',
    };
  }
  return verdict(
    'down',
    'timeout',
    `never pinged: no ping ${expected} since the push URL was issued`,
  );
}

function verdict(
  status: 'up' | 'down',
  category: CheckResult['error_category'],
  message: string | null,
): CheckResult {
  return {
    status,
    response_time_ms: null,
    http_status: null,
    timings: null,
    error_category: category,
    error_message: message,
    body_excerpt: null,
  };
}

function ago(now: Date, then: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${Math.round(seconds / 3_600)} h`;
  return `${Math.round(seconds / 86_400)} days`;
}
