import { env, parseConfig, workerShape, type Env } from '@lighthouse/shared';
import { z } from 'zod';

const schema = z.object({
  ...workerShape({ metricsPort: 9101, shutdownTimeoutMs: 10_000 }),
  /** how often due subscriptions are claimed */
  SCHEDULER_TICK_MS: env.int(100, 50, 60_000),
  /** subscriptions claimed per transaction; a full batch is followed by another at once */
  SCHEDULER_BATCH_SIZE: env.int(1_000, 1, 20_000),
  /** how often the outbox relay looks for unpublished state events */
  RELAY_INTERVAL_MS: env.int(250, 20, 60_000),
  RELAY_BATCH_SIZE: env.int(500, 1, 10_000),
  /** how often reminders and the end of flapping are looked for */
  ALERT_RULES_INTERVAL_MS: env.int(5_000, 50, 600_000),
  /** partitions and other upkeep */
  HOUSEKEEPING_INTERVAL_MS: env.int(3_600_000, 1_000, 86_400_000),
  PARTITION_DAYS_AHEAD: env.int(7, 1, 60),
});

export type SchedulerConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): SchedulerConfig {
  return parseConfig(schema, source);
}
