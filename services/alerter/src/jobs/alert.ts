import { alerts, maintenance, outbox, type AlertEventContext, type Db } from '@lighthouse/db';
import { inMaintenance, isAlertable } from '@lighthouse/domain';
import { jobCatalog, parseJobData } from '@lighthouse/queue';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { AlerterMetrics } from '../metrics';
import { composeMessage, isChange } from './message';
import { render } from '@lighthouse/channels';

const SEVERITY: Record<string, string> = {
  down: 'critical',
  reminder: 'critical',
  degraded: 'warning',
  flapping: 'warning',
  up: 'info',
  stable: 'info',
  expiring: 'warning',
};

export interface AlertDeps {
  db: Db;
  deliveries: Queue;
  metrics: AlerterMetrics;
  retry: { attempts: number; backoffMs: number };
}

/**
 * A state event becomes one alert and one delivery per channel, each created
 * once (unique per event, and per (alert, channel)); then every unfinished
 * delivery is enqueued under its own id. Running this twice changes nothing.
 *
 * An event inside a maintenance window, or a change while the subscription is
 * flapping, is recorded as a suppressed alert with no deliveries. Expiry notices are
 * about billing, not health: they go out in maintenance windows and while flapping too,
 * but not once a renewal has moved the period's end.
 *
 * Every outcome ends by marking the event handled, which tells the scheduler's redrive
 * that the job is no longer needed.
 */
export function createAlertProcessor(deps: AlertDeps) {
  return async (job: Job): Promise<string> => {
    let eventId: string;
    try {
      eventId = parseJobData('alerts', job.data).eventId;
    } catch (err) {
      throw new UnrecoverableError(
        `malformed alert job: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
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
  if (context.deleted) return 'subscription deleted';
  const change = isChange(context);
  if (change && !isAlertable({ from: context.from_state, to: context.to_state }))
    return 'nothing to tell';
  if (context.kind === 'reminder' && context.current_state !== 'down')
    return 'up again before the reminder went out';
  if (context.kind === 'expiring' && !sameInstant(context.check.expires_at, context.expires_at))
    return 'renewed before the notice went out';

  const suppressed = await suppression(db, context);

  const language = context.language_preference === 'es' ? 'es' : 'en';
  const message = await composeMessage(db, context, language);
  const alertType =
    context.kind === 'transition' || context.kind === 'held' ? context.to_state : context.kind;
  const pending = await db.transaction().execute(async (tx) => {
    const alertId = await alerts.ensureAlert(tx, {
      event_id: eventId,
      subscription_id: context.subscription_id,
      alert_type: alertType,
      severity: SEVERITY[alertType] ?? 'info',
      message: render(message).text,
      language,
      ...(suppressed ? { suppressed_reason: suppressed } : {}),
    });
    return suppressed ? [] : alerts.ensureDeliveries(tx, alertId, context.alert_channels);
  });
  const { deliveries: entry } = jobCatalog;
  await deps.deliveries.addBulk(
    pending.map((d) => ({
      name: entry.name,
      data: { deliveryId: d.id },
      opts: {
        ...entry.options,
        attempts: deps.retry.attempts,
        backoff: { ...entry.options.backoff, delay: deps.retry.backoffMs },
        jobId: entry.jobId({ deliveryId: d.id }),
      },
    })),
  );
  deps.metrics.alerts.inc({ type: suppressed ? 'suppressed' : alertType });
  return suppressed ? `suppressed (${suppressed})` : `${pending.length} deliveries`;
}

/**
 * Why an event is recorded without being sent, if it is: it falls in a maintenance window
 * (a change by its slot, anything else by when it was raised), or it is a change held while
 * flapping. Expiry notices always go out: they are about billing, not health.
 */
async function suppression(
  db: Db,
  context: AlertEventContext,
): Promise<'maintenance' | 'flapping' | undefined> {
  if (context.kind === 'expiring') return undefined;
  const windows = (await maintenance.windowsFor(db, [context.subscription_id])).get(
    context.subscription_id,
  );
  const at = isChange(context) ? context.slot_time : context.created_at;
  if (windows && inMaintenance(windows, at)) return 'maintenance';
  return context.kind === 'held' ? 'flapping' : undefined;
}

/**
 * Whether an event's `expires_at` (ISO text) is the period end the subscription has now. Both
 * sides hold whole milliseconds: the event's text is cut there, and so is pg's Date.
 */
function sameInstant(iso: unknown, current: Date | null): boolean {
  return typeof iso === 'string' && current !== null && Date.parse(iso) === current.getTime();
}
