/**
 * Slot arithmetic. A subscription's slots are the instants `offset + k * interval`
 * (epoch milliseconds); the offset comes from a hash of its id, so subscriptions
 * with one interval spread over it instead of all firing at :00, and every
 * scheduler replica computes the same slots.
 */

/** A stable offset inside the interval, from the first 32 bits of the uuid. */
export function slotOffsetMs(subscriptionId: string, intervalMs: number): number {
  const head = Number.parseInt(subscriptionId.replace(/-/g, '').slice(0, 8), 16);
  return (Number.isNaN(head) ? 0 : head) % intervalMs;
}

/** The latest slot at or before `atMs`. */
export function slotAtOrBefore(atMs: number, intervalMs: number, offsetMs: number): number {
  return offsetMs + Math.floor((atMs - offsetMs) / intervalMs) * intervalMs;
}

export interface PlannedSlot {
  /** the slot to check now (epoch ms) */
  slot: number;
  /** the next slot after it: the new `next_check_at` */
  next: number;
  /** whole slots skipped because the subscription fell behind */
  skipped: number;
}

/**
 * Given a due subscription, the slot to enqueue and its successor. A subscription
 * that fell more than one interval behind (scheduler down, Redis flushed) skips to
 * its latest slot instead of bursting through the missed ones. A `next_check_at`
 * off the grid is checked at once, then joins the grid: a new subscription at the first
 * slot a whole interval later (never two checks within one interval), a confirmation
 * check (`confirmation`, a retry after a failure) at the slot it was brought forward from.
 */
export function planSlot(
  nextCheckAtMs: number,
  nowMs: number,
  intervalMs: number,
  offsetMs: number,
  confirmation = false,
): PlannedSlot {
  let slot = nextCheckAtMs;
  let skipped = 0;
  if (nowMs - nextCheckAtMs >= intervalMs) {
    slot = slotAtOrBefore(nowMs, intervalMs, offsetMs);
    skipped = Math.max(0, Math.floor((slot - nextCheckAtMs) / intervalMs));
  }
  const next =
    confirmation && slot === nextCheckAtMs
      ? slotAtOrBefore(slot, intervalMs, offsetMs) + intervalMs
      : slotAtOrAfter(slot + intervalMs, intervalMs, offsetMs);
  return { slot, next, skipped };
}

/** The earliest slot at or after `atMs`. */
export function slotAtOrAfter(atMs: number, intervalMs: number, offsetMs: number): number {
  return offsetMs + Math.ceil((atMs - offsetMs) / intervalMs) * intervalMs;
}

/**
 * Where a subscription's schedule resumes after a pause or a change of interval, at `nowMs`:
 * on its grid, and never sooner than one interval after the slot it last had enqueued, so
 * pausing and resuming (or changing the interval back and forth) never buys a check sooner
 * than the grid allows. `nextCheckAtMs` is the stored next slot: the scheduler keeps it one
 * interval (`previousIntervalMs`) after the last slot it enqueued.
 */
export function resumeSlot(options: {
  nowMs: number;
  nextCheckAtMs: number;
  previousIntervalMs: number;
  intervalMs: number;
  offsetMs: number;
}): number {
  const { nowMs, nextCheckAtMs, previousIntervalMs, intervalMs, offsetMs } = options;
  const lastEnqueued = nextCheckAtMs - previousIntervalMs;
  return slotAtOrAfter(Math.max(nowMs, lastEnqueued + intervalMs), intervalMs, offsetMs);
}
