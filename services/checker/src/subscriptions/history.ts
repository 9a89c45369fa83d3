import { heartbeats, values, type Db } from '@lighthouse/db';
import type { CheckHistory } from '../checks';

/** A subscription's history as the checks read it. */
export type HistoryReader = (subscriptionId: string) => CheckHistory;

/** The checks' history port over the database: reads only, on one subscription's rows. */
export function createHistoryReader(db: Db): HistoryReader {
  return (subscriptionId) => ({
    lastPing: () => heartbeats.findState(db, subscriptionId),
    latestValue: (before) => values.latestValue(db, subscriptionId, before),
    recentTrend: (range) => values.recentTrend(db, subscriptionId, range),
  });
}
