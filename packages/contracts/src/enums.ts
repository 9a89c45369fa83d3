/*
 * The closed sets of values the API answers with. Plain lists without zod, so a client that
 * needs only these (a filter's options) bundles nothing else.
 */

/** A subscription's monitoring state. */
export const MONITOR_STATES = ['up', 'down', 'degraded', 'unknown'] as const;
export type MonitorState = (typeof MONITOR_STATES)[number];

/** What one check found: a state, never unknown. */
export const CHECK_STATUSES = ['up', 'down', 'degraded'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** expired: a paid period has passed; it is not checked until renewed. */
export const SUBSCRIPTION_STATUSES = ['active', 'paused', 'expired'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** What a public status page shows: paused when not being checked (by its owner, or expired). */
export const PUBLIC_STATES = [...MONITOR_STATES, 'paused'] as const;
export type PublicState = (typeof PUBLIC_STATES)[number];

export const MODES = ['self-hosted', 'service'] as const;
export type Mode = (typeof MODES)[number];

/** read: GET and HEAD only; read_write: everything but managing API keys. */
export const API_KEY_SCOPES = ['read', 'read_write'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const ALERT_SEVERITIES = ['critical', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** all channels sent, some, none yet, none at all, or not sent on purpose */
export const ALERT_DELIVERY_STATUSES = [
  'pending',
  'sent',
  'partial',
  'failed',
  'suppressed',
] as const;
export type AlertDeliveryStatus = (typeof ALERT_DELIVERY_STATUSES)[number];

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why an alert was recorded but not sent. */
export const SUPPRESSED_REASONS = ['maintenance', 'flapping'] as const;
export type SuppressedReason = (typeof SUPPRESSED_REASONS)[number];

export const PAYMENT_PURPOSES = ['create', 'renew', 'upgrade', 'probe'] as const;
export type PaymentPurpose = (typeof PAYMENT_PURPOSES)[number];

/** pending: the settlement's outcome is unknown, held for reconciliation */
export const PAYMENT_STATUSES = ['pending', 'settled'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** What audit entries are about today; the log's filter takes any such name. */
export const AUDIT_RESOURCE_TYPES = [
  'subscription',
  'maintenance_window',
  'status_page',
  'api_key',
  'session',
  'payment',
  'wallet',
  'probe',
] as const;
export type AuditResourceType = (typeof AUDIT_RESOURCE_TYPES)[number];

export const AUDIT_ACTORS = ['session', 'api_key', 'system', 'x402'] as const;
export type AuditActor = (typeof AUDIT_ACTORS)[number];

/** The states BullMQ counts a queue's jobs in, as the console shows them. */
export const QUEUE_JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'failed',
  'completed',
] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];
