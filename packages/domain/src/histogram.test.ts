import {
  HISTOGRAM_BUCKETS,
  bucketLowerMs,
  bucketOf,
  emptyHistogram,
  histogramOf,
  mergeInto,
  percentile,
  THRESHOLDS,
} from './histogram';

/** percentile_cont over raw values. */
function exact(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('latency histogram', () => {
  it('has strictly ascending whole-millisecond thresholds from 0', () => {
    expect(THRESHOLDS[0]).toBe(0);
    for (let i = 1; i < THRESHOLDS.length; i++) {
      expect(THRESHOLDS[i]).toBeGreaterThan(THRESHOLDS[i - 1]!);
      expect(Number.isInteger(THRESHOLDS[i])).toBe(true);
    }
  });

  it('puts each latency in the bucket whose bounds hold it', () => {
    for (const ms of [0, 1, 7, 19, 20, 21, 37, 250, 999, 4_321, 59_999]) {
      const i = bucketOf(ms);
      expect(bucketLowerMs(i)).toBeLessThanOrEqual(ms);
      if (i < HISTOGRAM_BUCKETS - 1) expect(bucketLowerMs(i + 1)).toBeGreaterThan(ms);
    }
    expect(bucketOf(10_000_000)).toBe(HISTOGRAM_BUCKETS - 1);
    expect(bucketLowerMs(HISTOGRAM_BUCKETS - 1)).toBeGreaterThan(100_000);
  });

  it('merges exactly: the histogram of a union is the sum of the parts', () => {
    const next = random(7);
    const a = Array.from({ length: 500 }, () => Math.round(next() * 3_000));
    const b = Array.from({ length: 700 }, () => Math.round(next() * 300));
    expect(mergeInto(histogramOf(a), histogramOf(b))).toEqual(histogramOf([...a, ...b]));
    expect(mergeInto(emptyHistogram(), [])).toEqual(emptyHistogram());
  });

  it.each([
    ['uniform 1-2000 ms', 1, (r: () => number) => 1 + Math.round(r() * 1_999)],
    ['log-normal around 80 ms', 2, (r: () => number) => Math.round(80 * Math.exp(r() * 3 - 1.5))],
    [
      'bimodal: fast cache hits and slow misses',
      3,
      (r: () => number) => (r() < 0.9 ? 3 + Math.round(r() * 5) : 400 + Math.round(r() * 800)),
    ],
    ['loopback, 0-3 ms', 4, (r: () => number) => Math.floor(r() * 4)],
  ])('p50/p95/p99 within 5%% (or 1 ms) of the exact value: %s', (_name, seed, draw) => {
    const next = random(seed);
    const values = Array.from({ length: 20_000 }, () => draw(next));
    const h = histogramOf(values);
    for (const q of [0.5, 0.95, 0.99]) {
      const want = exact(values, q);
      const got = percentile(h, q)!;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(Math.max(0.05 * want, 1));
    }
  });

  it('has no percentile when empty and gives the value itself for one sample', () => {
    expect(percentile(emptyHistogram(), 0.5)).toBeNull();
    expect(percentile(histogramOf([12]), 0.99)).toBe(12);
  });
});
