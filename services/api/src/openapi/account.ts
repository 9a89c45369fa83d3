import { body, errors, idParam, listParams, ok, secured, sessionOnly } from './helpers';

/** Signing in, API keys, the audit log and the account's wallets. */
export const accountPaths = {
  '/v1/auth/nonce': {
    get: {
      summary: 'A nonce for an EIP-4361 message',
      responses: { '200': ok('the nonce', 'Nonce') },
    },
  },
  '/v1/auth/verify': {
    post: {
      summary: 'Sign in with Ethereum',
      requestBody: body('AuthVerify'),
      responses: { '200': ok('{token, address, expires_at}', 'Session'), ...errors },
    },
  },
  '/v1/auth/link': {
    post: {
      summary: "Sign in with the owner's one-time link (self-hosted)",
      description:
        'the token after #token= in a link printed at the first start or by ./lighthouse admin-link; good once, for 24 hours. Answers like /v1/auth/verify.',
      requestBody: body('AuthLink'),
      responses: { '200': ok('a session', 'Session'), ...errors },
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
      responses: { '200': ok('{items, next_cursor: null}', 'ApiKeyList') },
    },
    post: {
      summary: 'Create an API key (shown once)',
      description:
        'scope "read" (GET and HEAD only) or "read_write" (the default); only a signed-in session may create keys',
      security: secured,
      requestBody: body('ApiKeyCreate'),
      responses: {
        '201': ok('the key, with the secret `key` shown this once', 'ApiKeyCreated'),
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
        ...listParams,
        { name: 'resource_type', in: 'query', schema: { type: 'string' } },
        { name: 'resource_id', in: 'query', schema: { type: 'string' } },
      ],
      responses: { '200': ok('{items, next_cursor}', 'AuditPage'), ...errors },
    },
  },
  '/v1/account': {
    get: {
      summary:
        'The signed-in account: its address, whether it owns or operates this instance, its wallets',
      security: secured,
      responses: { '200': ok('the account', 'Account'), ...errors },
    },
  },
  '/v1/account/wallets': {
    get: {
      summary: 'Wallets that sign in to this account',
      security: secured,
      responses: { '200': ok('{items, next_cursor: null}', 'WalletList'), ...errors },
    },
    post: {
      summary: 'Add a wallet: a Sign-In with Ethereum message signed by it',
      description:
        'the wallet then signs in to this account (a self-hosted owner adding a browser wallet). A wallet with an account of its own is refused (409). Only a signed-in session may add or remove wallets.',
      security: secured,
      requestBody: body('AuthVerify'),
      responses: {
        '201': ok("the account's wallets", 'WalletList'),
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
