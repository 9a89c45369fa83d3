import { CHANNEL_TYPE_NAMES, channelTypes, targetTypes } from '@lighthouse/domain';
import { Router } from 'express';
import { z } from 'zod';
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
        Subscription: { type: 'object', description: 'a subscription; secrets are masked' },
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
