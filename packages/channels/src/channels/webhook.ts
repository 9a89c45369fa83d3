import { createHmac, timingSafeEqual } from 'node:crypto';
import { postJson } from './http';
import { kindOf } from '../i18n';
import type { ChannelConfig } from './index';
import type { AlertMessage, ChannelSender } from './types';

type WebhookConfig = ChannelConfig<'webhook'>;

/**
 * The delivery body of DESIGN.md "Webhook channel delivery", plus `kind` (what the message
 * tells: 'transition', 'reminder', 'flapping', 'stable', 'expiring' or 'test'); for flapping,
 * `flapping` (`{ transitions, window_minutes }`); for expiring, `expires_at`, `days_left`
 * (whole days left, 0 once it has ended: `event` is then 'subscription.expired') and
 * `tier`; for a change of state, `since` (its first check, before the ones that confirmed
 * it); test alerts are `event: 'subscription.test'`, `kind: 'test'` and keep the
 * `test: true` they have always carried. `regions` is always there: each region's
 * `{ region, status, error, response_time_ms }` for the check (status 'missing' when a region
 * sent no result), [] when the event names none.
 */
export function webhookPayload(message: AlertMessage, text: string): Record<string, unknown> {
  const { check, flapping, expiry } = message;
  const kind = kindOf(message);
  return {
    event_id: message.event_id,
    event: message.event,
    subscription_id: message.subscription_id,
    name: message.name,
    target: message.target,
    from_state: message.from_state,
    to_state: message.to_state,
    check: {
      time: check.time,
      status: check.status,
      http_status: check.http_status,
      response_time_ms: check.response_time_ms,
      error: check.error,
    },
    regions: (message.regions ?? []).map((r) => ({
      region: r.region,
      status: r.status,
      error: r.error,
      response_time_ms: r.response_time_ms,
    })),
    message: text,
    language: message.language,
    kind,
    ...(message.since !== undefined ? { since: message.since } : {}),
    ...(kind === 'flapping' && flapping !== undefined
      ? { flapping: { transitions: flapping.transitions, window_minutes: flapping.window_minutes } }
      : {}),
    ...(kind === 'expiring' && expiry !== undefined
      ? { expires_at: expiry.expires_at, days_left: expiry.days_left, tier: expiry.tier }
      : {}),
    ...(kind === 'test' ? { test: true } : {}),
  };
}

/**
 * `sha256=<hex HMAC-SHA256>` of `<timestamp>.<body>` (the exact body bytes), keyed with the
 * channel's secret. The timestamp (unix seconds, sent as X-Lighthouse-Timestamp) is signed with
 * the body, so a captured delivery cannot be replayed once it is older than the receiver's
 * tolerance.
 */
export function signWebhook(body: string, secret: string, timestamp: number): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}

/** How far a receiver should let a delivery's timestamp be from its own clock. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * What a receiver does (the README shows the same in a few lines): the signature must be the
 * HMAC of `<timestamp>.<raw body>`, compared in constant time, and the timestamp within
 * `toleranceSeconds` of now. Exported for tests and for receivers written in TypeScript.
 */
export function verifyWebhook(options: {
  rawBody: string;
  timestamp: string | undefined;
  signature: string | undefined;
  secret: string;
  toleranceSeconds?: number;
  now?: number;
}): boolean {
  const { rawBody, timestamp, signature, secret } = options;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature) return false;
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    return false;
  }
  const expected = Buffer.from(signWebhook(rawBody, secret, Number(timestamp)));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** POSTs the signed JSON payload; receivers verify the signature over `<timestamp>.<raw body>`. */
export const sendWebhook: ChannelSender<WebhookConfig> = (config, message, rendered, ctx) => {
  const body = JSON.stringify(webhookPayload(message, rendered.text));
  const timestamp = Math.floor(Date.now() / 1000);
  return postJson(config.url, body, ctx, {
    headers: {
      'X-Lighthouse-Event-Id': message.event_id,
      'X-Lighthouse-Timestamp': String(timestamp),
      'X-Lighthouse-Signature': signWebhook(body, config.secret, timestamp),
    },
    secrets: [config.secret],
  });
};
