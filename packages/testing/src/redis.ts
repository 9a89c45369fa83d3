import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testEnv } from './config';

/** A queue prefix of its own for one test file. */
export function newQueuePrefix(): string {
  return `lhtest-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under a prefix (SCAN, not KEYS, so a shared Redis is not blocked). */
export async function deleteQueuePrefix(prefix: string, url = testEnv().redisUrl): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
