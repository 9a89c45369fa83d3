import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, type QueueName } from './catalog';

export interface QueueFactoryOptions {
  connection: Redis;
  prefix: string;
  onError?: (queue: QueueName, err: Error) => void;
}

/** One Queue per catalog entry, sharing a producer connection, each with an error listener. */
export function createQueues({
  connection,
  prefix,
  onError,
}: QueueFactoryOptions): Record<QueueName, Queue> {
  const entries = QUEUE_NAMES.map((name) => {
    const queue = new Queue(name, { connection, prefix });
    queue.on('error', (err) => onError?.(name, err));
    return [name, queue] as const;
  });
  return Object.fromEntries(entries) as Record<QueueName, Queue>;
}
