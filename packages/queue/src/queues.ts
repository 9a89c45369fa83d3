import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES, checksQueueName, type QueueName } from './catalog';

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

export interface RegionQueues {
  /** the check queue of `region`, made on first use */
  get(region: string): Queue;
  /** every region queue made so far */
  all(): Queue[];
  close(): Promise<void>;
}

/**
 * The check queues of the regions a producer adds to (the scheduler), one per region
 * (checksQueueName), sharing a connection. The `local` region's is the catalog's `checks`
 * queue itself when `checks` is given.
 */
export function createRegionQueues({
  connection,
  prefix,
  onError,
  checks,
}: QueueFactoryOptions & { checks?: Queue }): RegionQueues {
  const queues = new Map<string, Queue>();
  if (checks !== undefined) queues.set('local', checks);
  const own: Queue[] = [];
  return {
    get(region) {
      let queue = queues.get(region);
      if (queue === undefined) {
        queue = new Queue(checksQueueName(region), { connection, prefix });
        queue.on('error', (err) => onError?.('checks', err));
        queues.set(region, queue);
        own.push(queue);
      }
      return queue;
    },
    all: () => [...queues.values()],
    async close() {
      await Promise.all(own.map((q) => q.close()));
    },
  };
}
