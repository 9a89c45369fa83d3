import {
  cronProblem,
  inMaintenance,
  maintenanceProblems,
  nextOccurrence,
  occurrenceAt,
  type MaintenanceWindowRule,
} from './maintenance';

const at = (iso: string): Date => new Date(iso);

describe('one-off windows', () => {
  const window: MaintenanceWindowRule = {
    starts_at: at('2026-11-22T10:00:00Z'),
    ends_at: at('2026-11-22T11:00:00Z'),
    cron: null,
    duration_seconds: null,
    timezone: 'UTC',
  };

  it.each([
    ['2026-11-22T09:59:59.999Z', false],
    ['2026-11-22T10:00:00Z', true],
    ['2026-11-22T10:59:59.999Z', true],
    ['2026-11-22T11:00:00Z', false],
  ])('at %s: %s', (time, expected) => {
    expect(inMaintenance([window], at(time))).toBe(expected);
  });

  it('names the next occurrence until it is over', () => {
    expect(nextOccurrence(window, at('2026-11-22T08:00:00Z'))?.start).toEqual(window.starts_at);
    expect(nextOccurrence(window, at('2026-11-22T12:00:00Z'))).toBeNull();
  });
});

describe('recurring windows', () => {
  // every Sunday 02:00-03:30 in Madrid (UTC+1 in November)
  const window: MaintenanceWindowRule = {
    starts_at: at('2026-11-01T00:00:00Z'),
    ends_at: null,
    cron: '0 2 * * 0',
    duration_seconds: 90 * 60,
    timezone: 'Europe/Madrid',
  };

  it.each([
    ['2026-11-22T00:59:59Z', false],
    ['2026-11-22T01:00:00Z', true], // 02:00 in Madrid
    ['2026-11-22T02:29:59Z', true],
    ['2026-11-22T02:30:00Z', false],
    ['2026-11-23T01:30:00Z', false], // a Monday
  ])('at %s: %s', (time, expected) => {
    expect(occurrenceAt(window, at(time)) !== null).toBe(expected);
  });

  it('reads the expression in its time zone', () => {
    const utc = { ...window, timezone: 'UTC' };
    expect(inMaintenance([utc], at('2026-11-22T01:30:00Z'))).toBe(false);
    expect(inMaintenance([utc], at('2026-11-22T02:30:00Z'))).toBe(true);
  });

  it('counts only occurrences inside starts_at and ends_at', () => {
    const bounded = { ...window, starts_at: at('2026-11-22T01:30:00Z') };
    // the occurrence began before starts_at
    expect(inMaintenance([bounded], at('2026-11-22T02:00:00Z'))).toBe(false);
    const ended = { ...window, ends_at: at('2026-11-22T00:00:00Z') };
    expect(inMaintenance([ended], at('2026-11-22T01:30:00Z'))).toBe(false);
    expect(inMaintenance([ended], at('2026-11-15T01:30:00Z'))).toBe(true);
  });

  it('finds the next occurrence', () => {
    expect(nextOccurrence(window, at('2026-11-23T00:00:00Z'))).toEqual({
      start: at('2026-11-29T01:00:00Z'),
      end: at('2026-11-29T02:30:00Z'),
    });
    expect(nextOccurrence(window, at('2026-11-22T01:10:00Z'))?.start).toEqual(
      at('2026-11-22T01:00:00Z'),
    );
  });
});

describe('validation', () => {
  it('rejects unusable cron expressions and time zones by field', () => {
    expect(cronProblem('61 * * * *', 'UTC')).toMatch(/not a valid cron/);
    expect(cronProblem('* * *', 'UTC')).toMatch(/5 fields/);
    expect(cronProblem('*/15 2-4 * * 1-5', 'UTC')).toBeNull();
    expect(
      maintenanceProblems({
        starts_at: null,
        ends_at: null,
        cron: '0 2 * * *',
        duration_seconds: 3600,
        timezone: 'Mars/Base',
      }),
    ).toEqual([{ field: 'timezone', message: 'unknown time zone "Mars/Base"' }]);
  });

  it('asks one-off windows for both ends, in order', () => {
    expect(
      maintenanceProblems({
        starts_at: at('2026-11-22T10:00:00Z'),
        ends_at: at('2026-11-22T09:00:00Z'),
        cron: null,
        duration_seconds: null,
        timezone: 'UTC',
      }).map((p) => p.field),
    ).toEqual(['ends_at']);
    expect(
      maintenanceProblems({
        starts_at: null,
        ends_at: null,
        cron: null,
        duration_seconds: null,
        timezone: 'UTC',
      }).map((p) => p.field),
    ).toEqual(['starts_at', 'ends_at']);
    expect(
      maintenanceProblems({
        starts_at: at('2026-11-22T10:00:00Z'),
        ends_at: null,
        cron: '0 2 * * *',
        duration_seconds: null,
        timezone: 'UTC',
      }).map((p) => p.field),
    ).toEqual(['duration_minutes']);
  });
});
