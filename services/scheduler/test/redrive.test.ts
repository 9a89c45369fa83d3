import { createDb, type Db } from '@lighthouse/db';
import {
  createQueues,
  createWorker,
  enqueue,
  jobCatalog,
  type JobHandler,
  type QueueName,
} from '@lighthouse/queue';
import { createLogger } from '@lighthouse/shared';
import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  testEnv,
  type TestDatabase,
} from '@lighthouse/testing';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { redrive, retryFinished } from '../src/jobs/redrive';
import { createMetrics } from '../src/metrics';

// The redrive against a real PostgreSQL and a real Redis: what the database says is owed
// comes back into the queues when Redis lost it or BullMQ gave up on it, and nothing else does.

const owner = `0x${'d'.repeat(40)}`;
const AFTER_MS = 15_000;

let database: TestDatabase;
let db: Db;
let redis: Redis;
let subscriptionId: string;
// a prefix per test, so each starts from empty queues
let prefix: string;
let queues: Record<QueueName, Queue>;
let logs: string[];
let metrics: ReturnType<typeof createMetrics>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 6 });
  redis = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  const row = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'x',
      target_type: 'http',
      target_config: '{}',
      target_secret: 'v1:x',
      tier: 'free',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  subscriptionId = row.id;
});

afterAll(async () => {
  redis.disconnect();
  await db.destroy();
  await database.drop();
});

beforeEach(() => {
  prefix = newQueuePrefix();
  queues = createQueues({ connection: redis, prefix });
  logs = [];
  // the metrics only read the checks queue when scraped, which these tests never do
  metrics = createMetrics({} as Queue);
});

afterEach(async () => {
  await Promise.all(Object.values(queues).map((q) => q.close()));
  await deleteQueuePrefix(prefix);
  await db.deleteFrom('state_events').execute(); // and, by cascade, alerts and deliveries
});

function round() {
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  return redrive({
    db,
    queues,
    metrics,
    logger: createLogger({ service: 'scheduler', stream }),
    afterMs: AFTER_MS,
    batchSize: 100,
  });
}

async function redriven(queue: QueueName): Promise<number> {
  const values = (await metrics.redriven.get()).values;
  return values.find((v) => v.labels.queue === queue)?.value ?? 0;
}

