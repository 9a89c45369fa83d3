import {
  parseQuorum,
  quorumSize,
  slotVerdict,
  type Quorum,
  type RegionReport,
  type VerdictKind,
} from './regions';
import type { CheckStatus } from './state';

const THREE = ['eu-west', 'us-east', 'ap-south'];
const r = (region: string, status: CheckStatus): RegionReport => ({ region, status });

/** [case, regions, quorum, reports, deadline passed, verdict, missing, failed] */
const table: [
  string,
  string[],
  Quorum,
  RegionReport[],
  boolean,
  VerdictKind,
  string[],
  string[],
][] = [
  // every region reported: decided at once
  [
    'all up',
    THREE,
    'majority',
    [r('eu-west', 'up'), r('us-east', 'up'), r('ap-south', 'up')],
    false,
    'up',
    [],
    [],
  ],
  [
    'split: one of three down is not a majority',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'up'), r('ap-south', 'up')],
    false,
    'up',
    [],
    ['eu-west'],
  ],
  [
    'two of three down is a majority',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'down'), r('ap-south', 'up')],
    false,
    'down',
    [],
    ['eu-west', 'us-east'],
  ],
  [
    'one down and one degraded make a degraded majority',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'degraded'), r('ap-south', 'up')],
    false,
    'degraded',
    [],
    ['eu-west', 'us-east'],
  ],
  [
    'any: one region down is enough',
    THREE,
    'any',
    [r('eu-west', 'up'), r('us-east', 'down'), r('ap-south', 'up')],
    false,
    'down',
    [],
    ['us-east'],
  ],
  [
    'all: two of three down is not all',
    THREE,
    'all',
    [r('eu-west', 'down'), r('us-east', 'down'), r('ap-south', 'up')],
    false,
    'up',
    [],
    ['eu-west', 'us-east'],
  ],
  [
    'a number: 2 of 3',
    THREE,
    2,
    [r('eu-west', 'down'), r('us-east', 'up'), r('ap-south', 'down')],
    false,
    'down',
    [],
    ['ap-south', 'eu-west'],
  ],
  [
    'a number above the regions means all of them',
    ['eu-west', 'us-east'],
    5,
    [r('eu-west', 'down'), r('us-east', 'up')],
    false,
    'up',
    [],
    ['eu-west'],
  ],
  [
    'one region: its report is the verdict',
    ['local'],
    'majority',
    [r('local', 'down')],
    false,
    'down',
    [],
    ['local'],
  ],
  // late: a region has not reported yet
  [
    'a region not in yet: pending before the deadline',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'down')],
    false,
    'pending',
    ['ap-south'],
    ['eu-west', 'us-east'],
  ],
  [
    'the same reports once the deadline passed: decided',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'down')],
    true,
    'down',
    ['ap-south'],
    ['eu-west', 'us-east'],
  ],
  // missing: a region that never reports is missing, never down
  [
    'a dark region and two up',
    THREE,
    'majority',
    [r('eu-west', 'up'), r('us-east', 'up')],
    true,
    'up',
    ['ap-south'],
    [],
  ],
  [
    'a dark region, one down and one up: not a majority down',
    THREE,
    'majority',
    [r('eu-west', 'down'), r('us-east', 'up')],
    true,
    'up',
    ['ap-south'],
    ['eu-west'],
  ],
  [
    'two dark regions: one report is too few for a majority',
    THREE,
    'majority',
    [r('eu-west', 'down')],
    true,
    'inconclusive',
    ['ap-south', 'us-east'],
    ['eu-west'],
  ],
  [
    'all: a dark region makes every slot inconclusive',
    THREE,
    'all',
    [r('eu-west', 'up'), r('us-east', 'up')],
    true,
    'inconclusive',
    ['ap-south'],
    [],
  ],
  [
    'nobody reported',
    THREE,
    'any',
    [],
    true,
    'inconclusive',
    ['ap-south', 'eu-west', 'us-east'],
    [],
  ],
  // duplicate: a retried job's second report, and a region the subscription does not use
  [
    'a duplicate report: the first counts',
    ['eu-west', 'us-east'],
    'all',
    [r('eu-west', 'down'), r('eu-west', 'up'), r('us-east', 'down')],
    false,
    'down',
    [],
    ['eu-west', 'us-east'],
  ],
  [
    'a region not chosen is ignored',
    ['eu-west', 'us-east'],
    'majority',
    [r('eu-west', 'up'), r('old-region', 'down'), r('us-east', 'up')],
    false,
    'up',
    [],
    [],
  ],
  [
    'a region not chosen does not stand in for a missing one',
    ['eu-west', 'us-east'],
    'majority',
    [r('eu-west', 'down'), r('old-region', 'down')],
    false,
    'pending',
    ['us-east'],
    ['eu-west'],
  ],
];

describe('slotVerdict', () => {
  it.each(table)('%s', (_name, regions, quorum, reports, deadlinePassed, kind, missing, failed) => {
    const verdict = slotVerdict({ regions, quorum, reports, deadlinePassed });
    expect(verdict.kind).toBe(kind);
    expect(verdict.missing).toEqual(missing);
    expect(verdict.failed).toEqual(failed);
    // one report per chosen region, by name, whatever order they came in
    const names = verdict.reports.map((x) => x.region);
    expect(names).toEqual([...new Set(names)].sort());
    expect(names.every((n) => regions.includes(n))).toBe(true);
  });

  it('keeps the first of duplicate reports, not the last', () => {
    const first = { region: 'a', status: 'down' as const, error: 'first' };
    const verdict = slotVerdict({
      regions: ['a'],
      quorum: 'any',
      reports: [first, { region: 'a', status: 'up', error: 'second' }],
      deadlinePassed: false,
    });
    expect(verdict.reports).toEqual([first]);
  });
});

describe('quorumSize', () => {
  it.each<[Quorum, number, number]>([
    ['any', 3, 1],
    ['majority', 1, 1],
    ['majority', 2, 2],
    ['majority', 3, 2],
    ['majority', 4, 3],
    ['all', 4, 4],
    [2, 3, 2],
    [9, 3, 3],
  ])('%s of %i regions is %i', (quorum, regions, size) => {
    expect(quorumSize(quorum, regions)).toBe(size);
  });
});

describe('parseQuorum', () => {
  it('reads the words and numbers the column holds', () => {
    expect(parseQuorum('any')).toBe('any');
    expect(parseQuorum('all')).toBe('all');
    expect(parseQuorum('majority')).toBe('majority');
    expect(parseQuorum('2')).toBe(2);
  });
});
