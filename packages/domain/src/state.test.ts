import {
  applyResult,
  awaitingConfirmation,
  isAlertable,
  type CheckStatus,
  type MonitorSnapshot,
  type MonitorState,
} from './state';

const t0 = Date.parse('2026-11-22T00:00:00Z');
const slot = (n: number) => new Date(t0 + n * 60_000);
const snap = (
  state: MonitorState,
  failures = 0,
  successes = 0,
  last: number | null = 0,
): MonitorSnapshot => ({
  state,
  consecutive_failures: failures,
  consecutive_successes: successes,
  last_scheduled_at: last === null ? null : slot(last),
});

/** [case, from, thresholds [failure, recovery], result at slot 1, expected state, transition?] */
const table: [string, MonitorSnapshot, [number, number], CheckStatus, MonitorState, boolean][] = [
  ['first success of a new subscription', snap('unknown', 0, 0, null), [2, 1], 'up', 'up', true],
  [
    'first failure below the threshold',
    snap('unknown', 0, 0, null),
    [2, 1],
    'down',
    'unknown',
    false,
  ],
  ['first failure with threshold 1', snap('unknown', 0, 0, null), [1, 1], 'down', 'down', true],
  ['first result degraded', snap('unknown', 0, 0, null), [2, 1], 'degraded', 'degraded', true],
  ['up stays up', snap('up', 0, 5), [2, 1], 'up', 'up', false],
  ['one failure under threshold 3', snap('up', 1, 0), [3, 1], 'down', 'up', false],
  ['failure reaching threshold 3', snap('up', 2, 0), [3, 1], 'down', 'down', true],
  [
    'degraded then failure reaching threshold',
    snap('degraded', 1, 0),
    [2, 1],
    'down',
    'down',
    true,
  ],
  ['down stays down', snap('down', 4, 0), [2, 1], 'down', 'down', false],
  ['one success under recovery 2', snap('down', 3, 0), [2, 2], 'up', 'down', false],
  ['success reaching recovery 2', snap('down', 0, 1), [2, 2], 'up', 'up', true],
  ['recovery into degraded', snap('down', 0, 1), [2, 2], 'degraded', 'degraded', true],
  ['degraded counts toward recovery', snap('down', 0, 0), [2, 1], 'degraded', 'degraded', true],
  ['up becomes degraded at once', snap('up', 0, 3), [2, 1], 'degraded', 'degraded', true],
  ['degraded becomes up at once', snap('degraded', 0, 3), [2, 1], 'up', 'up', true],
];

describe('applyResult', () => {
  it.each(table)(
    '%s',
    (_name, current, [failure_threshold, recovery_threshold], status, expected, changes) => {
      const { next, transition, applied } = applyResult(
        current,
        { failure_threshold, recovery_threshold },
        { status, slot: slot(1) },
      );
      expect(applied).toBe(true);
      expect(next.state).toBe(expected);
      expect(next.last_scheduled_at).toEqual(slot(1));
      expect(transition).toEqual(changes ? { from: current.state, to: expected } : null);
    },
  );

  it('counts failures and successes and resets the other', () => {
    const afterFail = applyResult(
      snap('up', 0, 4),
      { failure_threshold: 3, recovery_threshold: 1 },
      { status: 'down', slot: slot(1) },
    );
    expect(afterFail.next).toMatchObject({ consecutive_failures: 1, consecutive_successes: 0 });
    const afterOk = applyResult(
      afterFail.next,
      { failure_threshold: 3, recovery_threshold: 1 },
      { status: 'degraded', slot: slot(2) },
    );
    expect(afterOk.next).toMatchObject({ consecutive_failures: 0, consecutive_successes: 1 });
  });

  it.each([
    ['an older slot', -1],
    ['the same slot again', 0],
  ])('ignores %s', (_name, offset) => {
    const current = snap('up', 0, 3, 5);
    const result = applyResult(
      current,
      { failure_threshold: 1, recovery_threshold: 1 },
      { status: 'down', slot: slot(5 + offset) },
    );
    expect(result).toEqual({ next: current, transition: null, applied: false });
  });

  it('walks a whole outage: one event down, one event up', () => {
    const statuses: CheckStatus[] = [
      'up',
      'up',
      'down',
      'up',
      'down',
      'down',
      'down',
      'up',
      'down',
      'up',
      'up',
      'up',
    ];
    let current = snap('unknown', 0, 0, null);
    const transitions: string[] = [];
    statuses.forEach((status, i) => {
      const r = applyResult(
        current,
        { failure_threshold: 2, recovery_threshold: 2 },
        { status, slot: slot(i + 1) },
      );
      if (r.transition) transitions.push(`${r.transition.from}->${r.transition.to}@${i + 1}`);
      current = r.next;
    });
    expect(transitions).toEqual(['unknown->up@1', 'up->down@6', 'down->up@11']);
  });
});

