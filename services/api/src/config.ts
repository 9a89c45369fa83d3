import { env, parseConfig, type Env } from '@lighthouse/shared';
import { channelSettingsShape } from '@lighthouse/channels';
import { z } from 'zod';

const schema = z
  .object({
    DATABASE_URL: env.postgresUrl(),
    REDIS_URL: env.redisUrl(),
    PORT: env.port(3000),
    HOST: z.string().default('0.0.0.0'),
    QUEUE_PREFIX: env.queuePrefix(),
    LOG_LEVEL: env.logLevel(),
    ENCRYPTION_KEY: env.encryptionKey(),
    ADMIN_TOKEN: env.secret('protects Bull Board at /admin/queues', 16),
    /** EIP-4361 domain sign-in messages must name; default localhost:<PORT>. */
    SIWE_DOMAIN: z.string().min(1).optional(),
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
    /** requests a minute: sign-in per client address, creations and test alerts per wallet */
    RATE_LIMIT_SIGN_IN_PER_MINUTE: env.int(30, 1, 100_000),
    RATE_LIMIT_CREATE_PER_MINUTE: env.int(60, 1, 100_000),
    RATE_LIMIT_TEST_ALERT_PER_MINUTE: env.int(5, 1, 100_000),
    DB_POOL_SIZE: env.int(10, 1, 200),
    SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100, 120_000),
    /** test alerts are sent from the api itself, like the alerter sends */
    ...channelSettingsShape,
  })
  .transform((c) => ({ ...c, SIWE_DOMAIN: c.SIWE_DOMAIN ?? `localhost:${c.PORT}` }));

export type ApiConfig = z.output<typeof schema>;

export function loadConfig(source: Env = process.env): ApiConfig {
  return parseConfig(schema, source);
}
