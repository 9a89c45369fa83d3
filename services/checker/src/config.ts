import { isIP } from 'node:net';
import {
  env,
  parseConfig,
  requireInServiceMode,
  targetAccessShape,
  workerShape,
  type Env,
} from '@lighthouse/shared';
import { z } from 'zod';

const schema = z
  .object({
    ...workerShape({ metricsPort: 9102, shutdownTimeoutMs: 15_000 }),
    /** opens the sealed target configs */
    ENCRYPTION_KEY: env.encryptionKey(),
    /** probes run at once by this process */
    CHECKER_CONCURRENCY: env.int(200, 1, 5_000),
    /** results written per transaction (group commit) */
    RESULT_BATCH_SIZE: env.int(500, 1, 10_000),
    /** how long a result may wait for its batch */
    RESULT_BATCH_WAIT_MS: env.int(50, 1, 5_000),
    /** how long a loaded subscription is reused before it is read again */
    SUBSCRIPTION_CACHE_MS: env.int(10_000, 0, 600_000),
    ...targetAccessShape,
    /** stored on every job it processes (BullMQ processedBy); default <hostname>-<pid> */
    CHECKER_NAME: z.string().min(1).max(128).optional(),
    /** the region this checker belongs to: it takes only that region's slots (eu-west, us-east) */
    CHECKER_REGION: env.region(),
    /**
     * the probe's secp256k1 key: it signs every batch of results this checker writes (verifiable
     * records); its address is listed at GET /v1/probes. One key per region.
     */
    CHECKER_SIGNING_KEY: env.privateKey(
      "the probe's signing key (node -p \"require('ethers').Wallet.createRandom().privateKey\"; ./lighthouse start makes one)",
    ),
    /** the local address its probes connect from (a multi-homed host's interface); default: the system's choice */
    CHECKER_SOURCE_ADDRESS: z
      .string()
      .refine((v) => isIP(v) !== 0, 'must be an IPv4 or IPv6 address')
      .optional(),
    /** a probe's job lock; a checker that dies holding it loses it after this long */
    CHECKER_LOCK_MS: env.int(30_000, 500, 600_000),
    /** how often workers look for jobs whose checker died (then retried elsewhere) */
    CHECKER_STALLED_INTERVAL_MS: env.int(15_000, 200, 600_000),
    /** how often this checker reports itself (the operator console's fleet) */
    CHECKER_HEARTBEAT_MS: env.int(10_000, 100, 600_000),
  })
  .superRefine((c, ctx) =>
    requireInServiceMode(c, ctx, {
      METRICS_TOKEN: 'a public /metrics tells anyone what runs here',
    }),
  );

export type CheckerConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): CheckerConfig {
  return parseConfig(schema, source);
}
