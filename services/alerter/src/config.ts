import {
  env,
  parseConfig,
  requireInServiceMode,
  targetAccessShape,
  workerShape,
  type Env,
} from '@lighthouse/shared';
import { channelSettingsShape } from '@lighthouse/channels';
import { z } from 'zod';

const schema = z
  .object({
    ...workerShape({ metricsPort: 9103, shutdownTimeoutMs: 15_000 }),
    /** opens the sealed channel configs */
    ENCRYPTION_KEY: env.encryptionKey(),
    /** deliveries in flight per process */
    ALERTER_CONCURRENCY: env.int(50, 1, 1_000),
    /** attempts per delivery, and the first backoff (doubling, ±50 % jitter) */
    DELIVERY_ATTEMPTS: env.int(8, 1, 50),
    DELIVERY_BACKOFF_MS: env.int(2_000, 10, 600_000),
    ...channelSettingsShape,
    ...targetAccessShape,
    /** a job's lock; an alerter that dies holding it loses it after this long */
    ALERTER_LOCK_MS: env.int(30_000, 500, 600_000),
    /** how often workers look for jobs whose alerter died (then retried elsewhere) */
    ALERTER_STALLED_INTERVAL_MS: env.int(15_000, 200, 600_000),
  })
  .superRefine((c, ctx) =>
    requireInServiceMode(c, ctx, {
      METRICS_TOKEN: 'a public /metrics tells anyone what runs here',
    }),
  );

export type AlerterConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): AlerterConfig {
  return parseConfig(schema, source);
}
