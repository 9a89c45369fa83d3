import {
  CHANNEL_TYPE_NAMES,
  TARGET_TYPE_NAMES,
  channelTypes,
  maintenanceWindowInput,
  targetTypes,
} from '@lighthouse/domain';
import { Router } from 'express';
import { z } from 'zod';
import { MAX_PING_MESSAGE } from '../services/heartbeats';
import { MAX_WINDOWS_PER_SUBSCRIPTION } from '../services/maintenance';
import {
  MAX_PAGES_PER_USER,
  MAX_RECENT_INCIDENTS,
  PAGE_DAYS,
  PERIOD_PATTERN,
  RECENT_INCIDENT_DAYS,
  SLUG_PATTERN,
  createStatusPageSchema,
  updateStatusPageSchema,
} from '../services/status-pages';
import { createSubscriptionSchema, updateSubscriptionSchema } from '../services/subscriptions';
import { MAX_SEARCH_LENGTH, MONITOR_STATES, SUBSCRIPTION_STATUSES } from './subscriptions';
import { AUDIT_RESOURCE_TYPES } from './audit';
import { apiKeyBodySchema, linkBodySchema, verifyBodySchema } from './auth';
import { transferBodySchema } from './console';
import { CHECKS_MAX_LIMIT, HOURLY_MAX_DAYS, RANGE_MAX_DAYS } from './history';

