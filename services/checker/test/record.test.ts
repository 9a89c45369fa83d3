import { createDb, type CheckRow, type Db } from '@lighthouse/db';
import { createTestDatabase, prepareCheckHistory, type TestDatabase } from '@lighthouse/testing';
import { createBatcher } from '../src/results/batcher';
import { recordResults } from '@lighthouse/db';

let database: TestDatabase;
let db: Db;
const owner = `0x${'b'.repeat(40)}`;
const t0 = Date.parse('2026-11-22T12:00:00Z');
const slot = (n: number) => new Date(t0 + n * 60_000);

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  // partitions around the fixed test day
  await prepareCheckHistory(db, '2026-11-21', '2026-11-23');
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function subscription(
  failure = 2,
  recovery = 1,
  flapping: { threshold: number; windowMinutes: number } | null = null,
): Promise<string> {
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
      failure_threshold: failure,
      recovery_threshold: recovery,
      flapping_threshold: flapping?.threshold ?? null,
      ...(flapping ? { flapping_window_minutes: flapping.windowMinutes } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function row(id: string, n: number, status: CheckRow['status']): CheckRow {
  return {
    time: slot(n),
    subscription_id: id,
    status,
    http_status: status === 'down' ? 500 : 200,
    response_time_ms: 12,
    timings: { total: 12 },
    error_category: status === 'down' ? 'status' : null,
    error_message: status === 'down' ? 'status 500' : null,
    body_excerpt: null,
    schedule_lag_ms: 3,
    region: 'local',
  };
}

async function state(id: string) {
  return db
    .selectFrom('subscriptions')
    .select(['state', 'consecutive_failures', 'consecutive_successes', 'last_scheduled_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('recordResults', () => {
  it('writes rows, moves state past the threshold and opens then closes one incident', async () => {
    const id = await subscription(2, 1);
    await recordResults(db, [row(id, 1, 'up')]);
    expect(await state(id)).toMatchObject({ state: 'up' });
    const down = await recordResults(db, [row(id, 2, 'down'), row(id, 3, 'down')]);
    expect(down.map((e) => e.to_state)).toEqual(['down']);
    expect(await state(id)).toMatchObject({ state: 'down', consecutive_failures: 2 });
    const open = await db
      .selectFrom('incidents')
      .selectAll()
      .where('subscription_id', '=', id)
      .execute();
    expect(open).toHaveLength(1);
    // the outage began with its first failed check (slot 2), not the one that confirmed it
    expect(open[0]).toMatchObject({
      started_at: slot(2),
      resolved_at: null,
      error_category: 'status',
    });

    const up = await recordResults(db, [row(id, 4, 'up')]);
    expect(up.map((e) => e.to_state)).toEqual(['up']);
    const closed = await db
      .selectFrom('incidents')
      .selectAll()
      .where('subscription_id', '=', id)
      .execute();
    expect(closed[0]).toMatchObject({ resolved_at: slot(4) });
    const events = await db
      .selectFrom('state_events')
      .selectAll()
      .where('subscription_id', '=', id)
      .orderBy('slot_time')
      .execute();
    expect(events.map((e) => `${e.from_state}->${e.to_state}`)).toEqual([
      'unknown->up',
      'up->down',
      'down->up',
    ]);
  });

  it('dates the events and the recovery from the first check of each run', async () => {
    const id = await subscription(3, 2);
    await recordResults(db, [row(id, 1, 'up'), row(id, 2, 'down'), row(id, 3, 'down')]);
    const [down] = await recordResults(db, [row(id, 4, 'down')]);
    expect(down?.to_state).toBe('down');
    await recordResults(db, [row(id, 5, 'up')]);
    await recordResults(db, [row(id, 6, 'up')]);
    const events = await db
      .selectFrom('state_events')
      .select(['to_state', 'slot_time', 'check'])
      .where('subscription_id', '=', id)
      .where('to_state', 'in', ['down', 'up'])
      .where('from_state', '!=', 'unknown')
      .orderBy('slot_time')
      .execute();
    expect(events.map((e) => [e.to_state, (e.check as { since: string }).since])).toEqual([
      ['down', slot(2).toISOString()],
      ['up', slot(5).toISOString()],
    ]);
    const [incident] = await db
      .selectFrom('incidents')
      .select(['started_at', 'resolved_at'])
      .where('subscription_id', '=', id)
      .execute();
    // three minutes down: from the first failure to the first success
    expect(incident).toEqual({ started_at: slot(2), resolved_at: slot(5) });
  });

  it('asks for a confirmation check after a failure below the threshold, and only then', async () => {
    const id = await subscription(3, 2);
    const far = new Date(Date.now() + 3_600_000);
    const nextCheck = async () =>
      (
        await db
          .selectFrom('subscriptions')
          .select('next_check_at')
          .where('id', '=', id)
          .executeTakeFirstOrThrow()
      ).next_check_at.getTime();
    const reset = () =>
      db.updateTable('subscriptions').set({ next_check_at: far }).where('id', '=', id).execute();
    await reset();
    // up: the next slot stands
    await recordResults(db, [row(id, 1, 'up')]);
    expect(await nextCheck()).toBe(far.getTime());
    // a failure below the threshold of 3: checked again retry_interval_seconds (20) later
    const before = Date.now();
    await recordResults(db, [row(id, 2, 'down')]);
    const retry = await nextCheck();
    expect(retry).toBeGreaterThanOrEqual(before + 20_000);
    expect(retry).toBeLessThan(Date.now() + 20_000 + 1_000);
    // a sooner slot is never pushed back
    const soon = new Date(Date.now() + 5_000);
    await db
      .updateTable('subscriptions')
      .set({ next_check_at: soon })
      .where('id', '=', id)
      .execute();
    await recordResults(db, [row(id, 3, 'down')]);
    expect(await nextCheck()).toBe(soon.getTime());
    // the third failure takes it down: no more confirmations, the grid goes on
    await reset();
    await recordResults(db, [row(id, 4, 'down')]);
    expect(await state(id)).toMatchObject({ state: 'down' });
    expect(await nextCheck()).toBe(far.getTime());
    // a first success while down waits for a second (recovery threshold 2)
    await recordResults(db, [row(id, 5, 'up')]);
    expect(await nextCheck()).toBeLessThan(far.getTime());
    await reset();
    await recordResults(db, [row(id, 6, 'up')]);
    expect(await state(id)).toMatchObject({ state: 'up' });
    expect(await nextCheck()).toBe(far.getTime());
  });

  it('a retried slot writes no second row and counts nothing twice', async () => {
    const id = await subscription(3, 1);
    await recordResults(db, [row(id, 1, 'down')]);
    await recordResults(db, [row(id, 1, 'down')]);
    await recordResults(db, [row(id, 1, 'down'), row(id, 1, 'down')]);
    expect(await state(id)).toMatchObject({ consecutive_failures: 1, state: 'unknown' });
    const rows = await db
      .selectFrom('check_history')
      .select('time')
      .where('subscription_id', '=', id)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('a result for an older slot is stored but changes no state', async () => {
    const id = await subscription(1, 1);
    await recordResults(db, [row(id, 5, 'up')]);
    const events = await recordResults(db, [row(id, 4, 'down')]);
    expect(events).toEqual([]);
    expect(await state(id)).toMatchObject({ state: 'up', last_scheduled_at: slot(5) });
    const rows = await db
      .selectFrom('check_history')
      .select('time')
      .where('subscription_id', '=', id)
      .execute();
    expect(rows).toHaveLength(2);
  });

  it('applies a batch in slot order whatever order it arrives in', async () => {
    const id = await subscription(2, 1);
    const events = await recordResults(db, [
      row(id, 3, 'down'),
      row(id, 1, 'up'),
      row(id, 2, 'down'),
    ]);
    expect(events.map((e) => e.to_state)).toEqual(['up', 'down']);
    expect(await state(id)).toMatchObject({ state: 'down', last_scheduled_at: slot(3) });
  });
});

async function kinds(id: string): Promise<string[]> {
  const events = await db
    .selectFrom('state_events')
    .select(['kind', 'to_state'])
    .where('subscription_id', '=', id)
    .orderBy('slot_time')
    .execute();
  return events.map((e) => `${e.kind}:${e.to_state}`);
}

describe('maintenance windows', () => {
  it('stores and marks checks inside a window but holds the state until it ends', async () => {
    const id = await subscription(1, 1);
    await db
      .insertInto('maintenance_windows')
      .values({ subscription_id: id, starts_at: slot(2), ends_at: slot(4) })
      .execute();
    await recordResults(db, [row(id, 1, 'up')]);
    const during = await recordResults(db, [row(id, 2, 'down'), row(id, 3, 'down')]);
    expect(during).toEqual([]);
    expect(await state(id)).toMatchObject({
      state: 'up',
      consecutive_failures: 0,
      last_scheduled_at: slot(3),
    });
    const incidents = await db
      .selectFrom('incidents')
      .select('id')
      .where('subscription_id', '=', id)
      .execute();
    expect(incidents).toEqual([]);

    // the first slot after the window is a normal one
    const after = await recordResults(db, [row(id, 4, 'down')]);
    expect(after.map((e) => e.to_state)).toEqual(['down']);
    const marks = await db
      .selectFrom('check_history')
      .select(['time', 'maintenance'])
      .where('subscription_id', '=', id)
      .orderBy('time')
      .execute();
    expect(marks.map((m) => m.maintenance)).toEqual([null, true, true, null]);
  });

  it('a recurring window marks the slots of each occurrence', async () => {
    const id = await subscription(1, 1);
    // every hour at :02 for two minutes, in UTC (slots are minutes after 12:00)
    await db
      .insertInto('maintenance_windows')
      .values({
        subscription_id: id,
        starts_at: slot(-60),
        cron: '2 * * * *',
        duration_seconds: 120,
      })
      .execute();
    await recordResults(
      db,
      [1, 2, 3, 4].map((n) => row(id, n, 'up')),
    );
    const marks = await db
      .selectFrom('check_history')
      .select('maintenance')
      .where('subscription_id', '=', id)
      .orderBy('time')
      .execute();
    expect(marks.map((m) => m.maintenance)).toEqual([null, true, true, null]);
  });
});

describe('flapping', () => {
  it('marks the change that reaches the threshold, holds the rest and records when it began', async () => {
    const id = await subscription(1, 1, { threshold: 3, windowMinutes: 30 });
    await recordResults(db, [row(id, 1, 'up')]);
    await recordResults(db, [row(id, 2, 'down')]);
    // the third change within 30 minutes arrives in a later batch than the first two
    await recordResults(db, [row(id, 3, 'up'), row(id, 4, 'down'), row(id, 5, 'up')]);
    expect(await kinds(id)).toEqual([
      'transition:up',
      'transition:down',
      'flapping:up',
      'held:down',
      'held:up',
    ]);
    const flapping = await db
      .selectFrom('state_events')
      .select('check')
      .where('subscription_id', '=', id)
      .where('kind', '=', 'flapping')
      .executeTakeFirstOrThrow();
    expect(flapping.check).toMatchObject({ flapping: { transitions: 3, window_minutes: 30 } });
    const sub = await db
      .selectFrom('subscriptions')
      .select(['flapping_since', 'state'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(sub).toEqual({ flapping_since: slot(3), state: 'up' });
  });

  it('changes spread wider than the window are not flapping', async () => {
    const id = await subscription(1, 1, { threshold: 3, windowMinutes: 5 });
    await recordResults(db, [row(id, 1, 'up'), row(id, 4, 'down'), row(id, 10, 'up')]);
    await recordResults(db, [row(id, 16, 'down')]);
    expect(await kinds(id)).toEqual([
      'transition:up',
      'transition:down',
      'transition:up',
      'transition:down',
    ]);
  });

  it('is off without a threshold', async () => {
    const id = await subscription(1, 1);
    await recordResults(
      db,
      [1, 2, 3, 4, 5].map((n) => row(id, n, n % 2 ? 'up' : 'down')),
    );
    expect((await kinds(id)).every((k) => k.startsWith('transition:'))).toBe(true);
  });
});

describe('batcher', () => {
  it('groups concurrent adds into one write and tells each caller the outcome', async () => {
    const writes: number[][] = [];
    const batcher = createBatcher<number, string>({
      maxSize: 3,
      maxWaitMs: 20,
      write: (items) => {
        writes.push(items);
        return Promise.resolve(`wrote ${items.length}`);
      },
    });
    const results = await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)));
    expect(writes).toEqual([[1, 2, 3], [4]]);
    expect(results).toEqual(['wrote 3', 'wrote 3', 'wrote 3', 'wrote 1']);
    await batcher.close();
    await expect(batcher.add(5)).rejects.toThrow(/closed/);
  });

  it('fails every caller of a failed batch', async () => {
    const batcher = createBatcher<number, void>({
      maxSize: 10,
      maxWaitMs: 5,
      write: () => Promise.reject(new Error('db down')),
    });
    await expect(Promise.all([batcher.add(1), batcher.add(2)])).rejects.toThrow('db down');
    await batcher.close();
  });
});