describe('isAlertable', () => {
  it.each([
    ['unknown', 'up', false],
    ['unknown', 'down', true],
    ['unknown', 'degraded', true],
    ['up', 'down', true],
    ['down', 'up', true],
    ['up', 'degraded', true],
    ['degraded', 'up', true],
    ['down', 'degraded', true],
    ['up', 'up', false],
  ] as const)('%s → %s: %s', (from, to, expected) => {
    expect(isAlertable({ from, to })).toBe(expected);
  });
});

describe('runs and confirmation', () => {
  const thresholds = { failure_threshold: 3, recovery_threshold: 2 };
  /** applies statuses at slots 1, 2, …; returns every snapshot */
  const run = (statuses: CheckStatus[], start = snap('up', 0, 5)) => {
    let current = start;
    return statuses.map((status, i) => {
      current = applyResult(current, thresholds, { status, slot: slot(i + 1) }).next;
      return current;
    });
  };

  it('dates a down period from its first failed check, and a recovery from its first success', () => {
    const snapshots = run(['up', 'down', 'down', 'down', 'down', 'up', 'up']);
    // slot 4 reached the threshold: down since slot 2
    expect(snapshots[3]).toMatchObject({ state: 'down', streak_since: slot(2) });
    expect(snapshots[4]).toMatchObject({ state: 'down', streak_since: slot(2) });
    // slot 7 reached the recovery threshold: up since slot 6
    expect(snapshots[6]).toMatchObject({ state: 'up', streak_since: slot(6) });
  });

  it.each([
    ['one failure below the threshold', snap('up', 1, 0), true],
    ['failures at the threshold (down now)', snap('down', 3, 0), false],
    ['up and passing', snap('up', 0, 4), false],
    ['a new subscription failing once', snap('unknown', 1, 0), true],
    ['degraded, then a failure', snap('degraded', 1, 0), true],
    ['down, one success below recovery 2', snap('down', 0, 1), true],
    ['down, still failing', snap('down', 5, 0), false],
  ] as const)('%s: awaiting confirmation %s', (_name, snapshot, expected) => {
    expect(awaitingConfirmation(snapshot, thresholds)).toBe(expected);
  });

  it('never waits with a threshold of 1: the first failure decides', () => {
    expect(
      awaitingConfirmation(snap('up', 1, 0), { failure_threshold: 1, recovery_threshold: 1 }),
    ).toBe(false);
    expect(
      awaitingConfirmation(snap('down', 0, 1), { failure_threshold: 1, recovery_threshold: 1 }),
    ).toBe(false);
  });

  it('a passing confirmation ends the wait without a change of state', () => {
    const [failed, passed] = run(['down', 'up']);
    expect(awaitingConfirmation(failed!, thresholds)).toBe(true);
    expect(passed).toMatchObject({ state: 'up', consecutive_failures: 0 });
    expect(awaitingConfirmation(passed!, thresholds)).toBe(false);
  });
});
