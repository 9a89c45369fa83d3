import { rules, type Db } from '@lighthouse/db';
import type { SchedulerMetrics } from '../metrics';

/**
 * Raises the events no check result raises: reminders for subscriptions that stay
 * down, the end of flapping once a window passes without a change, and notices that a
 * paid period ends soon or has ended. The relay publishes them like any other state
 * event. Returns true when a batch was full.
 */
export async function raiseRuleEvents(deps: {
  db: Db;
  metrics: SchedulerMetrics;
  batchSize: number;
}): Promise<boolean> {
  const { db, metrics, batchSize } = deps;
  const reminders = await rules.raiseReminders(db, batchSize);
  const stable = await rules.raiseStable(db, batchSize);
  const expiring = await rules.raiseExpiryNotices(db, batchSize);
  metrics.ruleEvents.inc({ kind: 'reminder' }, reminders.length);
  metrics.ruleEvents.inc({ kind: 'stable' }, stable.length);
  metrics.ruleEvents.inc({ kind: 'expiring' }, expiring.length);
  return [reminders, stable, expiring].some((raised) => raised.length === batchSize);
}
