import { schedule } from '@lighthouse/db';
import { planSlot, slotOffsetMs } from '@lighthouse/domain';
import { enqueue } from '@lighthouse/queue';
import type { BatchRound } from './round';

/**
 * One batch: claim due subscriptions, enqueue their slots (`slotsPerJob` to a job), advance
 * next_check_at, in one transaction. Jobs are added before the commit: if the commit fails
 * the same slots are claimed again and re-added (the same batches under the same job ids),
 * and a slot that runs twice still writes one row. Returns true when the batch was full.
 */
export async function enqueueDue(
  deps: BatchRound<'checks'> & { slotsPerJob: number },
): Promise<boolean> {
  const { db, queues, metrics, batchSize, slotsPerJob } = deps;
  const stop = metrics.tickSeconds.startTimer();
  const claimed = await db.transaction().execute(async (tx) => {
    const now = Date.now();
    const due = await schedule.claimDue(tx, new Date(now), batchSize);
    if (due.length === 0) return 0;
    let skipped = 0;
    const planned = due.map((s) => {
      const interval = s.check_frequency_seconds * 1000;
      const plan = planSlot(
        s.next_check_at.getTime(),
        now,
        interval,
        slotOffsetMs(s.id, interval),
        s.confirming,
      );
      skipped += plan.skipped;
      // a retry the checker asked for, still at its own time (not skipped to the grid)
      const confirmation = s.confirming && plan.slot === s.next_check_at.getTime();
      return { id: s.id, slot: plan.slot, next: new Date(plan.next), confirmation };
    });
    const slots = planned.map((p) => ({
      subscriptionId: p.id,
      scheduledAt: new Date(p.slot).toISOString(),
      ...(p.confirmation ? { confirmation: true as const } : {}),
    }));
    const jobs = [];
    for (let i = 0; i < slots.length; i += slotsPerJob) {
      jobs.push({ slots: slots.slice(i, i + slotsPerJob) });
    }
    await enqueue(queues, 'checks', jobs);
    await schedule.advance(tx, planned);
    metrics.skipped.inc(skipped);
    return due.length;
  });
  stop();
  metrics.enqueued.inc(claimed);
  return claimed === batchSize;
}
