import {
  env,
  metricsToken,
  modeShape,
  parseConfig,
  requireInServiceMode,
  targetAccessShape,
  type Env,
} from '@lighthouse/shared';
import { channelSettingsShape } from '@lighthouse/channels';
import { join } from 'node:path';
import { z } from 'zod';

const evmAddress = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address');

/** The address users open Lighthouse at, without a trailing slash. */
const publicUrl = z
  .url({
    protocol: /^https?$/,
    error: 'must be an http(s) URL like https://lighthouse.example.com',
  })
  .transform((u) => u.replace(/\/+$/, ''));

const schema = z
  .object({
    DATABASE_URL: env.postgresUrl(),
    REDIS_URL: env.redisUrl(),
    ...targetAccessShape,
    PORT: env.port(3000),
    /** loopback unless told: containers (and anyone exposing it on purpose) set 0.0.0.0 */
    HOST: z.string().min(1).default('127.0.0.1'),
    /**
     * The address users open Lighthouse at, for links the api prints (the owner's sign-in
     * link); default http://localhost:<PORT>.
     */
    PUBLIC_URL: publicUrl.optional(),
    /** wallets that may use the operator console (/v1/admin); in self-hosted mode the owner too */
    LIGHTHOUSE_ADMIN_WALLETS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      )
      .refine((list) => list.every((a) => /^0x[0-9a-f]{40}$/.test(a)), {
        message: 'must be a comma-separated list of 0x-prefixed 20-byte wallet addresses',
      }),
    /** self-hosted: days of raw check history kept (service mode: each tier's) */
    LIGHTHOUSE_RETENTION_DAYS: env.int(90, 1, 3_650),
    /** self-hosted: the shortest check interval allowed */
    LIGHTHOUSE_MIN_INTERVAL_SECONDS: env.int(10, 1, 86_400),
    QUEUE_PREFIX: env.queuePrefix(),
    LOG_LEVEL: env.logLevel(),
    ENCRYPTION_KEY: env.encryptionKey(),
    /** the region a subscription that names none is checked from */
    DEFAULT_REGION: env.region(),
    /** a region whose checkers have all been silent this long is dark (no new subscriptions choose it) */
    REGION_DARK_AFTER_SECONDS: env.int(120, 5, 86_400),
    ADMIN_TOKEN: env.secret('protects Bull Board at /admin/queues', 16),
    /** EIP-4361 domain sign-in messages must name; default localhost:<PORT>. */
    SIWE_DOMAIN: z.string().min(1).optional(),
    /** chain ids a sign-in message may name (comma-separated); unset: any */
    SIWE_CHAIN_IDS: z
      .string()
      .optional()
      .transform((v) =>
        v === undefined
          ? undefined
          : v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean),
      )
      .refine(
        (ids) =>
          ids === undefined || (ids.length > 0 && ids.every((id) => /^[1-9]\d{0,15}$/.test(id))),
        {
          message: 'must be a comma-separated list of chain ids such as 1,8453,43114',
        },
      )
      .transform((ids) => ids?.map(Number)),
    SESSION_TTL_HOURS: env.int(24 * 7, 1, 24 * 365),
    /** Comma-separated origins allowed by CORS, e.g. https://app.example.com; `*` for any. */
    CORS_ORIGINS: z
      .string()
      .default('')
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .refine((origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/]+$/.test(o)), {
        message:
          'must be a comma-separated list of origins like https://app.example.com (no path), or *',
      }),
    LIGHTHOUSE_TIERS: z.string().min(1).optional(),
    /**
     * The built web dashboard, served at `/` when the directory exists; default the workspace's
     * `apps/dashboard/dist` (from src/ or dist/ alike, three levels up is the repository root).
     */
    DASHBOARD_DIR: z.string().min(1).default(join(__dirname, '../../../apps/dashboard/dist')),
    /**
     * Which proxies' X-Forwarded-For is believed for the client address (rate limits, the audit
     * log): express's names and CIDRs, comma-separated (e.g. `loopback, 10.0.0.0/16` for a load
     * balancer in that VPC), or the number of proxy hops in front of the api.
     */
    TRUST_PROXY: z
      .string()
      .trim()
      .default('loopback')
      .transform((v) => (/^\d+$/.test(v) ? Number(v) : v))
      .refine(
        (v) =>
          typeof v === 'number' ||
          v
            .split(',')
            .every((p) =>
              /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(p.trim()),
            ),
        {
          message:
            'must be a number of hops, or a comma-separated list of loopback, linklocal, uniquelocal and IP addresses or CIDRs',
        },
      ),
    /** a bearer token /metrics asks for (open without it); required in service mode */
    METRICS_TOKEN: metricsToken(),
    /** requests a minute: sign-in per client address, creations and test alerts per wallet */
    RATE_LIMIT_SIGN_IN_PER_MINUTE: env.int(30, 1, 100_000),
    RATE_LIMIT_CREATE_PER_MINUTE: env.int(60, 1, 100_000),
    /** creations a minute from one client address, whichever wallets it uses */
    RATE_LIMIT_CREATE_PER_IP_PER_MINUTE: env.int(120, 1, 100_000),
    RATE_LIMIT_TEST_ALERT_PER_MINUTE: env.int(5, 1, 100_000),
    /** pings a minute to one heartbeat push URL (per token) */
    RATE_LIMIT_PUSH_PER_MINUTE: env.int(120, 1, 100_000),
    /** proofs and SLA reports a minute from one client address (a report can hold 100,000 rows) */
    RATE_LIMIT_REPORTS_PER_IP_PER_MINUTE: env.int(20, 1, 100_000),
    /** paid single checks (POST /v1/probe) a minute from one client address, paid or not */
    RATE_LIMIT_PROBES_PER_IP_PER_MINUTE: env.int(30, 1, 100_000),
    DB_POOL_SIZE: env.int(10, 1, 200),
    /** x402: the wallet paid tiers are paid to; unset, paid tiers cannot be bought here */
    X402_PAY_TO: evmAddress.optional(),
    /** CAIP-2 id of the chain payments are made on; default Avalanche Fuji */
    X402_NETWORK: z
      .string()
      .regex(/^eip155:[1-9][0-9]{0,15}$/, 'must be a CAIP-2 EVM network such as eip155:43113')
      .default('eip155:43113'),
    /** the EIP-3009 token paid in; default Circle's USDC on Avalanche Fuji */
    X402_ASSET: evmAddress.default('0x5425890298aed601595a70AB815c96711a31Bc65'),
    /** the token's EIP-712 domain name and version, as its contract declares them */
    X402_ASSET_NAME: z.string().min(1).max(64).default('USD Coin'),
    X402_ASSET_VERSION: z.string().min(1).max(16).default('2'),
    X402_ASSET_DECIMALS: env.int(6, 0, 36),
    /** how long a signed payment may take to reach us, at most */
    X402_MAX_TIMEOUT_SECONDS: env.int(300, 30, 3600),
    /** settle through this x402 facilitator (its /verify and /settle) … */
    X402_FACILITATOR_URL: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
      .optional(),
    /** … or, when set, by sending transferWithAuthorization from this key over X402_RPC_URL */
    X402_RELAYER_PRIVATE_KEY: z
      .string()
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key')
      .optional(),
    X402_RPC_URL: z
      .url({ protocol: /^(https?|wss?)$/, error: 'must be an http(s) or ws(s) URL' })
      .optional(),
    /** how long a facilitator call or an on-chain settlement may take */
    X402_SETTLE_TIMEOUT_MS: env.int(30_000, 1000, 300_000),
    /** the price of one paid single check (POST /v1/probe), in the asset's whole units */
    X402_PROBE_PRICE_USDC: z
      .string()
      .regex(/^\d{1,12}(\.\d{1,18})?$/, 'must be a decimal amount such as 0.001')
      .refine((v) => Number(v) > 0, 'must be more than 0')
      .default('0.001'),
    SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100, 120_000),
    /** test alerts are sent from the api itself, like the alerter sends */
    ...channelSettingsShape,
  })
  .superRefine((c, ctx) => {
    requireInServiceMode(c, ctx, {
      METRICS_TOKEN: 'a public /metrics tells anyone what runs here',
      SIWE_DOMAIN: 'the host customers sign in on, e.g. lighthouse.example.com',
    });
    if (c.LIGHTHOUSE_MODE === 'self-hosted') {
      // refused rather than ignored: a half-switched operator config should say so at start
      for (const name of ['LIGHTHOUSE_TIERS', 'X402_PAY_TO'] as const) {
        if (c[name] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message:
              'is read in service mode only: set LIGHTHOUSE_MODE=service to use tiers and payments',
          });
        }
      }
    }
    if ((c.X402_PROBE_PRICE_USDC.split('.')[1]?.length ?? 0) > c.X402_ASSET_DECIMALS) {
      ctx.addIssue({
        code: 'custom',
        path: ['X402_PROBE_PRICE_USDC'],
        message: `has more decimal places than X402_ASSET_DECIMALS (${c.X402_ASSET_DECIMALS})`,
      });
    }
    if (c.X402_RELAYER_PRIVATE_KEY && !c.X402_RPC_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['X402_RPC_URL'],
        message: 'is required with X402_RELAYER_PRIVATE_KEY (the chain to settle on)',
      });
    }
    if (c.X402_PAY_TO && !c.X402_FACILITATOR_URL && !c.X402_RELAYER_PRIVATE_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['X402_FACILITATOR_URL'],
        message:
          'X402_PAY_TO needs a way to settle: set X402_FACILITATOR_URL, or X402_RELAYER_PRIVATE_KEY and X402_RPC_URL',
      });
    }
  })
  .transform((c) => ({
    ...c,
    SIWE_DOMAIN: c.SIWE_DOMAIN ?? `localhost:${c.PORT}`,
    PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}`,
  }));

export type ApiConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): ApiConfig {
  return parseConfig(schema, source);
}

/** What the api's command line (cli.ts: sign-in links) reads: the database and the public URL. */
const cliSchema = z
  .object({
    DATABASE_URL: env.postgresUrl(),
    ...modeShape,
    PORT: env.port(3000),
    PUBLIC_URL: publicUrl.optional(),
  })
  .transform((c) => ({ ...c, PUBLIC_URL: c.PUBLIC_URL ?? `http://localhost:${c.PORT}` }));

export type CliConfig = z.output<typeof cliSchema>;

export function loadCliConfig(source: Env = process.env): CliConfig {
  return parseConfig(cliSchema, source);
}
