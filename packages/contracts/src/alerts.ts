import { z } from 'zod';
import { page, time, uuid } from './common';
import {
  ALERT_DELIVERY_STATUSES,
  ALERT_SEVERITIES,
  DELIVERY_STATUSES,
  SUPPRESSED_REASONS,
} from './enums';
import { CHANNEL_TYPE_NAMES, LANGUAGES } from './targets';

export const alertDelivery = z.object({
  channel_id: uuid,
  channel_type: z.enum(CHANNEL_TYPE_NAMES),
  status: z.enum(DELIVERY_STATUSES),
  attempts: z.int(),
  last_error: z.string().nullable(),
  last_attempt_at: time.nullable(),
  delivered_at: time.nullable(),
});
export type AlertDelivery = z.output<typeof alertDelivery>;

export const alert = z
  .object({
    id: uuid,
    event_id: uuid.meta({
      description: 'the state event; webhooks carry it, so receivers can drop a repeat',
    }),
    alert_type: z.string().meta({
      description:
        'the state it changed to (down, up, degraded), or reminder, flapping, stable, expiring…',
    }),
    severity: z.enum(ALERT_SEVERITIES),
    message: z.string().meta({ description: 'the text sent, in the alert language' }),
    language: z.enum(LANGUAGES),
    delivery_status: z.enum(ALERT_DELIVERY_STATUSES).meta({
      description: 'all channels sent, some, none yet, none at all, or not sent on purpose',
    }),
    suppressed_reason: z.enum(SUPPRESSED_REASONS).nullable().meta({
      description: "why it was recorded but not sent: 'maintenance' or 'flapping'",
    }),
    channels_sent: z.array(z.string()).meta({ description: 'channel ids' }),
    retry_count: z.int(),
    created_at: time,
    deliveries: z.array(alertDelivery),
  })
  .meta({
    description:
      'one alert raised for a state change, reminder or notice, with how each channel took it',
  });
export type Alert = z.output<typeof alert>;

export const alertPage = page(alert);

export const testAlertResult = z.object({
  channel_id: uuid,
  type: z.string().meta({ description: `the channel type: ${CHANNEL_TYPE_NAMES.join(', ')}` }),
  ok: z.boolean(),
  error: z.string().nullable().meta({ description: 'why the channel refused it' }),
});
export type TestAlertResult = z.output<typeof testAlertResult>;

export const testAlertResults = z.object({ results: z.array(testAlertResult) });
export type TestAlertResults = z.output<typeof testAlertResults>;
