import { createDb, type Db, type StateEventKind } from '@lighthouse/db';
import { createQueues, enqueue, validated, type QueueName } from '@lighthouse/queue';
import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  testEnv,
  type TestDatabase,
} from '@lighthouse/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { createAlertProcessor } from '../src/jobs/alert';
import { createMetrics } from '../src/metrics';

// The alert processor on a real PostgreSQL and a real Redis: whatever it makes of an event,
// it marks the event handled, and only after the event's delivery jobs are in the queue, so
// that the scheduler's redrive leaves alone exactly the events that need nothing more.

const owner = `0x${'e'.repeat(40)}`;
const prefix = newQueuePrefix();
const retry = { attempts: 8, backoffMs: 2_000 };

let database: TestDatabase;
let db: Db;
let redis: Redis;
let queues: Record<QueueName, Queue>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  queues = createQueues({ connection: redis, prefix });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
});

afterAll(async () => {
  await Promise.all(Object.values(queues).map((q) => q.close()));
  redis.disconnect();
  await deleteQueuePrefix(prefix);
  await db.destroy();
  await database.drop();
});

async function subscription(values: { state?: 'up' | 'down'; deleted?: boolean } = {}) {
  const row = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'api',
      target_type: 'http',
      target_config: JSON.stringify({ url: 'https://example.com/health' }),
      target_secret: 'v1:x',
      tier: 'free',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
      alert_channels: JSON.stringify([
        { id: 'c1', type: 'webhook', language: null, config: {}, secret: 'v1:x' },
      ]),
      state: values.state ?? 'down',
      deleted_at: values.deleted ? new Date() : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function event(
  subscriptionId: string,
  values: {
    kind?: StateEventKind;
    from?: 'unknown' | 'up';
    to?: 'up' | 'down';
    check?: Record<string, unknown>;
  } = {},
) {
  const row = await db
    .insertInto('state_events')
    .values({
      subscription_id: subscriptionId,
      kind: values.kind ?? 'transition',
      from_state: values.from ?? 'up',
      to_state: values.to ?? 'down',
      slot_time: new Date(),
      published_at: sql<Date>`now()`,
      ...(values.check ? { check: JSON.stringify(values.check) } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function handledAt(eventId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('state_events')
    .select('handled_at')
    .where('id', '=', eventId)
    .executeTakeFirstOrThrow();
  return row.handled_at;
}

/** The event's job, as the relay adds it, run by the processor as the alerter's worker runs it. */
async function process(eventId: string, deliveries = queues.deliveries): Promise<string> {
  const [job] = await enqueue(queues, 'alerts', [{ eventId }]);
  const processor = validated(
    'alerts',
    createAlertProcessor({ db, queues: { deliveries }, metrics: createMetrics(), retry }),
  );
  return (await processor(job!)) as string;
}

it('marks an event handled once its delivery jobs are queued', async () => {
  const id = await event(await subscription());
  expect(await handledAt(id)).toBeNull();

  await expect(process(id)).resolves.toBe('1 deliveries');

  expect(await handledAt(id)).toBeInstanceOf(Date);
  const delivery = await db
    .selectFrom('alert_deliveries as d')
    .innerJoin('alerts as a', 'a.id', 'd.alert_id')
    .select('d.id')
    .where('a.event_id', '=', id)
    .executeTakeFirstOrThrow();
  expect(await queues.deliveries.getJobState(delivery.id)).toBe('waiting');
});

it.each([
  ['subscription deleted', { deleted: true }, {}],
  ['nothing to tell', {}, { from: 'unknown', to: 'up' }],
  ['up again before the reminder went out', { state: 'up' }, { kind: 'reminder', from: 'up' }],
] as const)('marks an event handled when the outcome is "%s"', async (outcome, sub, values) => {
  const id = await event(await subscription(sub), values);

  await expect(process(id)).resolves.toBe(outcome);

  expect(await handledAt(id)).toBeInstanceOf(Date);
});

it('leaves the event unhandled when its delivery jobs could not be queued', async () => {
  const id = await event(await subscription());
  // Redis goes away just before the delivery jobs are added
  const gone = new Redis(testEnv().redisUrl, { enableOfflineQueue: false });
  const deliveries = new Queue('deliveries', { connection: gone, prefix });
  deliveries.on('error', () => undefined);
  await deliveries.waitUntilReady();
  gone.disconnect();

  await expect(process(id, deliveries)).rejects.toThrow('Connection is closed');

  expect(await handledAt(id)).toBeNull();
  await deliveries.close();
});

describe('regions', () => {
  const check = (regions: unknown[]) => ({
    time: new Date().toISOString(),
    status: 'down',
    error: 'connect ECONNREFUSED',
    error_category: 'connect',
    regions,
  });
  const eu = {
    region: 'eu-west',
    status: 'down',
    error: 'connection refused',
    response_time_ms: null,
  };

  async function recordedMessage(eventId: string): Promise<string> {
    await expect(process(eventId)).resolves.toBe('1 deliveries');
    const row = await db
      .selectFrom('alerts')
      .select('message')
      .where('event_id', '=', eventId)
      .executeTakeFirstOrThrow();
    return row.message;
  }

  it("records an alert naming the regions that failed, from the event's check", async () => {
    const regions = [
      { region: 'ap-south', status: 'up', error: null, response_time_ms: 112 },
      eu,
      { region: 'us-east', status: 'down', error: 'timeout', response_time_ms: 10_000 },
    ];
    const id = await event(await subscription(), { check: check(regions) });

    expect((await recordedMessage(id)).split('\n')).toContain(
      'Failed in 2 of 3 regions: eu-west (connection refused), us-east (timeout)',
    );
  });

  it('says nothing of regions when the event names one region', async () => {
    const id = await event(await subscription(), { check: check([eu]) });

    expect(await recordedMessage(id)).not.toMatch(/region|eu-west/i);
  });
});
