import { checkers, settleOverdue, type Db } from '@lighthouse/db';
import { publishEvents, type Queues } from '@lighthouse/queue';
import type { Logger } from '@lighthouse/shared';
import type { SchedulerMetrics } from '../metrics';

export interface RegionWatch {
  /** the regions dark at the last round */
  dark(): ReadonlySet<string>;
  /** reads every region's checkers, sets the gauges, and says when a region goes dark or comes back */
  round(): Promise<void>;
}

/**
 * Watches the regions: one whose checkers have all been silent for `darkAfterMs` is dark. The
 * operator is told (a warning in the log, `lighthouse_region_dark`, the console), and the
 * enqueue round stops adding its slots: they are missing, never down.
 */
export function createRegionWatch(deps: {
  db: Db;
  logger: Logger;
  metrics: SchedulerMetrics;
  defaultRegion: string;
  darkAfterMs: number;
}): RegionWatch {
  let since = new Date();
  let lastRound = Date.now();
  let dark = new Set<string>();
  return {
    dark: () => dark,
    async round() {
      // After a stretch without rounds (the database away, so no checker could beat either),
      // every region looks silent: the silence is counted from now, not from the last beats.
      if (Date.now() - lastRound > Math.min(deps.darkAfterMs, 30_000)) since = new Date();
      const regions = await checkers.regionStatus(deps.db, {
        defaultRegion: deps.defaultRegion,
        darkAfterMs: deps.darkAfterMs,
        watchingSince: since,
        named: true,
      });
      lastRound = Date.now();
      const next = new Set<string>();
      for (const r of regions) {
        // a dark region comes back with a live checker, not with a fresh count of its silence
        const used = r.subscriptions > 0 || r.region === deps.defaultRegion;
        if (!r.dark && used && dark.has(r.region) && r.live_checkers === 0) r.dark = true;
        deps.metrics.regionLiveCheckers.set({ region: r.region }, r.live_checkers);
        deps.metrics.regionDark.set({ region: r.region }, r.dark ? 1 : 0);
        if (r.dark) next.add(r.region);
        const fields = {
          region: r.region,
          subscriptions: r.subscriptions,
          last_seen_at: r.last_seen_at?.toISOString() ?? null,
        };
        if (r.dark && !dark.has(r.region)) {
          deps.logger.warn('region dark: no live checker, its slots are missing', fields);
        } else if (!r.dark && dark.has(r.region)) {
          deps.logger.info('region back: a checker is live again', fields);
        }
      }
      dark = next;
    },
  };
}

/**
 * Decides the overdue slots of multi-region subscriptions (a region did not report by the slot's
 * deadline) and publishes what they changed; the relay covers a publish that fails.
 */
export async function settleSlots(deps: {
  db: Db;
  queues: Queues<'alerts'>;
  metrics: SchedulerMetrics;
  graceMs: number;
  batchSize: number;
}): Promise<boolean> {
  const { subscriptions, events } = await settleOverdue(deps.db, {
    graceMs: deps.graceMs,
    limit: deps.batchSize,
  });
  deps.metrics.settled.inc(subscriptions);
  if (events.length > 0) {
    await publishEvents(
      deps.db,
      deps.queues,
      events.map((e) => e.id),
    ).catch(() => undefined);
  }
  return subscriptions === deps.batchSize;
}
