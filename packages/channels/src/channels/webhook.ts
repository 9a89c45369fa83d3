import { createHmac } from 'node:crypto';
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
 * `test: true` they have always carried.
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

/** `sha256=<hex HMAC-SHA256>` of the exact body bytes, keyed with the channel's secret. */
export function signWebhookBody(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** POSTs the signed JSON payload; receivers verify the signature over the raw body. */
export const sendWebhook: ChannelSender<WebhookConfig> = (config, message, rendered, ctx) => {
  const body = JSON.stringify(webhookPayload(message, rendered.text));
  return postJson(config.url, body, ctx, {
    headers: {
      'X-Lighthouse-Event-Id': message.event_id,
      'X-Lighthouse-Signature': signWebhookBody(body, config.secret),
    },
    secrets: [config.secret],
  });
};
