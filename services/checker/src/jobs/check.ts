import type { CheckRow, results } from '@lighthouse/db';
import type { TargetAccess } from '@lighthouse/net';
import type { JobHandler } from '@lighthouse/queue';
import type { Logger } from '@lighthouse/shared';
import type { CheckRunners } from '../checks';
import type { StepResult } from '../checks/types';
import type { CheckerMetrics } from '../metrics';
import type { Batcher } from '../results/batcher';
import type { RecordedEvent } from '../results/record';
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
  region: string | null;
  /** aborted at shutdown so probes do not outlive the process */
  signal: AbortSignal;
  /** called with the events a batch produced, after it committed */
  onEvents: (events: RecordedEvent[]) => void;
}

export type CheckOutcome = 'recorded' | 'skipped';

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
 * One slot: load the subscription, probe, and complete only once the result row
 * has committed. A database error fails the attempt and BullMQ retries the slot (its
 * row is written once whatever happens); a malformed job never gets here (createWorker).
 */
export function createCheckProcessor(deps: CheckJobDeps): JobHandler<'checks', CheckOutcome> {
  return async (data, job) => {
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
