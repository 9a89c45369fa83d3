/** What a subscription's monitoring state is, and how one check result moves it. Pure: no I/O. */
export type MonitorState = 'unknown' | 'up' | 'down' | 'degraded';
export type CheckStatus = 'up' | 'down' | 'degraded';

export interface MonitorSnapshot {
  state: MonitorState;
  consecutive_failures: number;
  consecutive_successes: number;
  /** the newest slot already applied; results for it or older slots change nothing */
  last_scheduled_at: Date | null;
  /**
   * The slot of the first result of the current run of failures (or of reachable results):
   * when a down period began, counted from its first failed check rather than the one that
   * reached the threshold, and likewise when a recovery began.
   */
  streak_since?: Date | null;
}

export interface Thresholds {
  /** consecutive down results that take a subscription down */
  failure_threshold: number;
  /** consecutive reachable (up or degraded) results that bring it back from down */
  recovery_threshold: number;
}

export interface Transition {
  from: MonitorState;
  to: MonitorState;
}

export interface Applied {
  next: MonitorSnapshot;
  /** set when the state changed */
  transition: Transition | null;
  /** false when the result was for a slot no newer than the last applied one */
  applied: boolean;
}

/**
 * Applies one result:
 * - a down result counts a failure; `failure_threshold` in a row take any other state down;
 * - up and degraded results count as reachable; leaving down takes `recovery_threshold` of
 *   them in a row, and the state becomes the latest result's (up or degraded);
 * - outside down, a reachable result sets the state at once (unknown → up, up ↔ degraded);
 * - a result for a slot at or before `last_scheduled_at` is ignored (slots apply in order).
 */
export function applyResult(
  current: MonitorSnapshot,
  thresholds: Thresholds,
  result: { status: CheckStatus; slot: Date },
): Applied {
  if (current.last_scheduled_at && result.slot.getTime() <= current.last_scheduled_at.getTime()) {
    return { next: current, transition: null, applied: false };
  }
  const failed = result.status === 'down';
  const consecutive_failures = failed ? current.consecutive_failures + 1 : 0;
  const consecutive_successes = failed ? 0 : current.consecutive_successes + 1;

  const startsRun = failed ? consecutive_failures === 1 : consecutive_successes === 1;
  const streak_since = startsRun ? result.slot : (current.streak_since ?? result.slot);

  let state: MonitorState = current.state;
  if (failed) {
    if (current.state !== 'down' && consecutive_failures >= thresholds.failure_threshold)
      state = 'down';
  } else if (current.state === 'down') {
    if (consecutive_successes >= thresholds.recovery_threshold) state = result.status;
  } else {
    state = result.status;
  }

  return {
    next: {
      state,
      consecutive_failures,
      consecutive_successes,
      last_scheduled_at: result.slot,
      streak_since,
    },
    transition: state === current.state ? null : { from: current.state, to: state },
    applied: true,
  };
}

/**
 * Whether a transition is worth telling people about: every change except a new
 * subscription's first result coming back fine (unknown → up). A target that is
 * down or degraded from the start is alerted.
 */
export function isAlertable(transition: Transition): boolean {
  if (transition.from === transition.to || transition.to === 'unknown') return false;
  return !(transition.from === 'unknown' && transition.to === 'up');
}

/**
 * Whether the state is waiting for confirmation: failures below the failure threshold (a
 * down alert may be coming) or, while down, reachable results below the recovery threshold.
 * Such a subscription is checked again after its retry interval rather than its next slot
 * (Uptime Kuma's retries, Checkly's retry), so an outage is confirmed in seconds.
 */
export function awaitingConfirmation(snapshot: MonitorSnapshot, thresholds: Thresholds): boolean {
  if (snapshot.state === 'down') {
    return (
      snapshot.consecutive_successes > 0 &&
      snapshot.consecutive_successes < thresholds.recovery_threshold
    );
  }
  return (
    snapshot.consecutive_failures > 0 &&
    snapshot.consecutive_failures < thresholds.failure_threshold
  );
}
