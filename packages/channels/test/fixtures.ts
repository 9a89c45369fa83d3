import type { AlertMessage, RegionResult } from '../src/channels/types';

/** A down alert for "Checkout API"; override any part. */
export function alertMessage(overrides: Partial<AlertMessage> = {}): AlertMessage {
  return {
    event_id: '6b0f6c1e-0000-4000-8000-000000000001',
    event: 'subscription.down',
    subscription_id: '6b0f6c1e-0000-4000-8000-0000000000aa',
    name: 'Checkout API',
    target: 'GET https://shop.example.com/health',
    from_state: 'up',
    to_state: 'down',
    check: {
      time: '2024-05-01T12:03:20.000Z',
      status: 'down',
      http_status: 503,
      response_time_ms: 87,
      error: 'expected status 2xx, got 503',
      error_category: 'status',
    },
    downtime_ms: null,
    language: 'en',
    ...overrides,
  };
}

/** The recovery after 3 min 20 s down. */
export function recoveryMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    event: 'subscription.up',
    from_state: 'down',
    to_state: 'up',
    language,
    check: {
      time: '2024-05-01T12:06:40.000Z',
      status: 'up',
      http_status: 200,
      response_time_ms: 42,
      error: null,
      error_category: null,
    },
    downtime_ms: 200_000,
    ...overrides,
  });
}

/** Still down, 1 h 5 min after the outage began (the check is the latest one). */
export function reminderMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    event: 'subscription.reminder',
    kind: 'reminder',
    from_state: 'down',
    to_state: 'down',
    language,
    check: {
      time: '2024-05-01T13:05:00.000Z',
      status: 'down',
      http_status: null,
      response_time_ms: null,
      error: 'connect ECONNREFUSED',
      error_category: 'connect',
    },
    downtime_ms: 3_900_000,
    ...overrides,
  });
}

/** The up → down change that made 5 changes in 30 min: alerts are held. */
export function flappingMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    event: 'subscription.flapping',
    kind: 'flapping',
    language,
    flapping: { transitions: 5, window_minutes: 30 },
    ...overrides,
  });
}

/** A whole window without a change, up: alerts resume. */
export function stableMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return recoveryMessage(language, {
    event: 'subscription.stable',
    kind: 'stable',
    from_state: 'up',
    to_state: 'up',
    check: {
      time: '2024-05-01T12:40:00.000Z',
      status: 'up',
      http_status: 200,
      response_time_ms: 38,
      error: null,
      error_category: null,
    },
    downtime_ms: null,
    ...overrides,
  });
}

/** The pro tier ends on 4 May 2024 at 12:00 UTC, 3 days after the notice; override `expiry` for others. */
export function expiringMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    event: 'subscription.expiring',
    kind: 'expiring',
    from_state: 'up',
    to_state: 'up',
    language,
    check: {
      time: '2024-05-01T12:00:05.000Z',
      status: 'up',
      http_status: null,
      response_time_ms: null,
      error: null,
      error_category: null,
    },
    expiry: { expires_at: '2024-05-04T12:00:00.000Z', days_left: 3, tier: 'pro' },
    ...overrides,
  });
}

/** The same subscription once its period has ended. */
export function expiredMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return expiringMessage(language, {
    event: 'subscription.expired',
    check: { ...expiringMessage().check, time: '2024-05-04T12:00:05.000Z' },
    expiry: { expires_at: '2024-05-04T12:00:00.000Z', days_left: 0, tier: 'pro' },
    ...overrides,
  });
}

/** A test alert (POST /v1/subscriptions/:id/test-alert) while the subscription is up. */
export function testMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    event: 'subscription.test',
    kind: 'test',
    from_state: 'up',
    to_state: 'up',
    language,
    check: {
      time: '2024-05-01T12:10:00.000Z',
      status: 'up',
      http_status: null,
      response_time_ms: null,
      error: null,
      error_category: null,
    },
    ...overrides,
  });
}

/** Three regions, sorted by region, of which two are down: each with its own error. */
export const THREE_REGIONS: RegionResult[] = [
  { region: 'ap-south', status: 'up', error: null, response_time_ms: 112 },
  { region: 'eu-west', status: 'down', error: 'connection refused', response_time_ms: null },
  { region: 'us-east', status: 'down', error: 'timeout', response_time_ms: 10_000 },
];

/** The outage of {@link alertMessage} seen from three regions, two of which failed. */
export function multiRegionMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({ language, regions: THREE_REGIONS, ...overrides });
}

/** The same outage on a subscription checked from one region (a self-hosted instance's). */
export function singleRegionMessage(
  language: AlertMessage['language'] = 'en',
  overrides: Partial<AlertMessage> = {},
): AlertMessage {
  return alertMessage({
    language,
    regions: [
      { region: 'eu-west', status: 'down', error: 'connection refused', response_time_ms: null },
    ],
    ...overrides,
  });
}
