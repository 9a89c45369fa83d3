import { alerts, maintenance, outbox, type Db } from '@lighthouse/db';
import { decideAlert } from '@lighthouse/domain';
import { enqueue, jobCatalog, type JobHandler, type Queues } from '@lighthouse/queue';
import { UnrecoverableError } from 'bullmq';
import type { AlerterMetrics } from '../metrics';
import { composeMessage } from './message';
import { render } from '@lighthouse/channels';

export interface AlertDeps {
  db: Db;
  queues: Queues<'deliveries'>;
  metrics: AlerterMetrics;
  retry: { attempts: number; backoffMs: number };
}

/**
 * A state event becomes one alert and one delivery per channel, each created
 * once (unique per event, and per (alert, channel)); then every unfinished
 * delivery is enqueued under its own id. Running this twice changes nothing.
 * Whether and how an event is alerted (suppressed in a maintenance window or while
 * flapping, its severity and language) is decideAlert's, in @lighthouse/domain.
 *
 * Every outcome ends by marking the event handled, which tells the scheduler's redrive
 * that the job is no longer needed.
 */
export function createAlertProcessor(deps: AlertDeps): JobHandler<'alerts', string> {
  return async ({ eventId }) => {
    const outcome = await handleEvent(deps, eventId);
    // Whatever the outcome, and only once its deliveries are queued: dying before this leaves
    // the event to the scheduler's redrive, which runs it again (handleEvent is idempotent).
    await outbox.markHandled(deps.db, eventId);
    return outcome;
  };
}

async function handleEvent(deps: AlertDeps, eventId: string): Promise<string> {
  const { db } = deps;
  const context = await alerts.loadEventContext(db, eventId);
  if (!context) throw new UnrecoverableError(`state event ${eventId} does not exist`);
  const windows = await maintenance.windowsFor(db, [context.subscription_id]);
  const decision = decideAlert({
    ...context,
    windows: windows.get(context.subscription_id) ?? [],
  });
  if (decision.outcome === 'skip') return decision.reason;

  const { alert_type, severity, language, suppressed } = decision;
  const message = await composeMessage(db, context, language);
  const pending = await db.transaction().execute(async (tx) => {
    const alertId = await alerts.ensureAlert(tx, {
      event_id: eventId,
      subscription_id: context.subscription_id,
      alert_type,
      severity,
      message: render(message).text,
      language,
      ...(suppressed ? { suppressed_reason: suppressed } : {}),
    });
    return suppressed ? [] : alerts.ensureDeliveries(tx, alertId, context.alert_channels);
  });
  await enqueue(
    deps.queues,
    'deliveries',
    pending.map((d) => ({ deliveryId: d.id })),
    {
      attempts: deps.retry.attempts,
      backoff: { ...jobCatalog.deliveries.options.backoff, delay: deps.retry.backoffMs },
    },
  );
  deps.metrics.alerts.inc({ type: suppressed ? 'suppressed' : alert_type });
  return suppressed ? `suppressed (${suppressed})` : `${pending.length} deliveries`;
}
