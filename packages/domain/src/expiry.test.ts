import {
  EXPIRED_NOTICE_WINDOW_DAYS,
  expiryNoticeDue,
  noticeStillTrue,
  type ExpiryNotice,
} from './expiry';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = new Date('2026-11-22T12:00:00Z');
const later = (ms: number) => new Date(now.getTime() + ms);

describe('expiryNoticeDue', () => {
  /** [case, period ends in (ms), lead times already noticed, the notice due] */
  const table: [string, number, number[], ExpiryNotice | null][] = [
    ['more than 3 days left', 3 * DAY + HOUR, [], null],
    ['exactly 3 days left', 3 * DAY, [], { days_before: 3, days_left: 3 }],
    ['3 days less an hour', 3 * DAY - HOUR, [], { days_before: 3, days_left: 3 }],
    ['2 days left: the 3-day notice, saying 2', 2 * DAY, [], { days_before: 3, days_left: 2 }],
    ['36 hours left rounds to 2', 36 * HOUR, [], { days_before: 3, days_left: 2 }],
    ['the 3-day notice once', 2 * DAY, [3], null],
    ['exactly a day left', DAY, [3], { days_before: 1, days_left: 1 }],
    [
      '20 hours left: the 1-day notice, never the 3-day one',
      20 * HOUR,
      [],
      { days_before: 1, days_left: 1 },
    ],
    ['an hour left still says 1', HOUR, [3], { days_before: 1, days_left: 1 }],
    ['the 1-day notice once', 20 * HOUR, [3, 1], null],
    ['the 3-day notice is not due after the 1-day one', 2 * DAY, [1], null],
    ['the end itself: expired', 0, [3, 1], { days_before: 0, days_left: 0 }],
    ['ended a second ago', -1_000, [3, 1], { days_before: 0, days_left: 0 }],
    ['found ended: only the expired notice', -2 * DAY, [], { days_before: 0, days_left: 0 }],
    ['the expired notice once', -2 * DAY, [0], null],
    [
      'ended just inside the window',
      -EXPIRED_NOTICE_WINDOW_DAYS * DAY + 1,
      [],
      { days_before: 0, days_left: 0 },
    ],
    ['ended a whole window ago: no stale news', -EXPIRED_NOTICE_WINDOW_DAYS * DAY, [], null],
    ['ended long ago', -30 * DAY, [], null],
  ];

  it.each(table)('%s', (_name, endsIn, noticed, notice) => {
    expect(expiryNoticeDue(later(endsIn), now, noticed)).toEqual(notice);
  });
});

describe('noticeStillTrue', () => {
  const end = later(DAY);
  /** [case, the end the notice is about, the end now, still true] */
  const table: [string, unknown, Date | null, boolean][] = [
    ['the same end', end.toISOString(), end, true],
    ['renewed since: the end moved', end.toISOString(), later(31 * DAY), false],
    ['no end any more', end.toISOString(), null, false],
    ['a notice without its end', undefined, end, false],
    ['a notice with something else', 12, end, false],
  ];

  it.each(table)('%s', (_name, noticed, current, expected) => {
    expect(noticeStillTrue(noticed, current)).toBe(expected);
  });
});
