import { dueSlots, expectedSlots, summarize, emptyCounts, type ScheduleChange } from './metrics';

const HOUR = 3_600_000;
const t0 = Date.UTC(2026, 11, 1);
const at = (hours: number) => new Date(t0 + hours * HOUR);
const everyMinute: ScheduleChange[] = [
  { changed_at: at(0), scheduled: true, check_frequency_seconds: 60 },
];
const now = at(10);

describe('checks due, counting regions', () => {
  it.each<[string, number | undefined, number]>([
    ['one region by default', undefined, 60],
    ['one region', 1, 60],
    ['three regions: each checks every slot', 3, 180],
    ['no regions counts as one', 0, 60],
  ])('%s', (_name, regions, due) => {
    expect(expectedSlots(everyMinute, at(1), at(2), { now, regions })).toBe(due);
  });

  it('never counts fewer due than checked, whatever the regions', () => {
    expect(dueSlots({ total: 200 }, everyMinute, at(1), at(2), { now, regions: 3 })).toBe(200);
    expect(dueSlots({ total: 100 }, everyMinute, at(1), at(2), { now, regions: 3 })).toBe(180);
  });

  it('gives coverage as checks made out of checks due: 2 of 3 regions is 66.67 %', () => {
    const due = expectedSlots(everyMinute, at(1), at(2), { now, regions: 3 });
    const counts = { ...emptyCounts(), total: 120, up: 120 };
    expect(summarize(counts, due)).toMatchObject({ expected_checks: 180, coverage_pct: 66.67 });
  });
});
