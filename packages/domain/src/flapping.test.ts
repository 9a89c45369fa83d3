import {
  classifyChanges,
  earlierChangesSince,
  flappingOver,
  watchesFlapping,
  type ChangeVerdict,
  type FlappingSettings,
} from './flapping';

const t0 = Date.parse('2026-11-22T12:00:00Z');
/** `n` minutes after t0 */
const min = (n: number) => new Date(t0 + n * 60_000);
const settings = (
  threshold: number | null,
  windowMinutes = 10,
  since: Date | null = null,
): FlappingSettings => ({
  flapping_threshold: threshold,
  flapping_window_minutes: windowMinutes,
  flapping_since: since,
});
const T: ChangeVerdict = { kind: 'transition' };
const H: ChangeVerdict = { kind: 'held' };
const F = (transitions: number, window_minutes = 10): ChangeVerdict => ({
  kind: 'flapping',
  transitions,
  window_minutes,
});

describe('classifyChanges', () => {
  /** [case, settings, earlier changes (minutes), new changes (minutes), verdicts, started at] */
  const table: [string, FlappingSettings, number[], number[], ChangeVerdict[], number | null][] = [
    [
      'detection off: every change is a transition',
      settings(null),
      [1, 2, 3],
      [4, 5],
      [T, T],
      null,
    ],
    ['below the threshold', settings(3), [1], [5], [T], null],
    ['the change that reaches the threshold starts flapping', settings(3), [1, 2], [5], [F(3)], 5],
    ['changes after the one that starts it are held', settings(2), [], [1, 2, 3], [T, F(2), H], 2],
    [
      'earlier changes out of the window do not count',
      settings(3),
      [-20, -15],
      [1, 2],
      [T, T],
      null,
    ],
    // the window ending at a change's slot holds what is strictly after slot − window
    ['a change exactly one window older does not count', settings(2), [0], [10], [T], null],
    ['a change just inside the window counts', settings(2), [0.5], [10], [F(2)], 10],
    [
      'the count is of the window ending at each change',
      settings(3),
      [],
      [0, 5, 12, 14],
      [T, T, T, F(3)],
      14,
    ],
    ['another window length', settings(2, 30), [0], [25], [F(2, 30)], 25],
    ['while flapping every change is held', settings(2, 10, min(-1)), [], [1, 30], [H, H], null],
    [
      'while flapping with detection since turned off',
      settings(null, 10, min(-1)),
      [],
      [1],
      [H],
      null,
    ],
    ['threshold 1: the first change starts it', settings(1), [], [1, 2], [F(1), H], 1],
  ];

  it.each(table)('%s', (_name, s, earlier, changes, verdicts, started) => {
    const result = classifyChanges(s, earlier.map(min), changes.map(min));
    expect(result.verdicts).toEqual(verdicts);
    expect(result.started).toEqual(started === null ? null : min(started));
  });
});

describe('which changes are watched, and which earlier ones are needed', () => {
  /** [case, settings, watched, earlier changes needed since (minutes before the first)] */
  const table: [string, FlappingSettings, boolean, number | null][] = [
    ['detection off', settings(null), false, null],
    ['detection on', settings(3, 10), true, 10],
    ['a longer window', settings(3, 45), true, 45],
    ['already flapping: all held, nothing to count', settings(3, 10, min(0)), true, null],
    ['flapping with detection off since', settings(null, 10, min(0)), true, null],
  ];

  it.each(table)('%s', (_name, s, watched, before) => {
    expect(watchesFlapping(s)).toBe(watched);
    expect(earlierChangesSince(s, min(100))).toEqual(before === null ? null : min(100 - before));
  });
});

describe('flappingOver', () => {
  /** [case, flapping since, window, last change (minutes), now (minutes), over] */
  const table: [string, Date | null, number, number | null, number, boolean][] = [
    ['not flapping', null, 10, null, 60, false],
    ['a change within the window', min(0), 10, 55, 60, false],
    ['the last change exactly one window old', min(0), 10, 50, 60, true],
    ['the last change older than the window', min(0), 10, 20, 60, true],
    ['no change recorded at all', min(0), 10, null, 60, true],
    ['a longer window', min(0), 30, 40, 60, false],
  ];

  it.each(table)('%s', (_name, since, windowMinutes, last, now, over) => {
    const s = { flapping_since: since, flapping_window_minutes: windowMinutes };
    expect(flappingOver(s, last === null ? null : min(last), min(now))).toBe(over);
  });
});
