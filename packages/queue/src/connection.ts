import { Redis, type RedisOptions } from 'ioredis';

export type RedisRole =
  /** Queue producers and the API: fail fast when Redis is away so callers can answer 503. */
  | 'producer'
  /** Workers: wait and reconnect for as long as it takes, as BullMQ advises. */
  | 'worker';

export interface RedisConnectionOptions {
  url: string;
  role: RedisRole;
  name?: string;
  onError?: (err: Error) => void;
}

/** Reconnect with capped exponential backoff: 100 ms doubling to 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 10), 5_000);
}

export function createRedis({ url, role, name, onError }: RedisConnectionOptions): Redis {
  const options: RedisOptions = {
    connectionName: name,
    retryStrategy: reconnectDelay,
    connectTimeout: 5_000,
    lazyConnect: false,
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null, enableOfflineQueue: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
  };
  const redis = new Redis(url, options);
  // Without a listener ioredis prints every failed reconnect to stderr.
  redis.on('error', (err: Error) => onError?.(err));
  return redis;
}

/**
 * Resolves true once `redis` is connected, or false after `timeoutMs` if it is not yet (the
 * caller goes on: a producer connection keeps trying in the background).
 */
export function redisReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(ready: boolean) {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    }
    redis.once('ready', onReady);
  });
}

/** Resolves when PING answers within `timeoutMs`. */
export async function pingRedis(redis: Redis, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([redis.ping(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
