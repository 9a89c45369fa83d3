import { emptyHistogram, mergeInto, percentile } from './histogram';

/**
 * What a rollup bucket (or any stretch of time) holds: counts by status, latency
 * sum/min/max and the latency histogram. Buckets merge exactly.
 */
export interface BucketCounts {
  total: number;
  up: number;
  down: number;
  degraded: number;
  latency_count: number;
  latency_sum: number;
  latency_min: number | null;
  latency_max: number | null;
  histogram: number[];
}

export type BucketUnit = 'hour' | 'day';

export const UNIT_MS: Record<BucketUnit, number> = { hour: 3_600_000, day: 86_400_000 };

/** The start of the UTC bucket holding `t`. */
export function bucketStart(t: Date, unit: BucketUnit): Date {
  const size = UNIT_MS[unit];
  return new Date(Math.floor(t.getTime() / size) * size);
}

/** The end of the UTC bucket holding the instant just before `t` (so an aligned `t` stays). */
export function bucketEnd(t: Date, unit: BucketUnit): Date {
  const size = UNIT_MS[unit];
  return new Date(Math.ceil(t.getTime() / size) * size);
}

export function emptyCounts(): BucketCounts {
  return {
    total: 0,
    up: 0,
    down: 0,
    degraded: 0,
    latency_count: 0,
    latency_sum: 0,
    latency_min: null,
    latency_max: null,
    histogram: emptyHistogram(),
  };
}

const lesser = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);
const greater = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.max(a, b);

/** Adds `b` into `a`, which it returns. */
export function addCounts(a: BucketCounts, b: BucketCounts): BucketCounts {
  a.total += b.total;
  a.up += b.up;
  a.down += b.down;
  a.degraded += b.degraded;
  a.latency_count += b.latency_count;
  a.latency_sum += b.latency_sum;
  a.latency_min = lesser(a.latency_min, b.latency_min);
  a.latency_max = greater(a.latency_max, b.latency_max);
  mergeInto(a.histogram, b.histogram);
  return a;
}

/** A subscription's schedule from `changed_at` on (the `schedule_changes` log). */
export interface ScheduleChange {
  changed_at: Date;
  scheduled: boolean;
  check_frequency_seconds: number;
}

/** A slot is due this long after its time: its check may still be running before that. */
export const DUE_GRACE_MS = 60_000;

export interface DueOptions {
  now: Date;
  expiresAt?: Date | null;
  graceMs?: number;
  /**
   * How many regions check each slot (each writes its own row), so how many rows a slot is
   * due; 1 when left out. Coverage counts regions: a slot checked from 2 of 3 regions is 2/3.
   */
  regions?: number;
}

/**
 * How many checks were due in [from, to): the scheduled stretches of the log, cut at
 * `expires_at`, divided by their interval, times the regions each slot is checked from.
 * Slots within `graceMs` of `now` are not due yet (their check may still be running).
 * Fractional: a stretch need not hold a whole number of intervals.
 */
export function expectedSlots(
  changes: readonly ScheduleChange[],
  from: Date,
  to: Date,
  opts: DueOptions,
): number {
  let end = Math.min(to.getTime(), opts.now.getTime() - (opts.graceMs ?? DUE_GRACE_MS));
  if (opts.expiresAt) end = Math.min(end, opts.expiresAt.getTime());
  const sorted = [...changes].sort((a, b) => a.changed_at.getTime() - b.changed_at.getTime());
  let slots = 0;
  for (let i = 0; i < sorted.length; i++) {
    const c = sorted[i]!;
    if (!c.scheduled) continue;
    const next = sorted[i + 1]?.changed_at.getTime() ?? Infinity;
    const lo = Math.max(c.changed_at.getTime(), from.getTime());
    const hi = Math.min(next, end);
    if (hi > lo) slots += (hi - lo) / (c.check_frequency_seconds * 1000);
  }
  return slots * Math.max(1, opts.regions ?? 1);
}

/**
 * The slots due in [from, to) as the metrics show them: {@link expectedSlots}, but never fewer
 * than were checked (confirmation checks are no slots and are not counted). A slot checked
 * within the grace, or a first check that joins the grid a fraction of an interval early, was
 * due: so checked never exceeds due, and coverage never exceeds 100 %.
 */
export function dueSlots(
  counts: Pick<BucketCounts, 'total'>,
  changes: readonly ScheduleChange[],
  from: Date,
  to: Date,
  opts: DueOptions,
): number {
  return Math.max(expectedSlots(changes, from, to, opts), counts.total);
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The figures the API shows for a stretch of time. */
export interface BucketSummary {
  total_checks: number;
  up_checks: number;
  down_checks: number;
  degraded_checks: number;
  /** answered (up or degraded) out of checked; null when nothing was checked */
  uptime_pct: number | null;
  avg_latency_ms: number | null;
  min_latency_ms: number | null;
  max_latency_ms: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
  /** slots that were due, rounded; null when the schedule is unknown */
  expected_checks: number | null;
  /** checked out of due, capped at 100; null when nothing was due */
  coverage_pct: number | null;
}

export function summarize(c: BucketCounts, expected: number | null): BucketSummary {
  return {
    total_checks: c.total,
    up_checks: c.up,
    down_checks: c.down,
    degraded_checks: c.degraded,
    uptime_pct: c.total > 0 ? round(((c.up + c.degraded) / c.total) * 100, 3) : null,
    avg_latency_ms: c.latency_count > 0 ? round(c.latency_sum / c.latency_count, 1) : null,
    min_latency_ms: c.latency_min,
    max_latency_ms: c.latency_max,
    p50_latency_ms: percentile(c.histogram, 0.5),
    p95_latency_ms: percentile(c.histogram, 0.95),
    p99_latency_ms: percentile(c.histogram, 0.99),
    expected_checks: expected === null ? null : Math.round(expected),
    coverage_pct:
      expected === null || expected < 0.5
        ? null
        : round(Math.min(100, (c.total / expected) * 100), 2),
  };
}
