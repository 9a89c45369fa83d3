import type { ComponentName } from './components';

/** The pieces the path tables are written with: references, answers, parameters. */

export const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });

export const body = (name: ComponentName) => ({
  required: true,
  content: { 'application/json': { schema: ref(name) } },
});

/** An answer; with a component name, its JSON body is that component. */
export const ok = (description: string, schema?: ComponentName) => ({
  description,
  ...(schema ? { content: { 'application/json': { schema: ref(schema) } } } : {}),
});

export const errors = {
  '400': {
    description: 'invalid input; details.fields names each bad field',
    content: { 'application/json': { schema: ref('Error') } },
  },
  '401': { description: 'missing, invalid, expired or revoked token' },
  '404': { description: 'not found, or not yours' },
};

export const sessionOnly = {
  '403': {
    description: 'an API key cannot create or delete API keys: only a signed-in session can',
    content: { 'application/json': { schema: ref('Error') } },
  },
};

export const notAnOperator = {
  '404': { description: 'not an operator (the owner, or a wallet in LIGHTHOUSE_ADMIN_WALLETS)' },
};

export const secured = [{ bearer: [] }];

export const idParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
];

export const time = { type: 'string', format: 'date-time' };

export const timeParam = (name: string, description: string) => ({
  name,
  in: 'query',
  schema: time,
  description,
});

/** `limit` and `cursor` of a paged list. */
export const listParams = [
  {
    name: 'limit',
    in: 'query',
    schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
  { name: 'cursor', in: 'query', schema: { type: 'string' } },
];

/** A filter of comma-separated values (or the parameter repeated), matching any of them. */
export const listFilter = (name: string, values: readonly string[]) => ({
  name,
  in: 'query',
  style: 'form',
  explode: false,
  schema: { type: 'array', items: { type: 'string', enum: values } },
});

/** x402: the signed payment, base64 JSON from an x402 client. */
export const paymentHeader = {
  name: 'PAYMENT-SIGNATURE',
  in: 'header',
  required: false,
  description:
    'an x402 v2 exact-scheme EVM payment (EIP-3009 authorization), base64 JSON; X-PAYMENT (v1) is accepted too',
  schema: { type: 'string' },
};

export const paymentRequired = {
  description:
    'the tier must be paid for: x402 v2 terms in the PAYMENT-REQUIRED header (and in error.details.x402); a refused payment says why in error.details.reason',
  headers: { 'PAYMENT-REQUIRED': { schema: { type: 'string' } } },
  content: { 'application/json': { schema: ref('Error') } },
};
