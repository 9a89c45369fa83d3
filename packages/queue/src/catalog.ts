import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

/** The most slots one check job carries (CHECK_JOB_SLOTS is at most this). */
export const CHECK_SLOTS_PER_JOB = 100;
/** CHECK_JOB_SLOTS's default. */
export const DEFAULT_SLOTS_PER_JOB = 20;

/**
 * Alerts and deliveries: 8 attempts, 2 s, 4 s, 8 s … about 4 minutes in all, each ±50 %;
 * failed jobs are kept a week for the redrive and for people to look at.
 */
const notificationOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
  removeOnComplete: { count: 1_000, age: 24 * 3_600 },
  removeOnFail: { count: 10_000, age: 7 * 24 * 3_600 },
} satisfies JobsOptions;

/**
 * Every queue, its job payload and its job-id rule. Producers add jobs with `enqueue` and
 * consumers run them with `createWorker` (./jobs), which validates each payload on receipt.
 * Payloads stay small and hold no secrets.
 */
export const jobCatalog = {
  /**
   * A batch of slots: one job carries up to CHECK_SLOTS_PER_JOB of them, so that the queue's
   * own work (about 35 Redis commands a job) is shared by the batch (bench/FINDINGS.md).
   */
  checks: {
    name: 'check',
    data: z.strictObject({
      slots: z
        .array(
          z.strictObject({
            subscriptionId: z.uuid(),
            /** the slot, ISO 8601 */
            scheduledAt: z.iso.datetime({ offset: true }),
            /** a confirmation check (a retry after a failure): recorded, not counted as a slot */
            confirmation: z.literal(true).optional(),
          }),
        )
        .min(1)
        .max(CHECK_SLOTS_PER_JOB),
    }),
    /**
     * The first slot as `${subscriptionId}_${slotEpochMs}` (DESIGN writes the separator as ':',
     * which BullMQ 6 refuses in custom ids), the batch's size and a digest of all its slots:
     * the same batch added again (a scheduler's commit failed after the add) adds nothing.
     */
    jobId: (d: { slots: readonly { subscriptionId: string; scheduledAt: string }[] }) => {
      const keys = d.slots.map((s) => `${s.subscriptionId}_${Date.parse(s.scheduledAt)}`);
      const digest = createHash('sha256').update(keys.join(',')).digest('hex').slice(0, 16);
      return `${keys[0]}_${keys.length}_${digest}`;
    },
    options: {
      attempts: 2,
      backoff: { type: 'exponential', delay: 1_000 },
      // the row in check_history is the record; a finished job is only Redis memory
      removeOnComplete: true,
      removeOnFail: { count: 5_000, age: 24 * 3_600 },
    } satisfies JobsOptions,
  },
  alerts: {
    name: 'alert',
    data: z.strictObject({ eventId: z.uuid() }),
    jobId: (d: { eventId: string }) => d.eventId,
    options: notificationOptions,
  },
  /** one job per (alert, channel): retried on its own so a failing channel delays no other */
  deliveries: {
    name: 'deliver',
    data: z.strictObject({ deliveryId: z.uuid() }),
    jobId: (d: { deliveryId: string }) => d.deliveryId,
    options: notificationOptions,
  },
} as const;

export type QueueName = keyof typeof jobCatalog;

/**
 * The queue that carries a region's check jobs (DESIGN: one queue per region): `checks` for the
 * region `local`, the default of an instance that names none, and `checks-<region>` for any
 * other. A checker consumes its region's queue only.
 */
export function checksQueueName(region: string): string {
  return region === 'local' ? 'checks' : `checks-${region}`;
}
export type JobData<Q extends QueueName> = z.output<(typeof jobCatalog)[Q]['data']>;
export const QUEUE_NAMES = Object.keys(jobCatalog) as QueueName[];

/** One catalog entry, as code generic over the queue sees it. */
export interface JobEntry<T> {
  /** the job's name inside its queue */
  name: string;
  data: z.ZodType<T>;
  jobId: (data: T) => string;
  options: JobsOptions;
}

/** The catalog, each entry typed by its own payload; checked against `jobCatalog` here. */
const entries: { [Q in QueueName]: JobEntry<JobData<Q>> } = jobCatalog;

export function jobEntry<Q extends QueueName>(queue: Q): JobEntry<JobData<Q>> {
  return entries[queue];
}

/** Parses a job's data on receipt; a malformed job is a permanent failure for the caller to raise. */
export function parseJobData<Q extends QueueName>(queue: Q, data: unknown): JobData<Q> {
  return jobEntry(queue).data.parse(data);
}
