import { z } from 'zod';
import { anyObject, page, time, uuid } from './common';
import { MONITOR_STATES, SUBSCRIPTION_STATUSES } from './enums';
import { CHANNEL_TYPE_NAMES, LANGUAGES, TARGET_TYPE_NAMES } from './targets';

export const alertChannel = z.object({
  id: uuid,
  type: z.enum(CHANNEL_TYPE_NAMES),
  /** null: the owner's preferred language */
  language: z.enum(LANGUAGES).nullable(),
  config: anyObject.meta({ description: 'secrets masked; follows Channel_<type>' }),
});
export type AlertChannel = z.output<typeof alertChannel>;

export const subscription = z
  .object({
    id: uuid,
    subscription_id: uuid.meta({ description: 'the same as id' }),
    name: z.string(),
    user_address: z.string().meta({ description: "the owner's address, lower-case" }),
    target_type: z.enum(TARGET_TYPE_NAMES),
    target_config: anyObject.meta({
      description: 'as written, secrets masked; follows Target_<target_type>',
    }),
    tier: z.string(),
    check_frequency_seconds: z.int(),
    alert_channels: z.array(alertChannel),
    failure_threshold: z.int(),
    recovery_threshold: z.int(),
    retry_interval_seconds: z.int().meta({
      description:
        'after a failed check below failure_threshold (or, while down, a passing one below recovery_threshold) the target is checked again this soon, not at its next slot',
    }),
    reminder_interval_minutes: z.int().nullable(),
    flapping_threshold: z.int().nullable(),
    flapping_window_minutes: z.int(),
    flapping_since: time.nullable(),
    regions: z.array(z.string()).meta({
      description:
        'the regions it is checked from (GET /v1/regions); written as null, the instance default',
    }),
    quorum: z.union([z.enum(['any', 'majority', 'all']), z.int()]).meta({
      description:
        'how many of the regions must agree that it is down (or degraded) before its state changes',
    }),
    in_maintenance: z.boolean(),
    status: z.enum(SUBSCRIPTION_STATUSES).meta({
      description: 'expired: a paid period has passed; it is not checked until renewed',
    }),
    active: z.boolean().meta({ description: 'false while paused' }),
    state: z.enum(MONITOR_STATES),
    state_changed_at: time.nullable(),
    last_check_at: time.nullable(),
    next_check_at: time.nullable().meta({ description: 'null while paused or expired' }),
    expires_at: time.nullable().meta({ description: 'the end of a paid period' }),
    created_at: time,
    updated_at: time,
    push_token: z.string().optional().meta({
      description: "a heartbeat's push token: in the 201 only, shown this once",
    }),
    push_url: z
      .string()
      .optional()
      .meta({ description: 'the URL to ping with it: in the 201 only' }),
    payment_id: uuid.optional().meta({
      description: 'the payment a renewal made: in the renewal answer only',
    }),
  })
  .meta({
    description:
      'a subscription; secrets are masked. Besides what it is written with, it shows flapping_since (when flapping started, null when not flapping) and in_maintenance (a maintenance window covers the time of the answer), both read-only',
  });
export type Subscription = z.output<typeof subscription>;

export const subscriptionPage = page(subscription);

/** A heartbeat's new push URL, shown this once. */
export const pushToken = z.object({
  subscription_id: uuid,
  push_token: z.string(),
  push_url: z.url(),
});
export type PushToken = z.output<typeof pushToken>;

export const maintenanceWindow = z
  .object({
    id: uuid,
    subscription_id: uuid,
    name: z.string(),
    type: z.enum(['one-off', 'recurring']),
    starts_at: time,
    ends_at: time.nullable(),
    cron: z.string().nullable(),
    duration_minutes: z.number().nullable(),
    timezone: z.string().meta({ description: 'an IANA time zone' }),
    active_now: z.boolean().meta({ description: 'an occurrence covers the time of the answer' }),
    next: z.object({ start: time, end: time }).nullable().meta({
      description: 'the occurrence in progress, else the next to start; null when none will',
    }),
    created_at: time,
    updated_at: time,
  })
  .meta({
    description:
      'one-off (type "one-off": starts_at to ends_at) or recurring (type "recurring": each cron occurrence, read in timezone, lasts duration_minutes; occurrences count from starts_at and, when ends_at is set, start before it)',
  });
export type MaintenanceWindow = z.output<typeof maintenanceWindow>;

export const maintenanceWindowList = z.object({ items: z.array(maintenanceWindow) });
export type MaintenanceWindowList = z.output<typeof maintenanceWindowList>;
