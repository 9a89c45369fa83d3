import { AppError, hashToken } from '@lighthouse/shared';
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { AppContext } from '../context';
import { principalOf } from './auth';

/**
 * A middleware that reads no route parameters, so it fits any route's handler types
 * (a plain RequestHandler would pin the route's params to ParamsDictionary).
 */
export type Limiter = <P>(req: Request<P>, res: Response, next: NextFunction) => void;

export interface RateLimits {
  /** sign-in (nonce and verify), per client address */
  signIn: Limiter;
  /** creating things (subscriptions, keys, pages, windows), per client address and per wallet */
  create: Limiter;
  /** test alerts, per wallet */
  testAlert: Limiter;
  /** heartbeat pings, per push token (keyed by its hash: the token itself never reaches Redis) */
  push: Limiter;
  /** proofs and SLA reports, per client address (public for published subscriptions) */
  reports: Limiter;
  /** paid single checks, per client address */
  probes: Limiter;
}

const WINDOW_MS = 60_000;

/** express-rate-limit's middleware, typed as a {@link Limiter}: it never reads params. */
const limiterOf = (options: Parameters<typeof rateLimit>[0]): Limiter =>
  rateLimit(options) as unknown as Limiter;

/**
 * Fixed one-minute windows counted in Redis, so every API replica shares them. Over the
 * limit: 429 `rate_limited` with `Retry-After`. If Redis does not answer, requests pass
 * (and the failure is logged) rather than locking everyone out.
 */
function createRateLimits(ctx: AppContext): RateLimits {
  const { config, redis } = ctx;
  const limiter = (
    name: string,
    perMinute: number,
    key: 'ip' | 'wallet' | 'token',
    what = name.replace('-', ' '),
  ): Limiter =>
    limiterOf({
      windowMs: WINDOW_MS,
      limit: perMinute,
      standardHeaders: 'draft-7',
      legacyHeaders: false,
      passOnStoreError: true,
      store: new RedisStore({
        prefix: `${config.QUEUE_PREFIX}:ratelimit:${name}:`,
        sendCommand: (command: string, ...args: string[]) => {
          // The store loads its scripts once, when built; a failed load would disable it
          // for the life of the process. Before Redis is ready, answer with the digest
          // Redis itself would give: the first EVALSHA then meets NOSCRIPT, and the store
          // loads the script for real.
          if (command === 'SCRIPT' && args[0] === 'LOAD' && redis.status !== 'ready') {
            return Promise.resolve(
              createHash('sha1')
                .update(args[1] ?? '')
                .digest('hex'),
            );
          }
          return redis.call(command, ...args) as Promise<RedisReply>;
        },
      }),
      keyGenerator: (req, res) =>
        key === 'wallet'
          ? principalOf(res).address
          : key === 'token'
            ? hashToken(String(req.params.token)).toString('base64url')
            : ipKeyGenerator(req.ip ?? 'unknown'),
      handler: (req, res, next) => {
        const info = (req as unknown as { rateLimit?: RateLimitInfo }).rateLimit;
        const seconds = Math.max(
          1,
          Math.ceil(((info?.resetTime?.getTime() ?? 0) - Date.now()) / 1000),
        );
        res.set('Retry-After', String(seconds));
        next(
          new AppError(
            'rate_limited',
            `too many requests: at most ${perMinute} a minute for ${what}; retry in ${seconds} s`,
            {
              details: {
                limit: perMinute,
                window_seconds: WINDOW_MS / 1000,
                retry_after_seconds: seconds,
              },
            },
          ),
        );
      },
    });
  return {
    signIn: limiter('sign-in', config.RATE_LIMIT_SIGN_IN_PER_MINUTE, 'ip'),
    create: inTurn(
      limiter(
        'create-ip',
        config.RATE_LIMIT_CREATE_PER_IP_PER_MINUTE,
        'ip',
        'creations from one address',
      ),
      limiter('create', config.RATE_LIMIT_CREATE_PER_MINUTE, 'wallet'),
    ),
    testAlert: limiter('test-alert', config.RATE_LIMIT_TEST_ALERT_PER_MINUTE, 'wallet'),
    push: limiter('pings', config.RATE_LIMIT_PUSH_PER_MINUTE, 'token'),
    reports: limiter(
      'reports',
      config.RATE_LIMIT_REPORTS_PER_IP_PER_MINUTE,
      'ip',
      'proofs and reports from one address',
    ),
    probes: limiter(
      'probes',
      config.RATE_LIMIT_PROBES_PER_IP_PER_MINUTE,
      'ip',
      'single checks from one address',
    ),
  };
}

/** Both limits apply: the second runs only once the first let the request through. */
function inTurn(first: Limiter, second: Limiter): Limiter {
  return (req, res, next) => {
    first(req, res, (err?: unknown) => {
      if (err !== undefined) next(err);
      else second(req, res, next);
    });
  };
}

const built = new WeakMap<AppContext, RateLimits>();

/** The app's limiters, built once per context and shared by every router. */
export function rateLimitsOf(ctx: AppContext): RateLimits {
  let limits = built.get(ctx);
  if (!limits) built.set(ctx, (limits = createRateLimits(ctx)));
  return limits;
}
