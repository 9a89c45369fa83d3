import { MONITOR_STATES, SUBSCRIPTION_STATUSES } from '@lighthouse/contracts';
import { TARGET_TYPE_NAMES } from '@lighthouse/domain';
import { MAX_SEARCH_LENGTH } from '../routes/subscriptions';
import { MAX_PING_MESSAGE } from '../services/heartbeats';
import { MAX_WINDOWS_PER_SUBSCRIPTION } from '../services/maintenance';
import {
  body,
  errors,
  idParam,
  listFilter,
  listParams,
  ok,
  paymentHeader,
  paymentRequired,
  secured,
} from './helpers';

const windowParams = [
  ...idParam,
  { name: 'windowId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];

/** Subscriptions, their alerts, maintenance windows and renewals, and payments. */
/** The subscription list's paging and filters (the console's list adds its owner). */
export const subscriptionListParams = [
  ...listParams,
  listFilter('state', MONITOR_STATES),
  listFilter('status', SUBSCRIPTION_STATUSES),
  listFilter('target_type', TARGET_TYPE_NAMES),
  {
    name: 'q',
    in: 'query',
    description:
      "case-insensitive text in the name, or in the target's url, host, hostname or address",
    schema: { type: 'string', maxLength: MAX_SEARCH_LENGTH },
  },
];

export const subscriptionPaths = {
  '/v1/subscriptions': {
    get: {
      summary: 'List your subscriptions, newest first',
      description:
        'Filters narrow the list and combine with AND; a list filter takes comma-separated values (or the parameter repeated) and matches any of them. Keep the same filters when following next_cursor.',
      security: secured,
      parameters: [...subscriptionListParams],
      responses: { '200': ok('{items, next_cursor}', 'SubscriptionPage'), ...errors },
    },
    post: {
      summary: 'Create a subscription',
      description: `target_config follows Target_<target_type>; each alert channel's config follows Channel_<type>. A heartbeat subscription's 201 also carries push_token and push_url, shown this once.`,
      security: secured,
      requestBody: body('SubscriptionCreate'),
      parameters: [paymentHeader],
      responses: {
        '201': ok('created', 'Subscription'),
        '402': paymentRequired,
        '403': ok('tier limit reached'),
        ...errors,
      },
    },
  },
  '/subscribe': {
    post: {
      summary: 'Alias of POST /v1/subscriptions accepting user_address',
      security: secured,
      parameters: [paymentHeader],
      requestBody: body('SubscriptionCreate'),
      responses: {
        '201': ok('created', 'Subscription'),
        '402': paymentRequired,
        ...errors,
      },
    },
  },
  '/v1/subscriptions/{id}': {
    get: {
      summary: 'Get a subscription',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', 'Subscription'), ...errors },
    },
    patch: {
      summary: 'Change a subscription',
      security: secured,
      parameters: idParam,
      requestBody: body('SubscriptionUpdate'),
      responses: {
        '200': ok('the subscription', 'Subscription'),
        '402': paymentRequired,
        ...errors,
      },
    },
    delete: {
      summary: 'Delete a subscription',
      security: secured,
      parameters: idParam,
      responses: { '204': ok('deleted'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/alerts': {
    get: {
      summary:
        'Alerts raised for a subscription, newest first, each with its per-channel deliveries',
      security: secured,
      parameters: [...idParam, ...listParams],
      responses: { '200': ok('{items, next_cursor}', 'AlertPage'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/test-alert': {
    post: {
      summary: 'Send a test message to every channel now and report each result',
      description:
        'Each message says it is a test and that nothing has changed, and names the current state; webhooks receive `event: "subscription.test"`, `kind: "test"` and `test: true`. Nothing is recorded as an alert.',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('each channel’s result', 'TestAlertResults'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/maintenance-windows': {
    get: {
      summary: 'Maintenance windows of a subscription, earliest start first',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('{items}', 'MaintenanceWindowList'), ...errors },
    },
    post: {
      summary: 'Add a maintenance window',
      description:
        'one-off: {name?, starts_at, ends_at}; recurring: {name?, cron, duration_minutes, timezone?, starts_at?, ends_at?}, starts_at defaulting to now. Checks that run inside a window are recorded but change no state: no incident opens and no alert is sent.',
      security: secured,
      parameters: idParam,
      requestBody: body('MaintenanceWindowInput'),
      responses: {
        '201': ok('created', 'MaintenanceWindow'),
        '409': ok(`the subscription already has ${MAX_WINDOWS_PER_SUBSCRIPTION} windows`),
        ...errors,
      },
    },
  },
  '/v1/subscriptions/{id}/maintenance-windows/{windowId}': {
    get: {
      summary: 'Get a maintenance window',
      security: secured,
      parameters: windowParams,
      responses: { '200': ok('the window', 'MaintenanceWindow'), ...errors },
    },
    patch: {
      summary: 'Change a maintenance window',
      description:
        'merges the fields given into the stored window (null clears ends_at, cron and duration_minutes) and checks the result as a whole',
      security: secured,
      parameters: windowParams,
      requestBody: body('MaintenanceWindowInput'),
      responses: { '200': ok('the window', 'MaintenanceWindow'), ...errors },
    },
    delete: {
      summary: 'Delete a maintenance window',
      security: secured,
      parameters: windowParams,
      responses: { '204': ok('deleted'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/renew': {
    post: {
      summary: 'Pay for another 30 days of a paid tier (x402)',
      description:
        'answers 402 with the x402 terms in PAYMENT-REQUIRED; the same request with PAYMENT-SIGNATURE (or v1 X-PAYMENT) is settled and answered with PAYMENT-RESPONSE. The period is added to what is left.',
      security: secured,
      parameters: [...idParam, paymentHeader],
      responses: {
        '200': ok('the renewed subscription, with payment_id', 'Subscription'),
        '402': paymentRequired,
        '409': ok('the tier is free, or no longer offered'),
        '502': ok('the facilitator or chain could not be reached; nothing was charged'),
        ...errors,
      },
    },
  },
  '/v1/probe': {
    post: {
      summary: 'One check of any target, now, paid per call over x402 (service mode; no account)',
      description:
        'The body is validated first (400 naming the field). Then it answers 402 with the x402 terms in PAYMENT-REQUIRED (X402_PROBE_PRICE_USDC, and the bazaar discovery extension describing input and output as JSON Schema); the same request with PAYMENT-SIGNATURE runs the check from each region, settles the payment once every region answered, and returns the results with their signed proof and PAYMENT-RESPONSE. A replayed or underpaid payment is refused with 402 and runs nothing.',
      parameters: [paymentHeader],
      requestBody: body('ProbeRequest'),
      responses: {
        '200': ok('the results, the payment and the proof', 'ProbeResult'),
        '402': {
          ...paymentRequired,
          description:
            'the check must be paid for: x402 v2 terms (with the bazaar extension) in the PAYMENT-REQUIRED header and in error.details.x402; a refused payment says why in error.details.reason',
        },
        '404': ok('self-hosted: single paid checks are sold in service mode only'),
        '429': ok('too many probes from one address (RATE_LIMIT_PROBES_PER_IP_PER_MINUTE)'),
        '502': ok('the facilitator or chain could not be reached; nothing was charged'),
        '503': ok('no checker answered in time; nothing was charged'),
        '400': errors['400'],
      },
    },
  },
  '/v1/payments': {
    get: {
      summary: 'Your x402 payments, newest first',
      security: secured,
      parameters: listParams,
      responses: { '200': ok('{items, next_cursor}', 'PaymentPage') },
    },
  },
  '/v1/subscriptions/{id}/pause': {
    post: {
      summary: 'Stop checking',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', 'Subscription'), ...errors },
    },
  },
  '/v1/subscriptions/{id}/resume': {
    post: {
      summary: 'Check again',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', 'Subscription'), ...errors },
    },
  },
};

const pushToken = {
  name: 'token',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^lhp_[A-Za-z0-9_-]{43}$' },
  description: 'the secret token of the push URL (shown once, when created or rotated)',
};
const pingStatus = {
  name: 'status',
  in: 'query',
  schema: { type: 'string', enum: ['up', 'down'], default: 'up' },
};
const pingMessage = {
  name: 'message',
  in: 'query',
  schema: { type: 'string' },
  description: `kept on one line, cut to ${MAX_PING_MESSAGE} characters; a down ping's message becomes the check's error`,
};
const pingResponses = {
  '200': ok('recorded: `{"ok": true}`'),
  '400': ok('status is not up or down, or message is not a string', 'Error'),
  '404': ok('no heartbeat subscription has this push URL (never issued, rotated, or deleted)'),
  '429': ok(`more pings a minute than RATE_LIMIT_PUSH_PER_MINUTE to this push URL`),
};

/** Heartbeat pings (the token is the credential) and the owner's push URL rotation. */
export const pushPaths = {
  '/v1/push/{token}': {
    get: {
      summary: 'Heartbeat ping (no sign-in: the token is the credential)',
      description:
        'A heartbeat subscription is up while pings arrive within every check_frequency_seconds plus target_config.grace_seconds, and down when none does or the last one said status=down.',
      parameters: [pushToken, pingStatus, pingMessage],
      responses: pingResponses,
    },
    post: {
      summary: 'Heartbeat ping, with status and message in the query or the body',
      parameters: [pushToken, pingStatus, pingMessage],
      requestBody: {
        required: false,
        content: Object.fromEntries(
          ['application/json', 'application/x-www-form-urlencoded'].map((type) => [
            type,
            {
              schema: {
                type: 'object',
                properties: {
                  status: { type: 'string', enum: ['up', 'down'] },
                  message: { type: 'string' },
                },
              },
            },
          ]),
        ),
      },
      responses: pingResponses,
    },
  },
  '/v1/subscriptions/{id}/push-token': {
    post: {
      summary: "Replace a heartbeat subscription's push URL",
      description: 'the old URL answers 404 from now on; the new one is shown this once',
      security: secured,
      parameters: idParam,
      responses: {
        '200': ok('`{subscription_id, push_token, push_url}`', 'PushToken'),
        '409': ok('not a heartbeat subscription'),
        ...errors,
      },
    },
  },
};
