import { body, errors, idParam, listParams, notAnOperator, ok, secured } from './helpers';
import { subscriptionListParams } from './subscriptions';

/** The operator console, `/v1/admin/*`. */
export const consolePaths = {
  '/v1/admin/overview': {
    get: {
      summary:
        "Operator console: instance health, subscription counts, queues, checkers, the storage engine and TimescaleDB's jobs",
      security: secured,
      responses: { '200': ok('the overview', 'Overview'), ...notAnOperator },
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
      responses: { '200': ok('{items, next_cursor}', 'ConsoleUserPage'), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions': {
    get: {
      summary: "Operator console: everyone's subscriptions, with the list filters and owner",
      security: secured,
      parameters: [
        ...subscriptionListParams,
        { name: 'owner', in: 'query', schema: { type: 'string' }, description: 'a wallet address' },
      ],
      responses: { '200': ok('{items, next_cursor}', 'SubscriptionPage'), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}/pause': {
    post: {
      summary: "Operator console: pause anyone's subscription (audited in the owner's log)",
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', 'Subscription'), ...notAnOperator },
    },
  },
  '/v1/admin/subscriptions/{id}/resume': {
    post: {
      summary: "Operator console: resume anyone's subscription",
      security: secured,
      parameters: idParam,
      responses: { '200': ok('the subscription', 'Subscription'), ...notAnOperator },
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
      responses: { '200': ok('the subscription', 'Subscription'), ...errors },
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
      responses: { '200': ok('{items, next_cursor}', 'ConsolePaymentPage'), ...notAnOperator },
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
      responses: { '200': ok('{items, next_cursor: null}', 'CheckerList'), ...notAnOperator },
    },
  },
  '/v1/admin/regions': {
    get: {
      summary:
        'Operator console: every region, its live checkers and subscriptions, and whether it is dark',
      security: secured,
      responses: {
        '200': ok('{items, next_cursor: null}', 'ConsoleRegionList'),
        ...notAnOperator,
      },
    },
  },
};
