import { rules, type Db } from '@lighthouse/db';
import type { SchedulerMetrics } from '../metrics';

/**
 * Raises the events no check result raises: reminders for subscriptions that stay
 * down, and the end of flapping once a window passes without a change. The relay
 * publishes them like any other state event. Returns true when a batch was full.
 */
export async function raiseRuleEvents(deps: {
  db: Db;
  metrics: SchedulerMetrics;
  batchSize: number;
}): Promise<boolean> {
  const { db, metrics, batchSize } = deps;
  const reminders = await rules.raiseReminders(db, batchSize);
  const stable = await rules.raiseStable(db, batchSize);
  metrics.ruleEvents.inc({ kind: 'reminder' }, reminders.length);
  metrics.ruleEvents.inc({ kind: 'stable' }, stable.length);
  return reminders.length === batchSize || stable.length === batchSize;
}
