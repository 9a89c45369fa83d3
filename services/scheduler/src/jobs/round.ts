import type { Db } from '@lighthouse/db';
import type { QueueName, Queues } from '@lighthouse/queue';
import type { SchedulerMetrics } from '../metrics';

/**
 * What one round of a batch loop gets: the database, the queues it adds to, the metrics and
 * how many rows it takes at most. A round returns true when its batch was full (run again).
 */
export interface BatchRound<Q extends QueueName = never> {
  db: Db;
  queues: Queues<Q>;
  metrics: SchedulerMetrics;
  batchSize: number;
}
