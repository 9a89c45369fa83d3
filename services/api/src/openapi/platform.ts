import { ok } from './helpers';

/** Health, metrics and what the instance is: public. */
export const platformPaths = {
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
      responses: { '200': ok('`{items, next_cursor: null}`', 'TierList') },
    },
  },
  '/v1/regions': {
    get: {
      summary:
        'The regions with live checkers, by name: the ones a subscription may choose (no sign-in needed)',
      responses: { '200': ok('`{items, next_cursor: null}`', 'RegionList') },
    },
  },
  '/v1/instance': {
    get: {
      summary: 'What this instance is: mode, version, sign-in methods, tiers, features (public)',
      responses: { '200': ok('the instance', 'Instance') },
    },
  },
};
