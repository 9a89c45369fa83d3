import { outbox, type Executor } from '@lighthouse/db';
import { enqueue, type Queues } from './jobs';

/**
 * The outbox publisher: one alerts job per state event, under the event's id, then the events
 * marked published through `db` (the relay passes the transaction that claimed them). Checkers
 * call it right after their commit and the scheduler's relay for whatever they could not
 * publish; an event published twice (both at once, or a crash between the two steps) has one
 * job, as BullMQ ignores a job id it holds, and the alerter's rows are unique per event.
 */
export async function publishEvents(
  db: Executor,
  queues: Queues<'alerts'>,
  eventIds: readonly string[],
): Promise<void> {
  if (eventIds.length === 0) return;
  await enqueue(
    queues,
    'alerts',
    eventIds.map((eventId) => ({ eventId })),
  );
  await outbox.markPublished(db, eventIds);
}