const json = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const body = (name: string) => ({
  required: true,
  content: { 'application/json': { schema: ref(name) } },
});
const ok = (description: string, schema?: object) => ({
  description,
  ...(schema ? { content: { 'application/json': { schema } } } : {}),
});
const errors = {
  '400': {
    description: 'invalid input; details.fields names each bad field',
    content: { 'application/json': { schema: ref('Error') } },
  },
  '401': { description: 'missing, invalid, expired or revoked token' },
  '404': { description: 'not found, or not yours' },
};
const sessionOnly = {
  '403': {
    description: 'an API key cannot create or delete API keys: only a signed-in session can',
    content: { 'application/json': { schema: ref('Error') } },
  },
};
const secured = [{ bearer: [] }];
const idParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];
const windowParams = [
  ...idParam,
  { name: 'windowId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];
const time = { type: 'string', format: 'date-time' };
const listFilter = (name: string, values: readonly string[]) => ({
  name,
  in: 'query',
  style: 'form',
  explode: false,
  schema: { type: 'array', items: { type: 'string', enum: values } },
});
const nullable = (schema: object) => ({ anyOf: [schema, { type: 'null' }] });
const maintenanceWindow = {
  type: 'object',
  description:
    'one-off (type "one-off": starts_at to ends_at) or recurring (type "recurring": each cron occurrence, read in timezone, lasts duration_minutes; occurrences count from starts_at and, when ends_at is set, start before it)',
  required: [
    'id',
    'subscription_id',
    'name',
    'type',
    'starts_at',
    'ends_at',
    'cron',
    'duration_minutes',
    'timezone',
    'active_now',
    'next',
    'created_at',
    'updated_at',
  ],
  properties: {
    id: { type: 'string', format: 'uuid' },
    subscription_id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    type: { type: 'string', enum: ['one-off', 'recurring'] },
    starts_at: time,
    ends_at: nullable(time),
    cron: nullable({ type: 'string' }),
    duration_minutes: nullable({ type: 'number' }),
    timezone: { type: 'string', description: 'an IANA time zone' },
    active_now: { type: 'boolean', description: 'an occurrence covers the time of the answer' },
    next: nullable({
      type: 'object',
      description: 'the occurrence in progress, else the next to start; null when none will',
      required: ['start', 'end'],
      properties: { start: time, end: time },
    }),
    created_at: time,
    updated_at: time,
  },
};

const slugParam = [
  {
    name: 'slug',
    in: 'path',
    required: true,
    schema: { type: 'string', pattern: SLUG_PATTERN.source },
  },
];
const svg = (description: string) => ({
  description,
  content: { 'image/svg+xml': { schema: { type: 'string' } } },
});
const publicState = {
  type: 'string',
  enum: ['up', 'down', 'degraded', 'unknown', 'paused'],
  description: 'paused: not being checked (paused by its owner, or its paid period ran out)',
};
const publicIncident = {
  type: 'object',
  required: ['subscription', 'started_at', 'resolved_at', 'duration_seconds'],
  properties: {
    subscription: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
    },
    started_at: time,
    resolved_at: nullable(time),
    duration_seconds: { type: 'integer', description: 'so far, for an open incident' },
  },
};
const statusPageSchemas = {
  StatusPageCreate: json(createStatusPageSchema),
  StatusPageUpdate: json(updateStatusPageSchema),
  StatusPage: {
    type: 'object',
    required: [
      'id',
      'slug',
      'title',
      'description',
      'published',
      'subscription_ids',
      'urls',
      'created_at',
      'updated_at',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      slug: { type: 'string' },
      title: { type: 'string' },
      description: nullable({ type: 'string' }),
      published: { type: 'boolean' },
      subscription_ids: {
        type: 'array',
        items: { type: 'string', format: 'uuid' },
        description: 'in page order; deleted subscriptions drop out',
      },
      urls: {
        type: 'object',
        description: 'where the public page answers while published',
        properties: { html: { type: 'string' }, json: { type: 'string' } },
      },
      created_at: time,
      updated_at: time,
    },
  },
  PublicStatusPage: {
    type: 'object',
    description:
      'a published page: only the name, state and history of the subscriptions it lists, never a target, channel or owner',
    required: [
      'slug',
      'title',
      'description',
      'updated_at',
      'generated_at',
      'overall_state',
      'subscriptions',
      'incidents',
    ],
    properties: {
      slug: { type: 'string' },
      title: { type: 'string' },
      description: nullable({ type: 'string' }),
      updated_at: time,
      generated_at: time,
      overall_state: {
        type: 'string',
        enum: ['up', 'down', 'degraded', 'unknown'],
        description:
          'the worst state of the checked subscriptions (down > degraded > up > unknown); paused ones do not count',
      },
      subscriptions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['id', 'name', 'state', 'last_check_at', 'uptime_90d_pct', 'days'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            state: publicState,
            last_check_at: nullable(time),
            uptime_90d_pct: nullable({ type: 'number' }),
            days: {
              type: 'array',
              description: `the last ${PAGE_DAYS} UTC days, today last`,
              items: {
                type: 'object',
                required: ['date', 'uptime_pct', 'total_checks', 'coverage_pct'],
                properties: {
                  date: { type: 'string', format: 'date' },
                  uptime_pct: nullable({ type: 'number', description: 'null: nothing checked' }),
                  total_checks: { type: 'integer' },
                  coverage_pct: nullable({
                    type: 'number',
                    description: 'checks made out of due; null: none was due',
                  }),
                },
              },
            },
          },
        },
      },
      incidents: {
        type: 'object',
        required: ['open', 'recent'],
        properties: {
          open: { type: 'array', items: publicIncident },
          recent: {
            type: 'array',
            items: publicIncident,
            description: `resolved in the last ${RECENT_INCIDENT_DAYS} days, newest first, at most ${MAX_RECENT_INCIDENTS}`,
          },
        },
      },
    },
  },
};
const notPublished = 'no published page has this slug (unknown and unpublished alike)';
const badgeNotFound = svg(
  'a grey "not found" badge, the same for an unknown id and for a subscription on no published page',
);
const statusPagePaths = {
  '/v1/status-pages': {
    get: {
      summary: 'List your status pages, newest first',
      security: secured,
      parameters: [
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok('{items, next_cursor}'), ...errors },
    },
    post: {
      summary: 'Publish a status page of some of your subscriptions',
      security: secured,
      requestBody: body('StatusPageCreate'),
      responses: {
        '201': ok('created', ref('StatusPage')),
        '409': ok(
          `the slug is taken (details.fields names slug), or you have ${MAX_PAGES_PER_USER} pages`,
        ),
        ...errors,
      },
    },
  },
  '/v1/status-pages/{id}': {
    get: {
      summary: 'Get a status page',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the page', ref('StatusPage')), ...errors },
    },
    patch: {
      summary: 'Change a status page',
      description: 'any field; subscription_ids replaces the list',
      security: secured,
      parameters: idParam,
      requestBody: body('StatusPageUpdate'),
      responses: {
        '200': ok('the page', ref('StatusPage')),
        '409': ok('the slug is taken'),
        ...errors,
      },
    },
    delete: {
      summary: 'Delete a status page',
      security: secured,
      parameters: idParam,
      responses: { '204': ok('deleted'), ...errors },
    },
  },
  '/v1/status/{slug}': {
    get: {
      summary: 'A published status page (public, no auth)',
      parameters: slugParam,
      responses: {
        '200': ok('the page', ref('PublicStatusPage')),
        '404': {
          description: notPublished,
          content: { 'application/json': { schema: ref('Error') } },
        },
      },
    },
  },
  '/status/{slug}': {
    get: {
      summary: 'A published status page as HTML (public, no auth)',
      parameters: slugParam,
      responses: {
        '200': {
          description: 'the page',
          content: { 'text/html': { schema: { type: 'string' } } },
        },
        '404': {
          description: notPublished,
          content: { 'text/html': { schema: { type: 'string' } } },
        },
      },
    },
  },
  '/badge/{id}/status.svg': {
    get: {
      summary: "A subscription's state as a badge (public, for subscriptions on a published page)",
      parameters: idParam,
      responses: {
        '200': svg('status: up, down, degraded, unknown or paused'),
        '404': badgeNotFound,
      },
    },
  },
  '/badge/{id}/uptime.svg': {
    get: {
      summary: "A subscription's uptime as a badge (public, for subscriptions on a published page)",
      description:
        'uptime over the whole UTC hours (periods up to 2 days) or days that overlap the period; "no data" when nothing was checked',
      parameters: [
        ...idParam,
        {
          name: 'period',
          in: 'query',
          schema: { type: 'string', pattern: PERIOD_PATTERN.source, default: '30d' },
          description: 'hours or days, 1h to 365d',
        },
      ],
      responses: {
        '200': svg('uptime <period>: 99.95%'),
        '400': errors['400'],
        '404': badgeNotFound,
      },
    },
  },
};

