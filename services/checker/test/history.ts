import type { CheckHistory } from '../src/checks';

/** A subscription with nothing stored yet: what a check reads at its first slot. */
export const noHistory: CheckHistory = {
  lastPing: () => Promise.resolve(undefined),
  latestValue: () => Promise.resolve(undefined),
  recentTrend: () => Promise.resolve({ per_hour: null, points: 1, span_seconds: 0 }),
};
