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
  '/v1/probes': {
    get: {
      summary:
        "Every probe's signing address, with its region and the period it was active: the keys check records are signed with (public)",
      responses: {
        '200': ok('`{items: [{address, region, first_seen, last_seen}], next_cursor: null}`'),
      },
    },
  },
  '/v1/anchors': {
    get: {
      summary:
        "Each hour's root over its signed batches, newest first, with its transaction when published on chain (public; `before`, `limit`)",
      responses: {
        '200': ok(
          '`{instance, items: [{hour, root, batches, chain_id, contract, tx_hash, block_number, published_at, last_error}], next_cursor}`',
        ),
      },
    },
  },
  '/v1/subscriptions/{id}/checks/{time}/proof': {
    get: {
      summary:
        "A slot's signed records (`region` for one): leaf, Merkle path, the signed batch root, the hour's path and anchor, as a report lighthouse-verify checks. The owner's, or a subscription on a published status page",
      responses: {
        '200': ok('a records report of kind `proof`'),
        '404': ok('no such subscription, or no signed check at that slot'),
      },
    },
  },
  '/v1/subscriptions/{id}/sla-report': {
    get: {
      summary:
        'A period of records (`from`, `to`; default the last 30 days) with their uptime and everything needed to verify it: every row, a multiproof per signed batch, the hours’ anchors. The owner’s, or a subscription on a published status page',
      responses: {
        '200': ok('a records report of kind `sla-report`'),
        '400': ok('a bad period, named by field'),
      },
    },
  },
  '/v1/instance': {
    get: {
      summary: 'What this instance is: mode, version, sign-in methods, tiers, features (public)',
      responses: { '200': ok('the instance', 'Instance') },
    },
  },
};