/** A state event published `ageMs` ago (raised a second before that). */
async function event(ageMs: number, handled = false): Promise<string> {
  const row = await db
    .insertInto('state_events')
    .values({
      subscription_id: subscriptionId,
      from_state: 'up',
      to_state: 'down',
      slot_time: new Date(Date.now() - ageMs - 1_000),
      created_at: sql<Date>`now() - make_interval(secs => ${(ageMs + 1_000) / 1000})`,
      published_at: sql<Date>`now() - make_interval(secs => ${ageMs / 1000})`,
      handled_at: handled ? sql<Date>`now()` : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A delivery of a (handled) event's alert, created `ageMs` ago. */
async function delivery(ageMs: number, status: 'pending' | 'sent' = 'pending'): Promise<string> {
  const alert = await db
    .insertInto('alerts')
    .values({
      event_id: await event(ageMs, true),
      subscription_id: subscriptionId,
      alert_type: 'down',
      severity: 'critical',
      message: 'x is down',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await db
    .insertInto('alert_deliveries')
    .values({
      alert_id: alert.id,
      channel_id: 'c1',
      channel_type: 'webhook',
      status,
      created_at: sql<Date>`now() - make_interval(secs => ${ageMs / 1000})`,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function publish(eventId: string) {
  const [job] = await enqueue(queues, 'alerts', [{ eventId }]);
  return job!;
}

/** Runs one worker over the alerts queue until `count` jobs have finished, then stops it. */
async function runAlertJobs(count: number, handler: JobHandler<'alerts'>): Promise<void> {
  const connection = new Redis(testEnv().redisUrl, { maxRetriesPerRequest: null });
  const worker = createWorker('alerts', handler, {
    connection,
    prefix,
    onError: () => undefined, // the jobs' outcomes are what the tests look at
  });
  await new Promise<void>((resolve) => {
    let finished = 0;
    const done = () => {
      finished += 1;
      if (finished === count) resolve();
    };
    worker.on('completed', done);
    worker.on('failed', (job) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) done();
    });
  });
  await worker.close();
  connection.disconnect();
}

it('adds again the job of a published event that Redis lost, and leaves one that waits', async () => {
  const lost = await event(60_000);
  const waiting = await event(60_000);
  await publish(lost);
  const queued = await publish(waiting);
  await queues.alerts.remove(lost);

  await round();

  expect(await queues.alerts.getJobState(lost)).toBe('waiting');
  const again = await queues.alerts.getJob(lost);
  expect(again?.data).toEqual({ eventId: lost });
  expect(again?.opts).toMatchObject({ attempts: 8, backoff: jobCatalog.alerts.options.backoff });
  // untouched: the same job, added once
  expect((await queues.alerts.getJob(waiting))?.timestamp).toBe(queued.timestamp);
  expect(await redriven('alerts')).toBe(1);
  expect(logs.map((l) => JSON.parse(l) as unknown)).toEqual([
    expect.objectContaining({
      level: 'info',
      message: 'jobs redriven',
      queue: 'alerts',
      lost: 1,
      failed: 0,
      completed: 0,
    }),
  ]);

  // the next round finds nothing more to do
  await round();
  expect(await redriven('alerts')).toBe(1);
});

it('leaves alone handled events, and those too recent or more than a day old', async () => {
  const handled = await event(60_000, true);
  const recent = await event(1_000);
  const old = await event(25 * 3_600_000);

  await round();

  for (const id of [handled, recent, old]) {
    expect(await queues.alerts.getJobState(id)).toBe('unknown');
  }
  expect(await redriven('alerts')).toBe(0);
  expect(logs).toEqual([]);
});

/** An alert job whose attempts were spent while the database was down (two, fast, not eight). */
async function failedAlertJob(): Promise<string> {
  const id = await event(60_000);
  await enqueue(queues, 'alerts', [{ eventId: id }], {
    attempts: 2,
    backoff: { type: 'fixed', delay: 10 },
  });
  await runAlertJobs(1, () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')));
  expect(await queues.alerts.getJobState(id)).toBe('failed');
  return id;
}

it('retries a failed alert job from its first attempt, once across two replicas', async () => {
  const id = await failedAlertJob();

  await Promise.all([round(), round()]);

  expect(await queues.alerts.getJobState(id)).toBe('waiting');
  const job = await queues.alerts.getJob(id);
  expect(job?.attemptsMade).toBe(0);
  expect(await redriven('alerts')).toBe(1);
});

it('skips, without throwing, a failed job that another replica retried first', async () => {
  const id = await failedAlertJob();
  // both look the job up while it is failed; the second retry finds it waiting
  await expect(retryFinished(queues.alerts, [id, id], 'failed')).resolves.toBe(1);
  expect(await queues.alerts.getJobState(id)).toBe('waiting');
});

it('retries a completed alert job whose event is still unhandled', async () => {
  // an alerter from before handled_at finished it without marking it
  const unmarked = await event(60_000);
  const marked = await event(60_000);
  await publish(unmarked);
  await publish(marked);
  await runAlertJobs(2, async ({ eventId }) => {
    if (eventId !== marked) return;
    await db
      .updateTable('state_events')
      .set({ handled_at: sql<Date>`now()` })
      .where('id', '=', marked)
      .execute();
  });

  await round();

  expect(await queues.alerts.getJobState(unmarked)).toBe('waiting');
  expect(await queues.alerts.getJobState(marked)).toBe('completed');
  expect(await redriven('alerts')).toBe(1);
});

it('adds again the jobs of pending deliveries after Redis is flushed', async () => {
  const pending = await delivery(60_000);
  const sent = await delivery(60_000, 'sent');
  const recent = await delivery(1_000);
  const { deliveries: entry } = jobCatalog;
  await enqueue(
    queues,
    'deliveries',
    [pending, sent, recent].map((deliveryId) => ({ deliveryId })),
  );
  await deleteQueuePrefix(prefix);

  await round();

  expect(await queues.deliveries.getJobState(pending)).toBe('waiting');
  const job = await queues.deliveries.getJob(pending);
  expect(job?.data).toEqual({ deliveryId: pending });
  expect(job?.opts).toMatchObject({ attempts: 8, backoff: entry.options.backoff });
  expect(await queues.deliveries.getJobState(sent)).toBe('unknown');
  expect(await queues.deliveries.getJobState(recent)).toBe('unknown');
  // their events are handled: nothing to do on the alerts queue
  expect(await redriven('alerts')).toBe(0);
  expect(await redriven('deliveries')).toBe(1);
});
