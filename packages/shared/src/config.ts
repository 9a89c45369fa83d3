import { z } from 'zod';

/** Raised when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly issues: { variable: string; message: string }[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Parses an environment with a service's schema, once, at start. Empty strings
 * count as unset so that `FOO=` in a compose file does not smuggle in a blank
 * secret. On failure the error names every bad variable and why.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: Env): z.output<S> {
  const cleaned: Env = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    variable: issue.path.length > 0 ? issue.path.map(String).join('.') : '(config)',
    message: issue.message,
  }));
  const lines = issues.map((i) => `${i.variable}: ${i.message}`);
  return failConfig(`invalid configuration: ${lines.join('; ')}`, issues);
}

function failConfig(message: string, issues: ConfigError['issues']): never {
  throw new ConfigError(message, issues);
}

/** A region's name (CHECKER_REGION, DEFAULT_REGION, a subscription's regions): it is part of a queue's name. */
export const REGION_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Reusable pieces for service schemas. */
export const env = {
  /** A region's name; default `local`, the region of an instance that names none. */
  region: () =>
    z
      .string()
      .regex(REGION_PATTERN, 'must be 1-32 lower-case letters, digits or dashes, such as eu-west')
      .default('local'),
  /** `true`/`false`/`1`/`0`/`yes`/`no`. */
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], {
        error: 'must be true or false',
      })
      .default(fallback ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  port: (fallback: number) =>
    z.coerce
      .number({ error: 'must be a port number' })
      .int('must be a port number')
      .min(0, 'must be between 0 and 65535')
      .max(65535, 'must be between 0 and 65535')
      .default(fallback),
  int: (fallback: number, min: number, max: number) =>
    z.coerce
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(min, `must be at least ${min}`)
      .max(max, `must be at most ${max}`)
      .default(fallback),
  postgresUrl: () =>
    z
      .string({ error: 'is required (a postgres:// URL)' })
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  redisUrl: () =>
    z
      .string({ error: 'is required (a redis:// URL)' })
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  logLevel: () =>
    z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly']).default('info'),
  /** Prefix for every BullMQ key; lets several installs or test files share one Redis. */
  queuePrefix: () =>
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dot, dash or underscore')
      .default('lighthouse'),
  /** 32 bytes as 64 hex characters or base64; no default: secrets must be given. */
  encryptionKey: () =>
    z
      .string({ error: 'is required: 32 random bytes as hex or base64 (openssl rand -hex 32)' })
      .transform((value, ctx) => {
        const key = /^[0-9a-fA-F]{64}$/.test(value)
          ? Buffer.from(value, 'hex')
          : Buffer.from(value, 'base64');
        if (key.length !== 32) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be 32 bytes as 64 hex characters or base64 (openssl rand -hex 32)',
          });
          return z.NEVER;
        }
        return key;
      }),
  /** an EVM private key: 0x and 64 hex characters */
  privateKey: (required: string) =>
    z
      .string({ error: `is required: ${required}` })
      .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex private key'),
  secret: (name: string, minLength = 16) =>
    z
      .string({ error: `is required (${name})` })
      .min(minLength, `must be at least ${minLength} characters`),
};

/**
 * How Lighthouse is run (DESIGN "Two ways to run it"): `self-hosted`, one owner monitoring
 * their own services (no tiers or payments, private targets allowed, a sign-in link), or
 * `service`, run publicly for customers with wallets, tiers and x402.
 */
export const MODES = ['self-hosted', 'service'] as const;
export type Mode = (typeof MODES)[number];

/** Which addresses a probe or a channel may connect to (the SSRF guard's policy). */
export type TargetAccessPolicy = 'public' | 'private' | 'all';

/** LIGHTHOUSE_MODE, which every service reads: spread into its schema. */
export const modeShape = {
  LIGHTHOUSE_MODE: z
    .enum(MODES, { error: 'must be self-hosted or service' })
    .default('self-hosted'),
};

/**
 * The mode, and which targets the SSRF guard lets through, for the services that connect to
 * targets or channels (api, checker, alerter). Private targets (loopback, private networks)
 * default to allowed in self-hosted mode, refused in service mode; link-local and
 * cloud-metadata addresses stay refused unless LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS says
 * otherwise. Spread into a schema, then read the policy with {@link targetAccessOf}.
 */
export const targetAccessShape = {
  ...modeShape,
  /** unset: the mode's default (self-hosted true, service false) */
  LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .optional(),
  /** with private targets allowed, also link-local and cloud-metadata addresses */
  LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS: env.bool(false),
};

export function targetAccessOf(config: {
  LIGHTHOUSE_MODE: Mode;
  LIGHTHOUSE_ALLOW_PRIVATE_TARGETS?: boolean | undefined;
  LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS: boolean;
}): TargetAccessPolicy {
  const privateAllowed =
    config.LIGHTHOUSE_ALLOW_PRIVATE_TARGETS ?? config.LIGHTHOUSE_MODE === 'self-hosted';
  if (!privateAllowed) return 'public';
  return config.LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS ? 'all' : 'private';
}

/** METRICS_TOKEN: a bearer token /metrics asks for when set; required in service mode. */
export function metricsToken() {
  return z.string().min(16, 'must be at least 16 characters').optional();
}

/**
 * In service mode (public), settings that may default to open on one's own machine must be
 * given: a schema's superRefine calls this for each name.
 */
export function requireInServiceMode(
  config: { LIGHTHOUSE_MODE: Mode } & Record<string, unknown>,
  ctx: z.RefinementCtx,
  names: Record<string, string>,
): void {
  if (config.LIGHTHOUSE_MODE !== 'service') return;
  for (const [name, why] of Object.entries(names)) {
    if (config[name] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: `is required in service mode (${why})`,
      });
    }
  }
}

/**
 * The variables every background service (scheduler, checker, alerter) reads alike:
 * its stores, queue prefix, log level, ops port, pool and shutdown budget.
 */
export function workerShape(defaults: { metricsPort: number; shutdownTimeoutMs: number }) {
  return {
    DATABASE_URL: env.postgresUrl(),
    REDIS_URL: env.redisUrl(),
    QUEUE_PREFIX: env.queuePrefix(),
    LOG_LEVEL: env.logLevel(),
    /** /metrics and /health; 0 picks a free port */
    METRICS_PORT: env.port(defaults.metricsPort),
    /** where /metrics and /health listen: loopback unless told (0.0.0.0 in containers) */
    METRICS_HOST: z.string().min(1).default('127.0.0.1'),
    METRICS_TOKEN: metricsToken(),
    DB_POOL_SIZE: env.int(4, 1, 50),
    SHUTDOWN_TIMEOUT_MS: env.int(defaults.shutdownTimeoutMs, 100, 120_000),
  };
}
