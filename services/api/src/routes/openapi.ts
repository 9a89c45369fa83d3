import {
  CHANNEL_TYPE_NAMES,
  channelTypes,
  maintenanceWindowInput,
  targetTypes,
} from '@lighthouse/domain';
import { Router } from 'express';
import { z } from 'zod';
import { MAX_WINDOWS_PER_SUBSCRIPTION } from '../services/maintenance';
import { createSubscriptionSchema, updateSubscriptionSchema } from '../services/subscriptions';
import { apiKeyBodySchema, verifyBodySchema } from './auth';

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
const secured = [{ bearer: [] }];
const idParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];
const windowParams = [
  ...idParam,
  { name: 'windowId', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];
const time = { type: 'string', format: 'date-time' };
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

/** The OpenAPI 3.1 document; request schemas are generated from the same zod schemas the API validates with. */
export function openApiDocument(): Record<string, unknown> {
  const targets = Object.fromEntries(
    Object.entries(targetTypes).map(([name, t]) => [`Target_${name}`, json(t.schema)]),
  );
  const channels = Object.fromEntries(
    CHANNEL_TYPE_NAMES.map((name) => [`Channel_${name}`, json(channelTypes[name].schema)]),
  );
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
      responses: { '200': ok('the subscription', ref('Subscription')), ...errors },
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
          description: 'a session token from /v1/auth/verify or an API key',
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
        ApiKeyCreate: json(apiKeyBodySchema),
        SubscriptionCreate: json(createSubscriptionSchema),
        SubscriptionUpdate: json(updateSubscriptionSchema),
        Subscription: {
          type: 'object',
          description:
            'a subscription; secrets are masked. Besides what it is written with, it shows flapping_since (when flapping started, null when not flapping) and in_maintenance (a maintenance window covers the time of the answer), both read-only',
        },
        MaintenanceWindowInput: json(maintenanceWindowInput),
        MaintenanceWindow: maintenanceWindow,
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
          responses: { '200': ok('{items, next_cursor}') },
        },
        post: {
          summary: 'Create an API key (shown once)',
          security: secured,
          requestBody: body('ApiKeyCreate'),
          responses: { '201': ok('the key'), ...errors },
        },
      },
      '/v1/api-keys/{id}': {
        delete: {
          summary: 'Delete an API key',
          security: secured,
          parameters: idParam,
          responses: { '204': ok('deleted'), ...errors },
        },
      },
      '/v1/subscriptions': {
        get: {
          summary: 'List your subscriptions, newest first',
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
        post: {
          summary: 'Create a subscription',
          description: `target_config follows Target_<target_type>; each alert channel's config follows Channel_<type>`,
          security: secured,
          requestBody: body('SubscriptionCreate'),
          responses: {
            '201': ok('created', ref('Subscription')),
            '402': ok('the tier must be paid for'),
            '403': ok('tier limit reached'),
            ...errors,
          },
        },
      },
      '/subscribe': {
        post: {
          summary: 'Alias of POST /v1/subscriptions accepting user_address',
          security: secured,
          requestBody: body('SubscriptionCreate'),
          responses: { '201': ok('created', ref('Subscription')), ...errors },
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
          responses: { '200': ok('{items, next_cursor}'), ...errors },
        },
      },
      '/v1/subscriptions/{id}/test-alert': {
        post: {
          summary: 'Send a test message to every channel now and report each result',
          security: secured,
          parameters: idParam,
          responses: { '200': ok('{results:[{channel_id, type, ok, error}]}'), ...errors },
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
