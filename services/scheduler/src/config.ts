import {
  env,
  modeShape,
  parseConfig,
  requireInServiceMode,
  workerShape,
  type Env,
} from '@lighthouse/shared';
import { CHECK_SLOTS_PER_JOB, DEFAULT_SLOTS_PER_JOB } from '@lighthouse/queue';
import { z } from 'zod';

const schema = z
  .object({
    ...workerShape({ metricsPort: 9101, shutdownTimeoutMs: 10_000 }),
    /** how often due subscriptions are claimed */
    SCHEDULER_TICK_MS: env.int(100, 50, 60_000),
    /** subscriptions claimed per transaction; a full batch is followed by another at once */
    SCHEDULER_BATCH_SIZE: env.int(1_000, 1, 20_000),
    /** slots carried by one check job (the queue's work is per job); checkers read it too */
    CHECK_JOB_SLOTS: env.int(DEFAULT_SLOTS_PER_JOB, 1, CHECK_SLOTS_PER_JOB),
    /** how often the outbox relay looks for unpublished state events */
    RELAY_INTERVAL_MS: env.int(250, 20, 60_000),
    RELAY_BATCH_SIZE: env.int(500, 1, 10_000),
    /** how often alert and delivery jobs that Redis lost, or gave up on, are looked for */
    REDRIVE_INTERVAL_MS: env.int(15_000, 50, 600_000),
    /** how long a published event may stay unhandled, or a delivery pending, before its job is checked */
    REDRIVE_AFTER_MS: env.int(15_000, 100, 3_600_000),
    /** events, and deliveries, checked per round */
    REDRIVE_BATCH_SIZE: env.int(500, 1, 10_000),
    /** how often reminders and the end of flapping are looked for */
    ALERT_RULES_INTERVAL_MS: env.int(5_000, 50, 600_000),
    /** partitions, retention and other upkeep */
    HOUSEKEEPING_INTERVAL_MS: env.int(3_600_000, 1_000, 86_400_000),
    PARTITION_DAYS_AHEAD: env.int(7, 1, 60),
    /** how often new raw rows are folded into the hourly and daily rollups */
    ROLLUP_INTERVAL_MS: env.int(60_000, 100, 3_600_000),
    /** how long rollups are kept; raw rows are kept per tier (raw_retention_days) */
    ROLLUP_HOURLY_RETENTION_DAYS: env.int(90, 1, 3_650),
    ROLLUP_DAILY_RETENTION_DAYS: env.int(730, 1, 36_500),
    /** the region a subscription that names none is checked from */
    DEFAULT_REGION: env.region(),
    /** a multi-region slot waits this long after its probe's timeout for every region to report */
    VERDICT_GRACE_SECONDS: env.int(30, 1, 3_600),
    /** a region whose checkers have all been silent this long is dark: its slots are missing */
    REGION_DARK_AFTER_SECONDS: env.int(120, 5, 86_400),
    /** an hour's check records are folded into its anchor this long after it ends */
    ANCHOR_GRACE_SECONDS: env.int(300, 0, 86_400),
    /** the EVM chain each hour's root is published on (all three ANCHOR_ settings, or none) */
    ANCHOR_RPC_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    /** the account that deployed the anchor contract (it alone may anchor) */
    ANCHOR_PRIVATE_KEY: env.privateKey('with ANCHOR_RPC_URL').optional(),
    /** the LighthouseAnchor contract (lighthouse-verify deploy-anchor prints it) */
    ANCHOR_CONTRACT: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed contract address')
      .optional(),
    ...modeShape,
    /** service mode: the tiers file, whose raw_retention_days the retention job applies */
    LIGHTHOUSE_TIERS: z.string().min(1).optional(),
    /** self-hosted mode: days of raw check history kept */
    LIGHTHOUSE_RETENTION_DAYS: env.int(90, 1, 3_650),
  })
  .superRefine((c, ctx) => {
    requireInServiceMode(c, ctx, {
      METRICS_TOKEN: 'a public /metrics tells anyone what runs here',
    });
    const anchor = ['ANCHOR_RPC_URL', 'ANCHOR_PRIVATE_KEY', 'ANCHOR_CONTRACT'] as const;
    const given = anchor.filter((k) => c[k] !== undefined);
    if (given.length > 0 && given.length < anchor.length) {
      for (const k of anchor.filter((k) => c[k] === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `is required with ${given.join(' and ')}: anchoring on chain needs all three`,
        });
      }
    }
    if (c.LIGHTHOUSE_MODE === 'self-hosted' && c.LIGHTHOUSE_TIERS !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['LIGHTHOUSE_TIERS'],
        message: 'is read in service mode only: set LIGHTHOUSE_MODE=service to use tiers',
      });
    }
  });

export type SchedulerConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): SchedulerConfig {
  return parseConfig(schema, source);
}
