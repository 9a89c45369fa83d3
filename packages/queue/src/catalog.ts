import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

/**
 * Every queue, its job payload and its job-id rule. Producers and consumers both
 * import this; consumers validate on receipt. Payloads stay small and hold no secrets.
 */
export const jobCatalog = {
  checks: {
    name: 'check',
    data: z.strictObject({
      subscriptionId: z.uuid(),
      /** the slot, ISO 8601 */
      scheduledAt: z.iso.datetime({ offset: true }),
      /** a confirmation check (a retry after a failure): recorded, not counted as a slot */
      confirmation: z.literal(true).optional(),
    }),
    /**
     * `${subscriptionId}_${slotEpochMs}`: DESIGN writes the separator as ':', which
     * BullMQ 6 refuses in custom ids (it reserves ':' for its own keys).
     */
    jobId: (d: { subscriptionId: string; scheduledAt: string }) =>
      `${d.subscriptionId}_${Date.parse(d.scheduledAt)}`,
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
    options: {
      attempts: 8,
      backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
      removeOnComplete: { count: 1_000, age: 24 * 3_600 },
      removeOnFail: { count: 10_000, age: 7 * 24 * 3_600 },
    } satisfies JobsOptions,
  },
  /** one job per (alert, channel): retried on its own so a failing channel delays no other */
  deliveries: {
    name: 'deliver',
    data: z.strictObject({ deliveryId: z.uuid() }),
    jobId: (d: { deliveryId: string }) => d.deliveryId,
    options: {
      attempts: 8,
      // 2 s, 4 s, 8 s … about 4 minutes in all, each ±50 %
      backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
      removeOnComplete: { count: 1_000, age: 24 * 3_600 },
      removeOnFail: { count: 10_000, age: 7 * 24 * 3_600 },
    } satisfies JobsOptions,
  },
} as const;

export type QueueName = keyof typeof jobCatalog;
export type JobData<Q extends QueueName> = z.output<(typeof jobCatalog)[Q]['data']>;
export const QUEUE_NAMES = Object.keys(jobCatalog) as QueueName[];

/** Parses a job's data on receipt; a malformed job is a permanent failure for the caller to raise. */
export function parseJobData<Q extends QueueName>(queue: Q, data: unknown): JobData<Q> {
  return jobCatalog[queue].data.parse(data) as JobData<Q>;
}
