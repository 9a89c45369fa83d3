import { alerts, type Db } from '@lighthouse/db';
import { isChannelType, languageOf } from '@lighthouse/domain';
import type { JobHandler } from '@lighthouse/queue';
import type { Logger, SecretBox } from '@lighthouse/shared';
import { DelayedError, UnrecoverableError } from 'bullmq';
import { render, sendToChannel, type ChannelContext } from '@lighthouse/channels';
import type { AlerterMetrics } from '../metrics';
import { composeMessage } from './message';

export interface DeliverDeps {
  db: Db;
  secrets: SecretBox;
  metrics: AlerterMetrics;
  logger: Logger;
  channel: Omit<ChannelContext, 'signal'>;
}

/**
 * One delivery attempt. Sent and failed deliveries are final, so a job that runs
 * again after a crash between the send and its record repeats at most that one
 * send, with the same event id. Retries with backoff are BullMQ's (attempts in the
 * job catalog); a 4xx other than 429 is not retried; a 429 waits for Retry-After
 * without spending an attempt.
 */
export function createDeliveryProcessor(deps: DeliverDeps): JobHandler<'deliveries', string> {
  return async ({ deliveryId }, job, token) => {
    const delivery = await alerts.loadDelivery(deps.db, deliveryId);
    if (!delivery) throw new UnrecoverableError(`delivery ${deliveryId} does not exist`);
    if (delivery.status !== 'pending') return `already ${delivery.status}`;
    const context = await alerts.loadEventContext(deps.db, delivery.event_id);
    const channel = context?.alert_channels.find((c) => c.id === delivery.channel_id);
    if (!context || !channel || !isChannelType(channel.type)) {
      await alerts.recordAttempt(deps.db, delivery, {
        status: 'failed',
        error: 'the channel was removed from the subscription',
      });
      return 'channel removed';
    }

    const language = languageOf(channel.language ?? delivery.language);
    const message = await composeMessage(deps.db, context, language);
    const config = deps.secrets.openJson<Record<string, unknown>>(channel.secret);
    const outcome = await sendToChannel(
      channel.type,
      config,
      message,
      render(message),
      deps.channel,
    );

    const log = {
      job_id: job.id,
      delivery_id: delivery.id,
      event_id: delivery.event_id,
      channel: channel.type,
      attempt: job.attemptsMade + 1,
    };
    if (outcome.ok) {
      await alerts.recordAttempt(deps.db, delivery, { status: 'sent', error: null });
      deps.metrics.deliveries.inc({ channel: channel.type, outcome: 'sent' });
      deps.metrics.alertLatency.observe(
        { channel: channel.type },
        (Date.now() - context.created_at.getTime()) / 1000,
      );
      deps.logger.info('alert delivered', log);
      return 'sent';
    }

    const attempts = job.opts.attempts ?? 1;
    const last = !outcome.retryable || job.attemptsMade + 1 >= attempts;
    await alerts.recordAttempt(deps.db, delivery, {
      status: last ? 'failed' : 'pending',
      error: outcome.error,
    });
    deps.metrics.deliveries.inc({ channel: channel.type, outcome: last ? 'failed' : 'retry' });
    deps.logger.warn(last ? 'alert delivery failed' : 'alert delivery will be retried', {
      ...log,
      error: outcome.error,
    });
    if (last) throw new UnrecoverableError(outcome.error);
    if (outcome.retryAfterMs !== undefined && token) {
      // the peer said when: wait that long (at most 10 minutes), without spending an attempt
      await job.moveToDelayed(Date.now() + Math.min(outcome.retryAfterMs, 600_000), token);
      throw new DelayedError();
    }
    throw new Error(outcome.error);
  };
}
