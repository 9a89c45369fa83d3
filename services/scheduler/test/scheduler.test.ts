import { slotOffsetMs } from '@lighthouse/domain';
import {
  createTestDatabase,
  startRedisServer,
  startService,
  type RedisServer,
  type ServiceProcess,
  type TestDatabase,
} from '@lighthouse/testing';
import { jobCatalog } from '@lighthouse/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Client } from 'pg';

// Two scheduler replicas as real processes over 2,000 subscriptions, no checker:
// every slot they claim must be enqueued exactly once, and after Redis loses
// everything they carry on.

const SUBSCRIPTIONS = 2_000;
const INTERVAL_S = 2;
const PREFIX = 'lhsched';
const SLOTS_PER_JOB = 25;

let database: TestDatabase;
let redis: RedisServer;
let pg: Client;

beforeAll(async () => {
  database = await createTestDatabase();
  redis = await startRedisServer();
  pg = new Client({ connectionString: database.url });
  await pg.connect();
  await pg.query(`INSERT INTO users (wallet_address) VALUES ('0x${'a'.repeat(40)}')`);
  await pg.query(
    `INSERT INTO subscriptions (user_address, name, target_type, target_config, target_secret, tier, check_frequency_seconds, next_check_at)
     SELECT '0x${'a'.repeat(40)}', 's' || i, 'http', '{}', 'v1:unused', 'free', $1, now()
     FROM generate_series(1, $2) AS i`,
    [INTERVAL_S, SUBSCRIPTIONS],
  );
  // paused, deleted and expired ones must never be scheduled
  await pg.query(
    `INSERT INTO subscriptions (user_address, name, target_type, target_config, target_secret, tier, check_frequency_seconds, next_check_at, active, deleted_at, expires_at)
     VALUES ('0x${'a'.repeat(40)}', 'paused', 'http', '{}', 'v1:x', 'free', 1, now(), false, null, null),
            ('0x${'a'.repeat(40)}', 'deleted', 'http', '{}', 'v1:x', 'free', 1, now(), false, now(), null),
            ('0x${'a'.repeat(40)}', 'expired', 'http', '{}', 'v1:x', 'free', 1, now(), true, null, now() - interval '1 day')`,
  );
});

afterAll(async () => {
  await pg.end();
  await redis.stop();
  await database.drop();
});

function startSchedulers(): ServiceProcess[] {
  return ['a', 'b'].map(() =>
    startService('scheduler', {
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: PREFIX,
      SCHEDULER_TICK_MS: '200',
      SCHEDULER_BATCH_SIZE: '300',
      CHECK_JOB_SLOTS: String(SLOTS_PER_JOB),
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    }),
  );
}

async function stopAndCount(schedulers: ServiceProcess[]): Promise<number> {
  let total = 0;
  for (const s of schedulers) {
    expect(await s.stop('SIGTERM')).toBe(0);
    const match = /"message":"scheduler stopped".*?"slots_enqueued":(\d+)/.exec(s.output());
    expect(match).not.toBeNull();
    total += Number(match?.[1]);
  }
  return total;
}

/**
 * Every job in the queue, as slots per subscription. Each job is a batch of at most
 * CHECK_JOB_SLOTS slots, named after its first slot, its size and its slots' digest.
 */
async function enqueuedSlots(): Promise<Map<string, number[]>> {
  const queue = new Queue('checks', { connection: { url: redis.url }, prefix: PREFIX });
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized'], 0, -1);
    const slots = new Map<string, number[]>();
    let batched = 0;
    for (const job of jobs) {
      const batch = job.data as { slots: { subscriptionId: string; scheduledAt: string }[] };
      expect(batch.slots.length).toBeGreaterThan(0);
      expect(batch.slots.length).toBeLessThanOrEqual(SLOTS_PER_JOB);
      if (batch.slots.length > 1) batched += 1;
      expect(String(job.id)).toBe(jobCatalog.checks.jobId(batch));
      const first = batch.slots[0]!;
      expect(String(job.id)).toMatch(
        new RegExp(
          `^${first.subscriptionId}_${Date.parse(first.scheduledAt)}_${batch.slots.length}_`,
        ),
      );
      for (const { subscriptionId: id, scheduledAt } of batch.slots) {
        const list = slots.get(id) ?? [];
        list.push(Date.parse(scheduledAt));
        slots.set(id, list);
      }
    }
    // the first tick finds every subscription due at once: those jobs are full batches
    expect(batched).toBeGreaterThan(0);
    return slots;
  } finally {
    await queue.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('two replicas enqueue every slot exactly once, spread and on the grid', async () => {
  const schedulers = startSchedulers();
  await Promise.all(schedulers.map((s) => s.waitFor(/"message":"scheduler running"/)));
  await sleep(6_000);
  const claimed = await stopAndCount(schedulers);
  const slots = await enqueuedSlots();

  const distinct = [...slots.values()].reduce((n, list) => n + list.length, 0);
  expect(distinct).toBe(claimed);
  expect(slots.size).toBe(SUBSCRIPTIONS);

  const { rows } = await pg.query<{ id: string; name: string }>(
    'SELECT id, name FROM subscriptions',
  );
  const names = new Map(rows.map((r) => [r.id, r.name]));
  const interval = INTERVAL_S * 1000;
  for (const [id, list] of slots) {
    expect(['paused', 'deleted', 'expired']).not.toContain(names.get(id));
    list.sort((a, b) => a - b);
    // the first slot is "now" (creation); the rest sit on the subscription's grid, one interval apart
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (let i = 2; i < list.length; i += 1) expect(list[i]! - list[i - 1]!).toBe(interval);
    expect((list[1]! - slotOffsetMs(id, interval)) % interval).toBe(0);
  }
  // spread: the grid slots of the 2,000 fall across the whole interval, not on one instant
  const offsets = new Set([...slots].map(([id]) => Math.floor(slotOffsetMs(id, interval) / 100)));
  expect(offsets.size).toBeGreaterThan(15);
}, 60_000);

it('resumes scheduling after Redis is flushed mid-run', async () => {
  const schedulers = startSchedulers();
  await Promise.all(schedulers.map((s) => s.waitFor(/"message":"scheduler running"/)));
  await sleep(2_000);
  const client = new Redis(redis.url);
  await client.flushall();
  const flushedAt = Date.now();
  client.disconnect();
  await sleep(4_000);
  await stopAndCount(schedulers);

  const slots = await enqueuedSlots();
  // within one interval of the flush, every subscription is enqueued again
  expect(slots.size).toBe(SUBSCRIPTIONS);
  for (const list of slots.values()) {
    expect(
      list.some((slot) => slot >= flushedAt && slot <= flushedAt + INTERVAL_S * 1000 + 1_000),
    ).toBe(true);
  }
}, 60_000);
