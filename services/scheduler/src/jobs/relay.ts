import { outbox } from '@lighthouse/db';
import { publishEvents } from '@lighthouse/queue';
import type { BatchRound } from './round';

/**
 * Publishes unpublished state events and marks them, in one transaction (the same
 * `publishEvents` checkers call right after their commit; this is the backstop). Dying
 * between the two republishes under the same ids, which BullMQ (and the alerter's unique
 * delivery rows) absorb.
 */
export async function relayOutbox(deps: BatchRound<'alerts'>): Promise<boolean> {
  const { db, queues, metrics, batchSize } = deps;
  const published = await db.transaction().execute(async (tx) => {
    const events = await outbox.claimUnpublished(tx, batchSize);
    await publishEvents(
      tx,
      queues,
      events.map((e) => e.id),
    );
    const now = Date.now();
    for (const e of events) metrics.relayLag.observe((now - e.created_at.getTime()) / 1000);
    return events.length;
  });
  metrics.published.inc(published);
  return published === batchSize;
}
