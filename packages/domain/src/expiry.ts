/**
 * Notices that a paid period ends soon or has ended. Pure: the scheduler selects and raises them
 * at scale in SQL (packages/db rules.raiseExpiryNotices), which takes these lead times and
 * mirrors {@link expiryNoticeDue}; the alerter applies {@link noticeStillTrue} when one is sent.
 */

/** Lead times, in days before the end, most urgent first; 0 is the notice that it has ended. */
export const EXPIRY_NOTICE_DAYS = [0, 1, 3] as const;
export type ExpiryNoticeDays = (typeof EXPIRY_NOTICE_DAYS)[number];

/**
 * How long after a period ended its 'expired' notice may still go out (e.g. after the
 * scheduler was down for a while). Periods that ended longer ago get no notice at all, so
 * neither a long outage nor the first run of this rule floods owners with stale news.
 */
export const EXPIRED_NOTICE_WINDOW_DAYS = 7;

const DAY = 86_400_000;

export interface ExpiryNotice {
  days_before: ExpiryNoticeDays;
  /** whole days left, rounded, at least 1 before the end; 0 once it has passed */
  days_left: number;
}

/**
 * The notice due at `now` for a period ending at `expiresAt`, given the lead times already
 * noticed for that same end (`noticed`); null when none is. Only the most urgent lead time
 * that is due is noticed, and none once a more urgent one was: a period bought with 20 hours
 * left gets the 1-day notice and never the 3-day one; one found ended gets only the 0 notice,
 * and only within {@link EXPIRED_NOTICE_WINDOW_DAYS} of its end. A renewal moves the end, and
 * the new period starts with nothing noticed.
 */
export function expiryNoticeDue(
  expiresAt: Date,
  now: Date,
  noticed: readonly number[],
): ExpiryNotice | null {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= -EXPIRED_NOTICE_WINDOW_DAYS * DAY) return null;
  const days_before = EXPIRY_NOTICE_DAYS.find((days) => left <= days * DAY);
  if (days_before === undefined) return null;
  if (noticed.some((days) => days <= days_before)) return null;
  return { days_before, days_left: days_before === 0 ? 0 : Math.max(1, Math.round(left / DAY)) };
}

/**
 * Whether a notice raised for the period ending at `noticedEnd` (as the notice carries it, ISO
 * text) is still about the subscription's period, which ends at `currentEnd`: not once a
 * renewal has moved the end. Both sides hold whole milliseconds.
 */
export function noticeStillTrue(noticedEnd: unknown, currentEnd: Date | null): boolean {
  return (
    typeof noticedEnd === 'string' &&
    currentEnd !== null &&
    Date.parse(noticedEnd) === currentEnd.getTime()
  );
}
