import type { CheckRow, results } from '@lighthouse/db';
import type { TargetAccess } from '@lighthouse/net';
import type { JobData, JobHandler } from '@lighthouse/queue';
import type { Job } from 'bullmq';
import type { Limit } from './limit';
import type { Logger } from '@lighthouse/shared';
import type { CheckRunners } from '../checks';
import type { StepResult } from '../checks/types';
import type { CheckerMetrics } from '../metrics';
import type { Batcher } from '../results/batcher';
import type { RecordedEvent } from '@lighthouse/db';
import type { HistoryReader } from '../subscriptions/history';
import type { TargetLoader } from '../subscriptions/loader';

export interface CheckJobDeps {
  loader: TargetLoader;
  checks: CheckRunners;
  /** for checks that read their own history */
  history: HistoryReader;
  writer: Batcher<CheckRow, RecordedEvent[]>;
  metrics: CheckerMetrics;
  logger: Logger;
  targetAccess: TargetAccess;
  /** the checker's region, written on every row */
  region: string;
  /** aborted at shutdown so probes do not outlive the process */
  signal: AbortSignal;
  /** called with the events a batch produced, after it committed */
  onEvents: (events: RecordedEvent[]) => void;
  /** runs a slot when a probe may start (CHECKER_CONCURRENCY in flight at most) */
  limit: Limit;
  /** told of every slot that ended: done (recorded or skipped) or failed (to be retried) */
  tally?: (done: boolean) => void;
}

export type CheckOutcome = 'recorded' | 'skipped';
type Slot = JobData<'checks'>['slots'][number];

function canaryStepRow(step: StepResult): results.CanaryStepRow {
  return {
    step_index: step.index,
    step_name: step.name,
    status: step.status,
    http_status: step.http_status,
    response_time_ms: step.response_time_ms,
    timings: step.timings ? { ...step.timings } : null,
    error_category: step.error_category,
    error_message: step.error_message,
  };
}

/**
 * A job's slots, each as a probe may start: load the subscription, probe, and hand the row
 * to the writer; the job completes once every row has committed. Slots that failed (a
 * database error, the checker shutting down) fail the job with only them left in it, and
 * BullMQ retries those (a row is written once whatever happens); a malformed job never gets
 * here (createWorker).
 */
export function createCheckProcessor(deps: CheckJobDeps): JobHandler<'checks', CheckOutcome[]> {
  const runSlot = slotRunner(deps);
  return (data, job) =>
    runSlots(data.slots, job, deps.limit, async (slot) => {
      try {
        const outcome = await runSlot(slot, job);
        deps.tally?.(true);
        return outcome;
      } catch (err) {
        deps.tally?.(false);
        throw err;
      }
    });
}

/**
 * Runs a job's slots, each under `limit`, and resolves with their outcomes once all have
 * ended. When some fail, the job is left holding only those (so that BullMQ's retry runs
 * them alone) and the call rejects.
 */
export async function runSlots<T>(
  slots: readonly Slot[],
  job: Pick<Job, 'updateData'>,
  limit: Limit,
  runSlot: (slot: Slot) => Promise<T>,
): Promise<T[]> {
  const settled = await Promise.allSettled(slots.map((slot) => limit(() => runSlot(slot))));
  const outcomes: T[] = [];
  const failed: Slot[] = [];
  let reason: unknown;
  for (const [i, s] of settled.entries()) {
    if (s.status === 'fulfilled') outcomes.push(s.value);
    else {
      failed.push(slots[i]!);
      reason ??= s.reason;
    }
  }
  if (failed.length === 0) return outcomes;
  if (failed.length < slots.length) await job.updateData({ slots: failed });
  const message = reason instanceof Error ? reason.message : String(reason);
  throw new Error(`${failed.length} of ${slots.length} slots failed: ${message}`);
}

function slotRunner(deps: CheckJobDeps) {
  return async (data: Slot, job: Job): Promise<CheckOutcome> => {
    const started = Date.now();
    const slot = new Date(data.scheduledAt);
    const target = await deps.loader.load(data.subscriptionId);
    if (!target?.checkable) {
      deps.metrics.skipped.inc();
      return 'skipped';
    }
    const lagMs = Math.max(0, started - slot.getTime());
    deps.metrics.scheduleLag.observe(lagMs / 1000);

    const stop = deps.metrics.checkSeconds.startTimer({ type: target.type });
    const result = await deps.checks.run(target.type, target.config, {
      targetAccess: deps.targetAccess,
      signal: deps.signal,
      slot,
      history: deps.history(target.id),
    });
    stop();
    if (deps.signal.aborted)
      throw new Error('checker shutting down: the slot is left for another checker');
    /** The job's one "job finished" line, with its outcome. */
    const finished = (outcome: { skipped: string } | { status: string }): void => {
      deps.logger.debug('job finished', {
        job_id: job.id,
        subscription_id: target.id,
        attempt: job.attemptsMade + 1,
        ...outcome,
        duration_ms: Date.now() - started,
      });
    };
    if (result.skip !== undefined) {
      // nothing to judge yet (a heartbeat before its first deadline): no row, the state holds
      deps.metrics.skipped.inc();
      finished({ skipped: result.skip });
      return 'skipped';
    }
    deps.metrics.checks.inc({ type: target.type, status: result.status });

    const events = await deps.writer.add({
      time: slot,
      subscription_id: target.id,
      status: result.status,
      http_status: result.http_status,
      response_time_ms: result.response_time_ms,
      timings: result.timings ? { ...result.timings } : null,
      error_category: result.error_category,
      error_message: result.error_message,
      body_excerpt: result.body_excerpt,
      schedule_lag_ms: lagMs,
      region: deps.region,
      ...(result.steps === undefined ? {} : { canary_steps: result.steps.map(canaryStepRow) }),
      value: result.value ?? null,
      value_text: result.value_text ?? null,
      ...(data.confirmation ? { confirmation: true } : {}),
    });
    const mine = events.filter((e) => e.subscription_id === target.id);
    if (mine.length > 0) deps.onEvents(mine);
    finished({ status: result.status });
    return 'recorded';
  };
}
