/**
 * The fixed latency histogram stored in rollups: an integer array that merges by
 * adding element-wise, so percentiles over any range come from rollups alone.
 *
 * Layout: one bucket per whole millisecond below {@link LINEAR_MS} (latencies are
 * stored in whole ms, so these are exact), then log-scale buckets growing by
 * {@link RATIO}; the last bucket takes everything above. Estimating a value in a log
 * bucket by the harmonic mean of its bounds is off by at most (r − 1) / (r + 1) ≈ 3.9 %.
 *
 * Latencies are whole milliseconds, so a bucket is the integers from its threshold up to
 * the next one: {@link THRESHOLDS} are those integer lower bounds, ascending, and SQL finds
 * the same bucket with `width_bucket(ms, thresholds) - 1`.
 *
 * The layout is part of the stored data: changing it needs a migration that rebuilds
 * the rollups.
 */
export const LINEAR_MS = 20;
export const RATIO = 1.08;
export const HISTOGRAM_BUCKETS = 134;

/** The lower bound of bucket `i`, in ms (not rounded). */
export function bucketLowerMs(i: number): number {
  if (i < LINEAR_MS) return i;
  return LINEAR_MS * RATIO ** (i - LINEAR_MS);
}

/** The smallest whole millisecond of each bucket. */
export const THRESHOLDS: readonly number[] = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) =>
  i < LINEAR_MS ? i : Math.ceil(bucketLowerMs(i) - 1e-9),
);

/** The bucket a latency in ms falls in (fractions are cut to whole ms, as stored). */
export function bucketOf(ms: number): number {
  if (!(ms >= 0)) return 0;
  const whole = Math.floor(ms);
  let lo = 0;
  let hi = HISTOGRAM_BUCKETS - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (THRESHOLDS[mid]! <= whole) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function emptyHistogram(): number[] {
  return new Array<number>(HISTOGRAM_BUCKETS).fill(0);
}

/** Adds `b` into `a` (which it returns); shorter arrays count as zeros. */
export function mergeInto(a: number[], b: readonly number[]): number[] {
  for (let i = 0; i < b.length && i < a.length; i++) a[i]! += b[i] ?? 0;
  return a;
}

export function histogramOf(latencies: Iterable<number>): number[] {
  const h = emptyHistogram();
  for (const ms of latencies) h[bucketOf(ms)]! += 1;
  return h;
}

/** The value a bucket stands for: exact in the linear part, else the harmonic mean of its bounds. */
function representative(i: number): number {
  if (i < LINEAR_MS) return i;
  const lo = bucketLowerMs(i);
  const hi = lo * RATIO;
  return (2 * lo * hi) / (lo + hi);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the latencies counted in `h`, in ms, rounded to 0.1 ms;
 * null for an empty histogram. Like `percentile_cont`, it interpolates between the two
 * samples around rank q × (n − 1).
 */
export function percentile(h: readonly number[], q: number): number | null {
  const n = h.reduce((sum, c) => sum + c, 0);
  if (n === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * (n - 1);
  const below = Math.floor(rank);
  const value = (k: number): number => {
    let seen = 0;
    for (let i = 0; i < h.length; i++) {
      seen += h[i] ?? 0;
      if (seen > k) return representative(i);
    }
    return representative(h.length - 1);
  };
  const lo = value(below);
  const hi = rank > below ? value(below + 1) : lo;
  return Math.round((lo + (hi - lo) * (rank - below)) * 10) / 10;
}
