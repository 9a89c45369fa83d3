import { randomUUID } from 'node:crypto';
import { createWorker, enqueue, type JobData } from '@lighthouse/queue';
import { deleteQueuePrefix, newQueuePrefix, testEnv } from '@lighthouse/testing';
import { Queue, QueueEvents, type Worker } from 'bullmq';
import { runSlots } from '../src/jobs/check';
import { createLimit } from '../src/jobs/limit';

type Slot = JobData<'checks'>['slots'][number];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createLimit', () => {
  test('runs at most its size at once, the rest in turn', async () => {
    const limit = createLimit(3);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const all = Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        limit(async () => {
          running += 1;
          most = Math.max(most, running);
          order.push(i);
          await sleep(5);
          running -= 1;
        }),
      ),
    );
    // what the checker's lighthouse_probes_in_flight gauge reports
    expect([limit.running(), limit.waiting()]).toEqual([3, 7]);
    await all;
    expect([limit.running(), limit.waiting()]).toEqual([0, 0]);
    expect(most).toBe(3);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('a call that throws gives its turn back', async () => {
    const limit = createLimit(1);
    await expect(limit(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(limit(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});

describe('a check job of several slots', () => {
  const prefix = newQueuePrefix();
  const connection = { url: testEnv().redisUrl };
  const queue = new Queue('checks', { connection, prefix });
  const events = new QueueEvents('checks', { connection, prefix });
  /** slots whose first attempt fails (as a database error would); their retry passes */
  const failFirst = new Set<string>();
  const runs: { attempt: number; id: string }[] = [];
  let running = 0;
  let most = 0;
  let worker: Worker | undefined;

  beforeAll(async () => {
    const limit = createLimit(2);
    worker = createWorker(
      'checks',
      (data, job) =>
        runSlots(data.slots, job, limit, async (slot) => {
          running += 1;
          most = Math.max(most, running);
          runs.push({ attempt: job.attemptsMade + 1, id: slot.subscriptionId });
          await sleep(10);
          running -= 1;
          if (failFirst.has(slot.subscriptionId) && job.attemptsMade === 0) {
            throw new Error('db down');
          }
          return 'recorded';
        }),
      { connection, prefix, concurrency: 1, onError: () => undefined },
    );
    await events.waitUntilReady();
  });

  afterAll(async () => {
    await worker?.close();
    await events.close();
    await queue.close();
    await deleteQueuePrefix(prefix);
  });

  const slotsOf = (n: number, day: number): Slot[] =>
    Array.from({ length: n }, (_, i) => ({
      subscriptionId: randomUUID(),
      scheduledAt: new Date(Date.UTC(2026, 0, day, 0, 0, i)).toISOString(),
    }));
  async function run(slots: Slot[]): Promise<unknown> {
    runs.length = 0;
    most = 0;
    const [job] = await enqueue({ checks: queue }, 'checks', [{ slots }], {
      backoff: { type: 'fixed', delay: 50 },
    });
    return job!.waitUntilFinished(events, 15_000);
  }
  const ids = (attempt: number) => runs.filter((r) => r.attempt === attempt).map((r) => r.id);

  test('runs every slot under the limit; a retry runs only the slots that failed', async () => {
    const slots = slotsOf(5, 1);
    failFirst.add(slots[3]!.subscriptionId);
    expect(await run(slots)).toEqual(['recorded']);
    expect(most).toBe(2);
    expect(ids(1)).toEqual(slots.map((s) => s.subscriptionId));
    expect(ids(2)).toEqual([slots[3]!.subscriptionId]);
  });

  test('a job whose every slot failed retries them all', async () => {
    const slots = slotsOf(3, 2);
    for (const s of slots) failFirst.add(s.subscriptionId);
    expect(await run(slots)).toEqual(['recorded', 'recorded', 'recorded']);
    expect(ids(1)).toEqual(slots.map((s) => s.subscriptionId));
    expect(ids(2)).toEqual(slots.map((s) => s.subscriptionId));
  });
});
