import { MAX_PAGES_PER_USER, SLUG_PATTERN } from '@lighthouse/contracts';
import { PERIOD_PATTERN } from '../services/status-pages';
import { body, errors, idParam, listParams, ok, ref, secured } from './helpers';

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
const notPublished = 'no published page has this slug (unknown and unpublished alike)';
const badgeNotFound = svg(
  'a grey "not found" badge, the same for an unknown id and for a subscription on no published page',
);

/** The owner's status pages, and the public pages and badges. */
export const statusPagePaths = {
  '/v1/status-pages': {
    get: {
      summary: 'List your status pages, newest first',
      security: secured,
      parameters: listParams,
      responses: { '200': ok('{items, next_cursor}', 'StatusPagePage'), ...errors },
    },
    post: {
      summary: 'Publish a status page of some of your subscriptions',
      security: secured,
      requestBody: body('StatusPageCreate'),
      responses: {
        '201': ok('created', 'StatusPage'),
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
      responses: { '200': ok('the page', 'StatusPage'), ...errors },
    },
    patch: {
      summary: 'Change a status page',
      description: 'any field; subscription_ids replaces the list',
      security: secured,
      parameters: idParam,
      requestBody: body('StatusPageUpdate'),
      responses: {
        '200': ok('the page', 'StatusPage'),
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
        '200': ok('the page', 'PublicStatusPage'),
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
