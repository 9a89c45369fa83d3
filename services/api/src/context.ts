import type { Db } from '@lighthouse/db';
import type { Tiers } from '@lighthouse/domain';
import type { Resolver } from '@lighthouse/net';
import type { QueueName } from '@lighthouse/queue';
import type { Logger, SecretBox } from '@lighthouse/shared';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ApiConfig } from './config';
import type { Metrics } from './metrics';

/** Everything a request handler may use; built once in main.ts (or by a test). */
export interface AppContext {
  config: ApiConfig;
  logger: Logger;
  db: Db;
  redis: Redis;
  queues: Record<QueueName, Queue>;
  secrets: SecretBox;
  tiers: Tiers;
  metrics: Metrics;
  /** resolves target host names for the SSRF verdict at creation; tests map made-up names */
  resolve?: Resolver;
}