const summaryFields = {
  total_checks: { type: 'integer' },
  up_checks: { type: 'integer' },
  down_checks: { type: 'integer' },
  degraded_checks: { type: 'integer' },
  uptime_pct: {
    ...nullable({ type: 'number' }),
    description: 'up and degraded over checked, in %; null when nothing was checked',
  },
  avg_latency_ms: nullable({ type: 'number' }),
  min_latency_ms: nullable({ type: 'number' }),
  max_latency_ms: nullable({ type: 'number' }),
  p50_latency_ms: nullable({ type: 'number' }),
  p95_latency_ms: {
    ...nullable({ type: 'number' }),
    description:
      'estimated from the latency histogram of the rollups, within 5 % of the exact value',
  },
  p99_latency_ms: nullable({ type: 'number' }),
  expected_checks: {
    ...nullable({ type: 'integer' }),
    description:
      'slots that were due while the subscription was scheduled (paused time is not due)',
  },
  coverage_pct: {
    ...nullable({ type: 'number' }),
    description:
      'checked over due, in %, at most 100; 0 for a stretch without checks; null when nothing was due',
  },
};
const historySchemas = {
  MetricsSummary: {
    type: 'object',
    required: Object.keys(summaryFields),
    properties: summaryFields,
  },
  Metrics: {
    type: 'object',
    description:
      'figures for the whole range (the merge of its buckets) and one entry per UTC bucket that has begun, empty ones included',
    required: ['subscription_id', 'from', 'to', 'bucket', 'series', ...Object.keys(summaryFields)],
    properties: {
      subscription_id: { type: 'string', format: 'uuid' },
      from: { ...time, description: 'the requested from, floored to the bucket' },
      to: { ...time, description: 'the requested to, ceiled to the bucket' },
      bucket: { type: 'string', enum: ['1h', '1d'] },
      ...summaryFields,
      series: {
        type: 'array',
        items: {
          type: 'object',
          required: ['time', ...Object.keys(summaryFields)],
          properties: { time: { ...time, description: 'start of the bucket' }, ...summaryFields },
        },
      },
    },
  },
  Check: {
    type: 'object',
    required: [
      'time',
      'status',
      'http_status',
      'response_time_ms',
      'timings',
      'error_category',
      'error_message',
      'schedule_lag_ms',
      'region',
      'maintenance',
      'confirmation',
      'value',
      'value_text',
    ],
    properties: {
      time: { ...time, description: 'the slot the check was for' },
      status: { type: 'string', enum: ['up', 'down', 'degraded'] },
      http_status: nullable({ type: 'integer' }),
      response_time_ms: nullable({ type: 'integer' }),
      timings: nullable({ type: 'object', additionalProperties: { type: 'number' } }),
      error_category: nullable({ type: 'string' }),
      error_message: nullable({ type: 'string' }),
      schedule_lag_ms: nullable({ type: 'integer' }),
      region: nullable({ type: 'string' }),
      maintenance: { type: 'boolean', description: 'the slot fell in a maintenance window' },
      confirmation: {
        type: 'boolean',
        description:
          'a confirmation check: made retry_interval_seconds after a failure (or, while down, a success) to confirm it; it moves the state but is no slot of the schedule, so metrics do not count it',
      },
      value: nullable({
        type: 'number',
        description:
          'the number the check measured: a balance in whole units, a block height, a contract value',
      }),
      value_text: nullable({
        type: 'string',
        description:
          'the exact reading where a number cannot hold it: a contract call’s decoded result',
      }),
      steps: {
        type: 'array',
        description:
          'canary checks only: the steps as far as the flow got, in order (it stops at the first failing step)',
        items: {
          type: 'object',
          required: [
            'step',
            'name',
            'status',
            'http_status',
            'response_time_ms',
            'timings',
            'error_category',
            'error_message',
          ],
          properties: {
            step: { type: 'integer', minimum: 1, description: 'counted from 1, as errors name it' },
            name: { type: 'string' },
            status: { type: 'string', enum: ['up', 'down'] },
            http_status: nullable({ type: 'integer' }),
            response_time_ms: nullable({ type: 'integer' }),
            timings: nullable({ type: 'object', additionalProperties: { type: 'number' } }),
            error_category: nullable({ type: 'string' }),
            error_message: nullable({ type: 'string' }),
          },
        },
      },
    },
  },
  Incident: {
    type: 'object',
    required: [
      'id',
      'started_at',
      'resolved_at',
      'open',
      'duration_seconds',
      'error_category',
      'error_message',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      started_at: time,
      resolved_at: nullable(time),
      open: { type: 'boolean' },
      duration_seconds: { type: 'integer', description: 'up to now while open' },
      error_category: nullable({ type: 'string' }),
      error_message: nullable({ type: 'string' }),
    },
  },
};
const alertSchemas = {
  Alert: {
    type: 'object',
    description:
      'one alert raised for a state change, reminder or notice, with how each channel took it',
    required: [
      'id',
      'event_id',
      'alert_type',
      'severity',
      'message',
      'language',
      'delivery_status',
      'suppressed_reason',
      'channels_sent',
      'retry_count',
      'created_at',
      'deliveries',
    ],
    properties: {
      id: { type: 'string', format: 'uuid' },
      event_id: {
        type: 'string',
        format: 'uuid',
        description: 'the state event; webhooks carry it, so receivers can drop a repeat',
      },
      alert_type: {
        type: 'string',
        description:
          'the state it changed to (down, up, degraded), or reminder, flapping, stable, expiring…',
      },
      severity: { type: 'string', enum: ['critical', 'warning', 'info'] },
      message: { type: 'string', description: 'the text sent, in the alert language' },
      language: { type: 'string', enum: ['en', 'es'] },
      delivery_status: {
        type: 'string',
        enum: ['pending', 'sent', 'partial', 'failed', 'suppressed'],
        description: 'all channels sent, some, none yet, none at all, or not sent on purpose',
      },
      suppressed_reason: {
        ...nullable({ type: 'string' }),
        description: "why it was recorded but not sent: 'maintenance' or 'flapping'",
      },
      channels_sent: { type: 'array', items: { type: 'string' }, description: 'channel ids' },
      retry_count: { type: 'integer' },
      created_at: time,
      deliveries: { type: 'array', items: ref('AlertDelivery') },
    },
  },
  AlertDelivery: {
    type: 'object',
    required: [
      'channel_id',
      'channel_type',
      'status',
      'attempts',
      'last_error',
      'last_attempt_at',
      'delivered_at',
    ],
    properties: {
      channel_id: { type: 'string', format: 'uuid' },
      channel_type: { type: 'string', enum: CHANNEL_TYPE_NAMES },
      status: { type: 'string', enum: ['pending', 'sent', 'failed'] },
      attempts: { type: 'integer' },
      last_error: nullable({ type: 'string' }),
      last_attempt_at: nullable(time),
      delivered_at: nullable(time),
    },
  },
  TestAlertResult: {
    type: 'object',
    required: ['channel_id', 'type', 'ok', 'error'],
    properties: {
      channel_id: { type: 'string', format: 'uuid' },
      type: { type: 'string', enum: CHANNEL_TYPE_NAMES, description: 'the channel type' },
      ok: { type: 'boolean' },
      error: { ...nullable({ type: 'string' }), description: 'why the channel refused it' },
    },
  },
};

