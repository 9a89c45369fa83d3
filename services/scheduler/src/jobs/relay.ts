import { outbox, type Db } from '@lighthouse/db';
import { jobCatalog } from '@lighthouse/queue';
import type { Queue } from 'bullmq';
import type { SchedulerMetrics } from '../metrics';

/**
 * Publishes unpublished state events to the alerts queue with the event id as job
 * id, then marks them, in one transaction. Dying between the two republishes under
 * the same id, which BullMQ (and the alerter's unique delivery rows) absorb.
 * Checkers publish their own events right after commit; this is the backstop.
 */
export async function relayOutbox(deps: {
  db: Db;
  alerts: Queue;
  metrics: SchedulerMetrics;
  batchSize: number;
}): Promise<boolean> {
  const { db, alerts, metrics, batchSize } = deps;
  const published = await db.transaction().execute(async (tx) => {
    const events = await outbox.claimUnpublished(tx, batchSize);
    if (events.length === 0) return 0;
    const { alerts: entry } = jobCatalog;
    await alerts.addBulk(
      events.map((e) => {
        const data = { eventId: e.id };
        return { name: entry.name, data, opts: { ...entry.options, jobId: entry.jobId(data) } };
      }),
    );
    await outbox.markPublished(
      tx,
      events.map((e) => e.id),
    );
    const now = Date.now();
    for (const e of events) metrics.relayLag.observe((now - e.created_at.getTime()) / 1000);
    return events.length;
  });
  metrics.published.inc(published);
  return published === batchSize;
}
