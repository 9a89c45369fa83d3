import { alerts, type Db } from '@lighthouse/db';
import { isAlertable } from '@lighthouse/domain';
import { jobCatalog, parseJobData } from '@lighthouse/queue';
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { AlerterMetrics } from '../metrics';
import { buildMessage } from './message';
import { render } from '@lighthouse/channels';

const SEVERITY: Record<string, string> = { down: 'critical', degraded: 'warning', up: 'info' };

/**
 * A state event becomes one alert and one delivery per channel, each created
 * once (unique per event, and per (alert, channel)); then every unfinished
 * delivery is enqueued under its own id. Running this twice changes nothing.
 */
export function createAlertProcessor(deps: {
  db: Db;
  deliveries: Queue;
  metrics: AlerterMetrics;
  retry: { attempts: number; backoffMs: number };
}) {
  return async (job: Job): Promise<string> => {
    let eventId: string;
    try {
      eventId = parseJobData('alerts', job.data).eventId;
    } catch (err) {
      throw new UnrecoverableError(
        `malformed alert job: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const context = await alerts.loadEventContext(deps.db, eventId);
    if (!context) throw new UnrecoverableError(`state event ${eventId} does not exist`);
    if (context.deleted) return 'subscription deleted';
    if (!isAlertable({ from: context.from_state, to: context.to_state })) return 'nothing to tell';

    const language = context.language_preference === 'es' ? 'es' : 'en';
    const message = buildMessage(
      context,
      await alerts.downtimeClosedBy(deps.db, eventId),
      language,
    );
    const pending = await deps.db.transaction().execute(async (tx) => {
      const alertId = await alerts.ensureAlert(tx, {
        event_id: eventId,
        subscription_id: context.subscription_id,
        alert_type: context.to_state,
        severity: SEVERITY[context.to_state] ?? 'info',
        message: render(message).text,
        language,
      });
      return alerts.ensureDeliveries(tx, alertId, context.alert_channels);
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
    deps.metrics.alerts.inc({ type: context.to_state });
    return `${pending.length} deliveries`;
  };
}
