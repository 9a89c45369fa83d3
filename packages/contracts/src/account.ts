import { z } from 'zod';
import { anyObject, page, time, uuid, wholeList } from './common';
import { API_KEY_SCOPES, AUDIT_ACTORS, AUDIT_RESOURCE_TYPES, MODES } from './enums';

export const nonce = z.object({ nonce: z.string() });
export type Nonce = z.output<typeof nonce>;

/** A signed-in session: what /v1/auth/verify and /v1/auth/link answer. */
export const session = z.object({
  token: z.string().meta({ description: 'the bearer token' }),
  address: z.string().meta({ description: 'the account signed in to' }),
  expires_at: time,
});
export type Session = z.output<typeof session>;

export const tier = z.object({
  name: z.string(),
  label: z.string(),
  price_usdc_per_30_days: z.string().meta({ description: 'decimal USDC' }),
  paid: z.boolean(),
  min_interval_seconds: z.int(),
  max_subscriptions: z.int().nullable().meta({ description: 'null: no limit' }),
  raw_retention_days: z.int(),
  allowed_target_types: z.array(z.string()),
  max_channels: z.int(),
  max_regions: z.int().meta({ description: 'regions a subscription may be checked from' }),
});
export type Tier = z.output<typeof tier>;

export const tierList = wholeList(tier);

export const region = z
  .object({
    region: z.string(),
    live_checkers: z.int().meta({ description: 'checkers of the region that beat lately' }),
    checks_per_second: z.number(),
    last_seen_at: z.string().meta({ description: 'the newest heartbeat of its checkers' }),
    default: z.boolean().meta({ description: 'subscriptions that name no region use it' }),
  })
  .meta({ description: 'a region with a live checker: subscriptions may choose it' });
export type Region = z.output<typeof region>;
export const regionList = wholeList(region);

export const SIGN_IN_METHODS = ['link', 'wallet', 'api_key'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export const instance = z.object({
  mode: z.enum(MODES),
  version: z.string(),
  sign_in_methods: z.array(z.enum(SIGN_IN_METHODS)).meta({
    description:
      "link: the owner's one-time sign-in links (self-hosted); wallet: Sign-In with Ethereum (self-hosted: the owner's added wallets and LIGHTHOUSE_ADMIN_WALLETS only)",
  }),
  siwe_domain: z.string(),
  min_interval_seconds: z.int(),
  tiers: z.array(tier),
  features: z.object({
    payments: z.boolean().meta({ description: 'paid tiers can be bought (x402)' }),
    tiers: z.boolean().meta({ description: 'false: one built-in tier (self-hosted)' }),
    private_targets: z.boolean(),
    link_local_targets: z.boolean(),
    operator_console: z.boolean(),
    status_pages: z.boolean(),
  }),
});
export type Instance = z.output<typeof instance>;

/** A wallet that signs in to an account. */
export const wallet = z.object({ wallet_address: z.string(), created_at: time });
export type Wallet = z.output<typeof wallet>;

export const walletList = wholeList(wallet);

export const account = z.object({
  address: z.string(),
  owner: z.boolean().meta({ description: 'the owner of a self-hosted instance' }),
  operator: z.boolean().meta({ description: 'may use /v1/admin' }),
  signed_in_with: z.enum(['session', 'api_key']),
  scope: z.enum(API_KEY_SCOPES),
  language: z.string(),
  wallets: z.array(wallet),
});
export type Account = z.output<typeof account>;

export const apiKey = z.object({
  id: uuid,
  name: z.string(),
  prefix: z.string().meta({ description: 'the first characters of the key' }),
  scope: z.enum(API_KEY_SCOPES).meta({
    description: 'read: GET and HEAD only; read_write: everything but managing API keys',
  }),
  created_at: time,
  last_used_at: time.nullable(),
});
export type ApiKey = z.output<typeof apiKey>;

/** A new API key, with the key itself: shown this once, only its hash is kept. */
export const apiKeyCreated = apiKey.extend({
  key: z.string().meta({ description: 'the key: shown this once' }),
});
export type ApiKeyCreated = z.output<typeof apiKeyCreated>;

export const apiKeyList = wholeList(apiKey);

export const auditEntry = z.object({
  id: z.string().meta({ description: 'increasing' }),
  at: time,
  actor: z.enum(AUDIT_ACTORS),
  api_key_id: uuid.nullable().meta({ description: 'the key used, when actor is api_key' }),
  action: z.string().meta({
    description:
      "<resource_type>.<verb>: subscription.create|update|pause|resume|renew|delete|transfer, payment.settle|discard, maintenance_window.create|update|delete, status_page.create|update|delete, api_key.create|revoke, wallet.link|unlink, session.logout; an operator's change names them in details.operator",
  }),
  resource_type: z.enum(AUDIT_RESOURCE_TYPES),
  resource_id: z.string().nullable(),
  details: anyObject.meta({
    description:
      'field names and ids, never values that could hold a secret: for updates `fields` (what changed) and, for subscriptions, `channels: {added, removed, changed}` (channel ids)',
  }),
  ip: z.string().nullable().meta({ description: 'the client address the request came from' }),
});
export type AuditEntry = z.output<typeof auditEntry>;

export const auditPage = page(auditEntry);
