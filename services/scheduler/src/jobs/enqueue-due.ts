import { schedule } from '@lighthouse/db';
import { planSlot, slotOffsetMs } from '@lighthouse/domain';
import { enqueue, type JobData, type RegionQueues } from '@lighthouse/queue';
import type { BatchRound } from './round';

type Slot = JobData<'checks'>['slots'][number];

export interface EnqueueDeps extends Omit<BatchRound, 'queues'> {
  /** each region's check queue */
  regions: RegionQueues;
  /** where a subscription that names no region is checked (DEFAULT_REGION) */
  defaultRegion: string;
  /** regions with no live checker (RegionWatch): their slots are missing, not queued */
  dark?: () => ReadonlySet<string>;
  slotsPerJob: number;
}

/**
 * One batch: claim due subscriptions, enqueue their slots in the queue of each region they are
 * checked from (`slotsPerJob` to a job), advance next_check_at, in one transaction. Jobs are
 * added before the commit: if the commit fails the same slots are claimed again and re-added
 * (the same batches under the same job ids), and a slot that runs twice still writes one row
 * per region. A dark region gets no jobs: its slots are missing, and nothing piles up in Redis
 * for checkers that are not there. Returns true when the batch was full.
 */
export async function enqueueDue(deps: EnqueueDeps): Promise<boolean> {
  const { db, metrics, batchSize, slotsPerJob } = deps;
  const stop = metrics.tickSeconds.startTimer();
  const claimed = await db.transaction().execute(async (tx) => {
    const now = Date.now();
    const due = await schedule.claimDue(tx, new Date(now), batchSize);
    if (due.length === 0) return 0;
    let skipped = 0;
    const dark = deps.dark?.() ?? new Set<string>();
    const byRegion = new Map<string, Slot[]>();
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
      const slot: Slot = {
        subscriptionId: s.id,
        scheduledAt: new Date(plan.slot).toISOString(),
        ...(confirmation ? { confirmation: true as const } : {}),
      };
      for (const region of s.regions ?? [deps.defaultRegion]) {
        if (dark.has(region)) continue;
        const list = byRegion.get(region) ?? [];
        list.push(slot);
        byRegion.set(region, list);
      }
      return { id: s.id, next: new Date(plan.next) };
    });
    for (const [region, slots] of byRegion) {
      const jobs = [];
      for (let i = 0; i < slots.length; i += slotsPerJob) {
        jobs.push({ slots: slots.slice(i, i + slotsPerJob) });
      }
      await enqueue({ checks: deps.regions.get(region) }, 'checks', jobs);
    }
    await schedule.advance(tx, planned);
    metrics.skipped.inc(skipped);
    return due.length;
  });
  stop();
  metrics.enqueued.inc(claimed);
  return claimed === batchSize;
}