const listOf = (name: string) => ({
  type: 'object',
  required: ['items', 'next_cursor'],
  properties: {
    items: { type: 'array', items: ref(name) },
    next_cursor: { ...nullable({ type: 'string' }), description: 'null at the end' },
  },
});
const timeParam = (name: string, description: string) => ({
  name,
  in: 'query',
  schema: time,
  description,
});
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
  '400': ok('status is not up or down, or message is not a string', ref('Error')),
  '404': ok('no heartbeat subscription has this push URL (never issued, rotated, or deleted)'),
  '429': ok(`more pings a minute than RATE_LIMIT_PUSH_PER_MINUTE to this push URL`),
};
const pushPaths = {
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
        '200': ok('`{subscription_id, push_token, push_url}`', {
          type: 'object',
          required: ['subscription_id', 'push_token', 'push_url'],
          properties: {
            subscription_id: { type: 'string', format: 'uuid' },
            push_token: { type: 'string' },
            push_url: { type: 'string', format: 'uri' },
          },
        }),
        '409': ok('not a heartbeat subscription'),
        ...errors,
      },
    },
  },
};

const tierItem = {
  type: 'object',
  required: [
    'name',
    'label',
    'price_usdc_per_30_days',
    'paid',
    'min_interval_seconds',
    'max_subscriptions',
    'raw_retention_days',
    'allowed_target_types',
    'max_channels',
  ],
  properties: {
    name: { type: 'string' },
    label: { type: 'string' },
    price_usdc_per_30_days: { type: 'string', description: 'decimal USDC' },
    paid: { type: 'boolean' },
    min_interval_seconds: { type: 'integer' },
    max_subscriptions: { ...nullable({ type: 'integer' }), description: 'null: no limit' },
    raw_retention_days: { type: 'integer' },
    allowed_target_types: { type: 'array', items: { type: 'string' } },
    max_channels: { type: 'integer' },
  },
};

const sessionAnswer = {
  type: 'object',
  required: ['token', 'address', 'expires_at'],
  properties: {
    token: { type: 'string', description: 'the bearer token' },
    address: { type: 'string', description: 'the account signed in to' },
    expires_at: time,
  },
};

const walletList = {
  type: 'object',
  required: ['items', 'next_cursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['wallet_address', 'created_at'],
        properties: { wallet_address: { type: 'string' }, created_at: time },
      },
    },
    next_cursor: { type: 'null' },
  },
};

const notAnOperator = {
  '404': { description: 'not an operator (the owner, or a wallet in LIGHTHOUSE_ADMIN_WALLETS)' },
};

const listParams = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];

