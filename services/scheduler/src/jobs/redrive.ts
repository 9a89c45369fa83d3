import { alerts, outbox, type Db } from '@lighthouse/db';
import { enqueue, type JobData, type Queues } from '@lighthouse/queue';
import type { Logger } from '@lighthouse/shared';
import { ErrorCode, type FinishedStatus, type JobState, type Queue } from 'bullmq';
import type { SchedulerMetrics } from '../metrics';

/**
 * Redis may lose jobs (DESIGN, invariants 3 and 4); PostgreSQL says what is still owed: a
 * published state event the alerter has not finished with, and a pending delivery. For each
 * one older than `afterMs`, the job under its id is looked up:
 * - gone (a flush, a restart without its data): added again with the catalog's options;
 * - failed (its attempts spent, say while the database was down): retried;
 * - completed while the row says otherwise: retried, see `redriveQueue`;
 * - waiting, active, delayed, prioritized: left alone, it will run.
 * Replicas may run this at once: BullMQ ignores a duplicate job id, and a retry that another
 * replica made first is skipped. A full batch is no reason to run again at once: events whose
 * jobs merely wait (an alerter backlog) stay on the list until they are handled.
 */
export async function redrive(deps: {
  db: Db;
  queues: Queues<'alerts' | 'deliveries'>;
  metrics: SchedulerMetrics;
  logger: Logger;
  afterMs: number;
  batchSize: number;
}): Promise<void> {
  const { db, queues, afterMs, batchSize: limit } = deps;
  const redriven = {
    alerts: await redriveQueue(
      queues,
      'alerts',
      (ids) => outbox.unhandled(db, { afterMs, limit, ids }),
      (eventId) => ({ eventId }),
    ),
    // with the catalog's attempts and backoff, not the alerter's DELIVERY_ATTEMPTS/_BACKOFF_MS
    deliveries: await redriveQueue(
      queues,
      'deliveries',
      (ids) => alerts.stalePending(db, { afterMs, limit, ids }),
      (deliveryId) => ({ deliveryId }),
    ),
  };
  for (const [queue, counts] of Object.entries(redriven)) {
    const total = counts.lost + counts.failed + counts.completed;
    if (total === 0) continue;
    deps.metrics.redriven.inc({ queue }, total);
    deps.logger.info('jobs redriven', { queue, ...counts });
  }
}

/**
 * `owed()` lists the ids still owed, `owed(ids)` those of `ids` that still are; `payload(id)` is
 * the job of one (its job id is that id). A completed job whose row is still owed ran on an
 * alerter from before handled_at (a rolling upgrade), or finished just after the rows were
 * read: the second list tells them apart.
 */
async function redriveQueue<Q extends 'alerts' | 'deliveries'>(
  queues: Queues<Q>,
  name: Q,
  owed: (ids?: string[]) => Promise<string[]>,
  payload: (id: string) => JobData<Q>,
): Promise<{ lost: number; failed: number; completed: number }> {
  const queue = queues[name];
  const ids = await owed();
  const states = await Promise.all(ids.map((id) => queue.getJobState(id)));
  const inState = (state: JobState | 'unknown') => ids.filter((_, i) => states[i] === state);
  const lost = inState('unknown');
  await enqueue(queues, name, lost.map(payload));
  const completed = inState('completed');
  return {
    lost: lost.length,
    failed: await retryFinished(queue, inState('failed'), 'failed'),
    completed: await retryFinished(
      queue,
      completed.length > 0 ? await owed(completed) : [],
      'completed',
    ),
  };
}

/**
 * Moves finished jobs back to waiting, with their attempts counted from zero again: kept, a
 * job that spent all of them would get one attempt only (and the delivery processor would take
 * that one as its last). Returns how many this call moved: one that another replica moved
 * first is skipped.
 */
export async function retryFinished(
  queue: Queue,
  ids: string[],
  state: FinishedStatus,
): Promise<number> {
  const moved = await Promise.all(
    ids.map(async (id) => {
      const job = await queue.getJob(id);
      if (!job) return false; // removed since: the next round adds it again
      try {
        await job.retry(state, { resetAttemptsMade: true, resetAttemptsStarted: true });
        return true;
      } catch (err) {
        // another replica moved it first, or it was removed since
        const code = (err as { code?: unknown }).code;
        if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return false;
        throw err;
      }
    }),
  );
  return moved.filter(Boolean).length;
}