const accountPaths = {
  '/v1/instance': {
    get: {
      summary: 'What this instance is: mode, version, sign-in methods, tiers, features (public)',
      responses: {
        '200': ok('the instance', {
          type: 'object',
          required: [
            'mode',
            'version',
            'sign_in_methods',
            'siwe_domain',
            'min_interval_seconds',
            'tiers',
            'features',
          ],
          properties: {
            mode: { type: 'string', enum: ['self-hosted', 'service'] },
            version: { type: 'string' },
            sign_in_methods: {
              type: 'array',
              items: { type: 'string', enum: ['link', 'wallet', 'api_key'] },
              description:
                "link: the owner's one-time sign-in links (self-hosted); wallet: Sign-In with Ethereum (self-hosted: the owner's added wallets and LIGHTHOUSE_ADMIN_WALLETS only)",
            },
            siwe_domain: { type: 'string' },
            min_interval_seconds: { type: 'integer' },
            tiers: { type: 'array', items: tierItem },
            features: {
              type: 'object',
              required: [
                'payments',
                'tiers',
                'private_targets',
                'link_local_targets',
                'operator_console',
                'status_pages',
              ],
              properties: {
                payments: { type: 'boolean', description: 'paid tiers can be bought (x402)' },
                tiers: { type: 'boolean', description: 'false: one built-in tier (self-hosted)' },
                private_targets: { type: 'boolean' },
                link_local_targets: { type: 'boolean' },
                operator_console: { type: 'boolean' },
                status_pages: { type: 'boolean' },
              },
            },
          },
        }),
      },
    },
  },
  '/v1/auth/link': {
    post: {
      summary: "Sign in with the owner's one-time link (self-hosted)",
      description:
        'the token after #token= in a link printed at the first start or by ./lighthouse admin-link; good once, for 24 hours. Answers like /v1/auth/verify.',
      requestBody: body('AuthLink'),
      responses: { '200': ok('a session', sessionAnswer), ...errors },
    },
  },
  '/v1/account': {
    get: {
      summary:
        'The signed-in account: its address, whether it owns or operates this instance, its wallets',
      security: secured,
      responses: {
        '200': ok('the account', {
          type: 'object',
          required: [
            'address',
            'owner',
            'operator',
            'signed_in_with',
            'scope',
            'language',
            'wallets',
          ],
          properties: {
            address: { type: 'string' },
            owner: { type: 'boolean', description: 'the owner of a self-hosted instance' },
            operator: { type: 'boolean', description: 'may use /v1/admin' },
            signed_in_with: { type: 'string', enum: ['session', 'api_key'] },
            scope: { type: 'string', enum: ['read', 'read_write'] },
            language: { type: 'string' },
            wallets: walletList.properties.items,
          },
        }),
        ...errors,
      },
    },
  },
  '/v1/account/wallets': {
    get: {
      summary: 'Wallets that sign in to this account',
      security: secured,
      responses: { '200': ok('{items, next_cursor: null}', walletList), ...errors },
    },
    post: {
      summary: 'Add a wallet: a Sign-In with Ethereum message signed by it',
      description:
        'the wallet then signs in to this account (a self-hosted owner adding a browser wallet). A wallet with an account of its own is refused (409). Only a signed-in session may add or remove wallets.',
      security: secured,
      requestBody: body('AuthVerify'),
      responses: {
        '201': ok("the account's wallets", walletList),
        '409': { description: 'the wallet already signs in to an account here' },
        ...sessionOnly,
        ...errors,
      },
    },
  },
  '/v1/account/wallets/{address}': {
    delete: {
      summary: 'Remove a wallet from this account',
      security: secured,
      parameters: [{ name: 'address', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { '204': ok('removed'), ...sessionOnly, ...errors },
    },
  },
};

const operatorPaths = {
  '/v1/admin/overview': {
    get: {
      summary: 'Operator console: instance health, subscription counts, queues, checkers',
      security: secured,
      responses: {
        '200': ok('the overview', {
          type: 'object',
          required: [
            'mode',
            'version',
            'health',
            'subscriptions',
            'queues',
            'bull_board_url',
            'checkers',
            'pending_payments',
          ],
          properties: {
            mode: { type: 'string', enum: ['self-hosted', 'service'] },
            version: { type: 'string' },
            health: { type: 'object', description: 'as /health answers' },
            subscriptions: {
              type: 'object',
              required: ['total', 'active', 'paused', 'expired', 'by_state'],
              properties: {
                total: { type: 'integer' },
                active: { type: 'integer', description: 'checked: not paused, not expired' },
                paused: { type: 'integer' },
                expired: { type: 'integer', description: 'a paid period has passed' },
                by_state: { type: 'object' },
              },
            },
            queues: {
              type: 'object',
              description: 'per queue, jobs by state (null when Redis did not answer)',
            },
            bull_board_url: { type: 'string' },
            checkers: {
              type: 'object',
              required: ['live', 'known'],
              properties: { live: { type: 'integer' }, known: { type: 'integer' } },
            },
            pending_payments: { type: 'integer' },
          },
        }),
        ...notAnOperator,
      },
    },
  },
  '/v1/admin/users': {
    get: {
      summary: 'Operator console: every account with its subscription and payment counts',
      security: secured,
      parameters: [
        ...listParams,
        { name: 'q', in: 'query', schema: { type: 'string' }, description: 'part of an address' },
      ],
      responses: {
        '200': ok('{items, next_cursor}', {
          type: 'object',
          required: ['items', 'next_cursor'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: [
                  'address',
                  'created_at',
                  'language',
                  'subscriptions',
                  'active_subscriptions',
                  'payments',
                  'total_spent_usdc',
                  'wallets',
                ],
                properties: {
                  address: { type: 'string' },
                  created_at: time,
                  language: { type: 'string' },
                  subscriptions: { type: 'integer' },
                  active_subscriptions: { type: 'integer' },
                  payments: { type: 'integer' },
                  total_spent_usdc: { type: 'string' },
                  wallets: { type: 'array', items: { type: 'string' } },
                },
              },
            },
            next_cursor: nullable({ type: 'string' }),
          },
        }),
        ...notAnOperator,
      },
    },
  },
  '/v1/admin/subscriptions': {
    get: {
      summary: "Operator console: everyone's subscriptions, with the list filters and owner",
      security: secured,
      parameters: [
        ...listParams,
        listFilter('state', ['up', 'down', 'degraded', 'unknown']),
        listFilter('status', ['active', 'paused', 'expired']),
        listFilter('target_type', TARGET_TYPE_NAMES),
        { name: 'q', in: 'query', schema: { type: 'string' } },
        { name: 'owner', in: 'query', schema: { type: 'string' }, description: 'a wallet address' },
      ],
      responses: { '200': ok('{items, next_cursor}', listOf('Subscription')), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}/pause': {
    post: {
      summary: "Operator console: pause anyone's subscription (audited in the owner's log)",
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', ref('Subscription')), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}/resume': {
    post: {
      summary: "Operator console: resume anyone's subscription",
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', ref('Subscription')), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}': {
    delete: {
      summary: "Operator console: delete anyone's subscription",
      security: secured,
      parameters: idParam,
      responses: { '204': ok('deleted'), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}/transfer': {
    post: {
      summary: "Operator console: give a subscription to another wallet (a lost wallet's way back)",
      description: "audited in both owners' logs; it leaves the old owner's status pages",
      security: secured,
      parameters: idParam,
      requestBody: body('AdminTransfer'),
      responses: { '200': ok('the subscription', ref('Subscription')), ...errors },
    },
  },
  '/v1/admin/payments': {
    get: {
      summary: "Operator console: everyone's payments, newest first",
      security: secured,
      parameters: [
        ...listParams,
        { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'settled'] } },
      ],
      responses: { '200': ok('{items, next_cursor}'), ...notAnOperator },
    },
  },
  '/v1/admin/payments/{id}/discard': {
    post: {
      summary: 'Operator console: discard a payment left pending, freeing its authorization',
      description:
        'for a settlement that neither confirmed nor failed (the api stopped mid-way): check the chain first; discarding lets the payer pay with that authorization again',
      security: secured,
      parameters: idParam,
      responses: {
        '204': ok('discarded'),
        '409': { description: 'the payment settled: it cannot be discarded' },
        ...notAnOperator,
      },
    },
  },
  '/v1/admin/checkers': {
    get: {
      summary: "Operator console: the checker fleet, from each checker's heartbeat",
      security: secured,
      responses: {
        '200': ok('{items, next_cursor: null}', {
          type: 'object',
          required: ['items', 'next_cursor'],
          properties: {
            items: {
              type: 'array',
              items: {
                type: 'object',
                required: [
                  'name',
                  'host',
                  'version',
                  'region',
                  'started_at',
                  'last_seen_at',
                  'live',
                  'checks_total',
                  'errors_total',
                  'checks_per_second',
                ],
                properties: {
                  name: { type: 'string' },
                  host: { type: 'string' },
                  version: { type: 'string' },
                  region: nullable({ type: 'string' }),
                  started_at: time,
                  last_seen_at: time,
                  live: {
                    type: 'boolean',
                    description: 'heard from within three of its heartbeats (at least 30 s)',
                  },
                  checks_total: { type: 'integer' },
                  errors_total: { type: 'integer' },
                  checks_per_second: { type: 'number' },
                },
              },
            },
            next_cursor: { type: 'null' },
          },
        }),
        ...notAnOperator,
      },
    },
  },
};

const historyPaths = {
  '/v1/subscriptions/{id}/metrics': {
    get: {
      summary: 'Uptime, latency and coverage over a range, in UTC buckets',
      description: `Rollups serve the range; raw rows after the rollup watermark are added, so figures are fresh. from is floored and to ceiled to the bucket. Limits: 1h buckets up to ${HOURLY_MAX_DAYS} days, any range up to ${RANGE_MAX_DAYS} days.`,
      security: secured,
      parameters: [
        ...idParam,
        timeParam('from', 'ISO 8601; default to − 24 h'),
        timeParam('to', 'ISO 8601; default now'),
        {
          name: 'bucket',
          in: 'query',
          schema: { type: 'string', enum: ['1h', '1d'] },
          description: '1h by default for ranges up to 7 days, else 1d',
        },
      ],
      responses: { '200': ok('the metrics', ref('Metrics')), ...errors },
    },
  },
  '/v1/subscriptions/{id}/checks': {
    get: {
      summary: 'Raw check history, newest first',
      security: secured,
      parameters: [
        ...idParam,
        timeParam('from', 'ISO 8601, inclusive'),
        timeParam('to', 'ISO 8601, exclusive'),
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: CHECKS_MAX_LIMIT, default: 100 },
        },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok('{items, next_cursor}', listOf('Check')), ...errors },
    },
  },
  '/v1/subscriptions/{id}/incidents': {
    get: {
      summary: 'Incidents, newest first',
      security: secured,
      parameters: [
        ...idParam,
        { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'resolved'] } },
        {
          name: 'limit',
          in: 'query',
          schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
        },
        { name: 'cursor', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok('{items, next_cursor}', listOf('Incident')), ...errors },
    },
  },
};

/** The OpenAPI 3.1 document; request schemas are generated from the same zod schemas the API validates with. */
export function openApiDocument(): Record<string, unknown> {
  const targets = Object.fromEntries(
    Object.entries(targetTypes).map(([name, t]) => [`Target_${name}`, json(t.schema)]),
  );
  const channels = Object.fromEntries(
    CHANNEL_TYPE_NAMES.map((name) => [`Channel_${name}`, json(channelTypes[name].schema)]),
  );
  /** x402: the signed payment, base64 JSON from an x402 client. */
  const paymentHeader = {
    name: 'PAYMENT-SIGNATURE',
    in: 'header',
    required: false,
    description:
      'an x402 v2 exact-scheme EVM payment (EIP-3009 authorization), base64 JSON; X-PAYMENT (v1) is accepted too',
    schema: { type: 'string' },
  };

  const paymentRequired = {
    description:
      'the tier must be paid for: x402 v2 terms in the PAYMENT-REQUIRED header (and in error.details.x402); a refused payment says why in error.details.reason',
    headers: { 'PAYMENT-REQUIRED': { schema: { type: 'string' } } },
    content: { 'application/json': { schema: ref('Error') } },
  };

  const subscriptionOps = {
    get: {
      summary: 'Get a subscription',
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', ref('Subscription')), ...errors },
    },
    patch: {
      summary: 'Change a subscription',
      security: secured,
      parameters: idParam,
      requestBody: body('SubscriptionUpdate'),
      responses: {
        '200': ok('the subscription', ref('Subscription')),
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
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Lighthouse API', version: '1' },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'a session token from /v1/auth/verify or an API key; a key with scope "read" gets 403 forbidden on anything but GET and HEAD',
        },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
            },
          },
        },
        AuthVerify: json(verifyBodySchema),
        AuthLink: json(linkBodySchema),
        AdminTransfer: json(transferBodySchema),
        ApiKeyCreate: json(apiKeyBodySchema),
        SubscriptionCreate: json(createSubscriptionSchema),
        SubscriptionUpdate: json(updateSubscriptionSchema),
        Subscription: {
          type: 'object',
          description:
            'a subscription; secrets are masked. Besides what it is written with, it shows flapping_since (when flapping started, null when not flapping) and in_maintenance (a maintenance window covers the time of the answer), both read-only',
          required: [
            'id',
            'subscription_id',
            'name',
            'user_address',
            'target_type',
            'target_config',
            'tier',
            'check_frequency_seconds',
            'alert_channels',
            'failure_threshold',
            'recovery_threshold',
            'retry_interval_seconds',
            'reminder_interval_minutes',
            'flapping_threshold',
            'flapping_window_minutes',
            'flapping_since',
            'in_maintenance',
            'status',
            'active',
            'state',
            'state_changed_at',
            'last_check_at',
            'next_check_at',
            'expires_at',
            'created_at',
            'updated_at',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            subscription_id: { type: 'string', format: 'uuid', description: 'the same as id' },
            name: { type: 'string' },
            user_address: { type: 'string', description: "the owner's address, lower-case" },
            target_type: { type: 'string', enum: TARGET_TYPE_NAMES },
            target_config: {
              type: 'object',
              description: 'as written, secrets masked; follows Target_<target_type>',
            },
            tier: { type: 'string' },
            check_frequency_seconds: { type: 'integer' },
            alert_channels: {
              type: 'array',
              items: {
                type: 'object',
                required: ['id', 'type', 'language', 'config'],
                properties: {
                  id: { type: 'string', format: 'uuid' },
                  type: { type: 'string', enum: CHANNEL_TYPE_NAMES },
                  language: nullable({ type: 'string', enum: ['en', 'es'] }),
                  config: {
                    type: 'object',
                    description: 'secrets masked; follows Channel_<type>',
                  },
                },
              },
            },
            failure_threshold: { type: 'integer' },
            recovery_threshold: { type: 'integer' },
            retry_interval_seconds: {
              type: 'integer',
              description:
                'after a failed check below failure_threshold (or, while down, a passing one below recovery_threshold) the target is checked again this soon, not at its next slot',
            },
            reminder_interval_minutes: nullable({ type: 'integer' }),
            flapping_threshold: nullable({ type: 'integer' }),
            flapping_window_minutes: { type: 'integer' },
            flapping_since: nullable(time),
            in_maintenance: { type: 'boolean' },
            status: {
              type: 'string',
              enum: ['active', 'paused', 'expired'],
              description: 'expired: a paid period has passed; it is not checked until renewed',
            },
            active: { type: 'boolean', description: 'false while paused' },
            state: { type: 'string', enum: ['unknown', 'up', 'down', 'degraded'] },
            state_changed_at: nullable(time),
            last_check_at: nullable(time),
            next_check_at: { ...nullable(time), description: 'null while paused or expired' },
            expires_at: { ...nullable(time), description: 'the end of a paid period' },
            created_at: time,
            updated_at: time,
            push_token: {
              type: 'string',
              description: "a heartbeat's push token: in the 201 only, shown this once",
            },
            push_url: { type: 'string', description: 'the URL to ping with it: in the 201 only' },
            payment_id: {
              type: 'string',
              format: 'uuid',
              description: 'the payment a renewal made: in the renewal answer only',
            },
          },
        },
        ApiKey: {
          type: 'object',
          required: ['id', 'name', 'prefix', 'scope', 'created_at', 'last_used_at'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            name: { type: 'string' },
            prefix: { type: 'string', description: 'the first characters of the key' },
            scope: {
              type: 'string',
              enum: ['read', 'read_write'],
              description: 'read: GET and HEAD only; read_write: everything but managing API keys',
            },
            created_at: time,
            last_used_at: nullable(time),
          },
        },
        AuditEntry: {
          type: 'object',
          required: [
            'id',
            'at',
            'actor',
            'api_key_id',
            'action',
            'resource_type',
            'resource_id',
            'details',
            'ip',
          ],
          properties: {
            id: { type: 'string', description: 'increasing' },
            at: time,
            actor: { type: 'string', enum: ['session', 'api_key', 'system'] },
            api_key_id: {
              ...nullable({ type: 'string', format: 'uuid' }),
              description: 'the key used, when actor is api_key',
            },
            action: {
              type: 'string',
              description:
                "<resource_type>.<verb>: subscription.create|update|pause|resume|renew|delete|transfer, payment.settle|discard, maintenance_window.create|update|delete, status_page.create|update|delete, api_key.create|revoke, wallet.link|unlink, session.logout; an operator's change names them in details.operator",
            },
            resource_type: { type: 'string', enum: [...AUDIT_RESOURCE_TYPES] },
            resource_id: nullable({ type: 'string' }),
            details: {
              type: 'object',
              description:
                'field names and ids, never values that could hold a secret: for updates `fields` (what changed) and, for subscriptions, `channels: {added, removed, changed}` (channel ids)',
            },
            ip: nullable({
              type: 'string',
              description: 'the client address the request came from',
            }),
          },
        },
        MaintenanceWindowInput: json(maintenanceWindowInput),
        MaintenanceWindow: maintenanceWindow,
        ...statusPageSchemas,
        ...historySchemas,
        ...alertSchemas,
        ...targets,
        ...channels,
      },
    },
    paths: {
      '/health': {
        get: {
          summary: 'Liveness and dependencies',
          responses: {
            '200': ok('all dependencies answer'),
            '503': ok('a dependency is down, named in the body'),
          },
        },
      },
      '/metrics': {
        get: { summary: 'Prometheus metrics', responses: { '200': ok('text exposition format') } },
      },
      '/v1/tiers': {
        get: {
          summary: 'The tiers and their prices, cheapest first (no sign-in needed)',
          responses: {
            '200': ok('`{items, next_cursor: null}`', {
              type: 'object',
              required: ['items', 'next_cursor'],
              properties: {
                items: { type: 'array', items: tierItem },
                next_cursor: { type: 'null' },
              },
            }),
          },
        },
      },
      '/v1/auth/nonce': {
        get: { summary: 'A nonce for an EIP-4361 message', responses: { '200': ok('the nonce') } },
      },
      '/v1/auth/verify': {
        post: {
          summary: 'Sign in with Ethereum',
          requestBody: body('AuthVerify'),
          responses: { '200': ok('{token, address, expires_at}'), ...errors },
        },
      },
      '/v1/auth/logout': {
        post: {
          summary: 'Revoke the current session',
          security: secured,
          responses: { '204': ok('revoked'), '401': errors['401'] },
        },
      },
      '/v1/api-keys': {
        get: {
          summary: 'List API keys',
          security: secured,
          responses: { '200': ok('{items, next_cursor}', listOf('ApiKey')) },
        },
        post: {
          summary: 'Create an API key (shown once)',
          description:
            'scope "read" (GET and HEAD only) or "read_write" (the default); only a signed-in session may create keys',
          security: secured,
          requestBody: body('ApiKeyCreate'),
          responses: {
            '201': ok('the key, with the secret `key` shown this once', ref('ApiKey')),
            ...sessionOnly,
            ...errors,
          },
        },
      },
      '/v1/api-keys/{id}': {
        delete: {
          summary: 'Revoke an API key',
          description: 'only a signed-in session may delete keys',
          security: secured,
          parameters: idParam,
          responses: { '204': ok('deleted'), ...sessionOnly, ...errors },
        },
      },
      '/v1/audit-log': {
        get: {
          summary: 'Who changed what in your account, newest first',
          description:
            'one entry per change to a subscription, maintenance window, status page or API key, and per logout, written in the same transaction as the change',
          security: secured,
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
            { name: 'resource_type', in: 'query', schema: { type: 'string' } },
            { name: 'resource_id', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': ok('{items, next_cursor}', listOf('AuditEntry')), ...errors },
        },
      },
      '/v1/subscriptions': {
        get: {
          summary: 'List your subscriptions, newest first',
          description:
            'Filters narrow the list and combine with AND; a list filter takes comma-separated values (or the parameter repeated) and matches any of them. Keep the same filters when following next_cursor.',
          security: secured,
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
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
          ],
          responses: { '200': ok('{items, next_cursor}', listOf('Subscription')), ...errors },
        },
        post: {
          summary: 'Create a subscription',
          description: `target_config follows Target_<target_type>; each alert channel's config follows Channel_<type>. A heartbeat subscription's 201 also carries push_token and push_url, shown this once.`,
          security: secured,
          requestBody: body('SubscriptionCreate'),
          parameters: [paymentHeader],
          responses: {
            '201': ok('created', ref('Subscription')),
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
            '201': ok('created', ref('Subscription')),
            '402': paymentRequired,
            ...errors,
          },
        },
      },
      '/v1/subscriptions/{id}': subscriptionOps,
      '/v1/subscriptions/{id}/alerts': {
        get: {
          summary:
            'Alerts raised for a subscription, newest first, each with its per-channel deliveries',
          security: secured,
          parameters: [
            ...idParam,
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': ok('{items, next_cursor}', listOf('Alert')), ...errors },
        },
      },
      '/v1/subscriptions/{id}/test-alert': {
        post: {
          summary: 'Send a test message to every channel now and report each result',
          description:
            'Each message says it is a test and that nothing has changed, and names the current state; webhooks receive `event: "subscription.test"`, `kind: "test"` and `test: true`. Nothing is recorded as an alert.',
          security: secured,
          parameters: idParam,
          responses: {
            '200': ok('each channel’s result', {
              type: 'object',
              required: ['results'],
              properties: { results: { type: 'array', items: ref('TestAlertResult') } },
            }),
            ...errors,
          },
        },
      },
      '/v1/subscriptions/{id}/maintenance-windows': {
        get: {
          summary: 'Maintenance windows of a subscription, earliest start first',
          security: secured,
          parameters: idParam,
          responses: {
            '200': ok('{items}', {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: ref('MaintenanceWindow') } },
            }),
            ...errors,
          },
        },
        post: {
          summary: 'Add a maintenance window',
          description:
            'one-off: {name?, starts_at, ends_at}; recurring: {name?, cron, duration_minutes, timezone?, starts_at?, ends_at?}, starts_at defaulting to now. Checks that run inside a window are recorded but change no state: no incident opens and no alert is sent.',
          security: secured,
          parameters: idParam,
          requestBody: body('MaintenanceWindowInput'),
          responses: {
            '201': ok('created', ref('MaintenanceWindow')),
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
          responses: { '200': ok('the window', ref('MaintenanceWindow')), ...errors },
        },
        patch: {
          summary: 'Change a maintenance window',
          description:
            'merges the fields given into the stored window (null clears ends_at, cron and duration_minutes) and checks the result as a whole',
          security: secured,
          parameters: windowParams,
          requestBody: body('MaintenanceWindowInput'),
          responses: { '200': ok('the window', ref('MaintenanceWindow')), ...errors },
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
            '200': ok('the renewed subscription, with payment_id', ref('Subscription')),
            '402': paymentRequired,
            '409': ok('the tier is free, or no longer offered'),
            '502': ok('the facilitator or chain could not be reached; nothing was charged'),
            ...errors,
          },
        },
      },
      '/v1/payments': {
        get: {
          summary: 'Your x402 payments, newest first',
          security: secured,
          parameters: [
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { '200': ok('{items, next_cursor}') },
        },
      },
      '/v1/subscriptions/{id}/pause': {
        post: {
          summary: 'Stop checking',
          security: secured,
          parameters: idParam,
          responses: { '200': ok('the subscription', ref('Subscription')), ...errors },
        },
      },
      '/v1/subscriptions/{id}/resume': {
        post: {
          summary: 'Check again',
          security: secured,
          parameters: idParam,
          responses: { '200': ok('the subscription', ref('Subscription')), ...errors },
        },
      },
      ...pushPaths,
      ...statusPagePaths,
      ...historyPaths,
      ...accountPaths,
      ...operatorPaths,
    },
  };
}

export function openApiRoutes(): Router {
  const document = openApiDocument();
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  return router;
}
