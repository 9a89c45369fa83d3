import { createDb, type Db } from '@lighthouse/db';
import { createTestDatabase, type TestDatabase } from '@lighthouse/testing';
import { sql } from 'kysely';
import { createMetrics } from '../src/metrics';
import { raiseRuleEvents } from '../src/jobs/alert-rules';
import type { Queue } from 'bullmq';

let database: TestDatabase;
let db: Db;
const owner = `0x${'c'.repeat(40)}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
// the metrics only read the queue when scraped, which these tests never do
const metrics = createMetrics({} as Queue);

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 6 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function subscription(values: {
  state: 'up' | 'down' | 'degraded';
  state_changed_at: Date;
  reminder_interval_minutes?: number | null;
  flapping_since?: Date | null;
  flapping_window_minutes?: number;
  active?: boolean;
}): Promise<string> {
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
      ...values,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function eventsOf(id: string) {
  return db
    .selectFrom('state_events')
    .select(['kind', 'from_state', 'to_state', 'published_at'])
    .where('subscription_id', '=', id)
    .orderBy('created_at')
    .execute();
}

const round = () => raiseRuleEvents({ db, metrics, batchSize: 100 });

describe('reminders', () => {
  it('reminds once per interval while down, counting from the change', async () => {
    const due = await subscription({
      state: 'down',
      state_changed_at: minutesAgo(11),
      reminder_interval_minutes: 10,
    });
    const notYet = await subscription({
      state: 'down',
      state_changed_at: minutesAgo(5),
      reminder_interval_minutes: 10,
    });
    const off = await subscription({ state: 'down', state_changed_at: minutesAgo(60) });
    const up = await subscription({
      state: 'up',
      state_changed_at: minutesAgo(60),
      reminder_interval_minutes: 1,
    });
    const paused = await subscription({
      state: 'down',
      state_changed_at: minutesAgo(60),
      reminder_interval_minutes: 1,
      active: false,
    });

    await round();
    await round();
    expect(await eventsOf(due)).toEqual([
      { kind: 'reminder', from_state: 'down', to_state: 'down', published_at: null },
    ]);
    for (const id of [notYet, off, up, paused]) expect(await eventsOf(id)).toEqual([]);

    // another interval later it repeats
    await db
      .updateTable('subscriptions')
      .set({ reminded_at: minutesAgo(10) })
      .where('id', '=', due)
      .execute();
    await round();
    expect((await eventsOf(due)).map((e) => e.kind)).toEqual(['reminder', 'reminder']);
  });

  it('concurrent rounds raise each reminder once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, () =>
        subscription({
          state: 'down',
          state_changed_at: minutesAgo(3),
          reminder_interval_minutes: 2,
        }),
      ),
    );
    await Promise.all([round(), round(), round()]);
    const counts = await db
      .selectFrom('state_events')
      .select(['subscription_id', sql<number>`count(*)::int`.as('n')])
      .where('subscription_id', 'in', ids)
      .groupBy('subscription_id')
      .execute();
    expect(counts).toHaveLength(20);
    expect(counts.every((c) => c.n === 1)).toBe(true);
  });

  it('holds reminders while flapping', async () => {
    const id = await subscription({
      state: 'down',
      state_changed_at: minutesAgo(30),
      reminder_interval_minutes: 1,
      flapping_since: minutesAgo(2),
      flapping_window_minutes: 30,
    });
    await db
      .insertInto('state_events')
      .values({
        subscription_id: id,
        from_state: 'up',
        to_state: 'down',
        slot_time: minutesAgo(2),
        kind: 'held',
      })
      .execute();
    await round();
    expect((await eventsOf(id)).map((e) => e.kind)).toEqual(['held']);
  });
});

describe('end of flapping', () => {
  it('ends flapping after a whole window without a change and says the current state', async () => {
    const calm = await subscription({
      state: 'degraded',
      state_changed_at: minutesAgo(20),
      flapping_since: minutesAgo(25),
      flapping_window_minutes: 10,
    });
    await db
      .insertInto('state_events')
      .values({
        subscription_id: calm,
        from_state: 'up',
        to_state: 'degraded',
        slot_time: minutesAgo(20),
        kind: 'held',
      })
      .execute();
    const busy = await subscription({
      state: 'up',
      state_changed_at: minutesAgo(1),
      flapping_since: minutesAgo(25),
      flapping_window_minutes: 10,
    });
    await db
      .insertInto('state_events')
      .values({
        subscription_id: busy,
        from_state: 'down',
        to_state: 'up',
        slot_time: minutesAgo(1),
        kind: 'held',
      })
      .execute();

    await round();
    await round();
    expect((await eventsOf(calm)).map((e) => `${e.kind}:${e.to_state}`)).toEqual([
      'held:degraded',
      'stable:degraded',
    ]);
    expect((await eventsOf(busy)).map((e) => e.kind)).toEqual(['held']);
    const flags = await db
      .selectFrom('subscriptions')
      .select(['id', 'flapping_since'])
      .where('id', 'in', [calm, busy])
      .execute();
    expect(flags.find((f) => f.id === calm)?.flapping_since).toBeNull();
    expect(flags.find((f) => f.id === busy)?.flapping_since).not.toBeNull();
  });

  it("ends a paused subscription's flapping without telling anyone", async () => {
    const paused = await subscription({
      state: 'up',
      state_changed_at: minutesAgo(20),
      flapping_since: minutesAgo(25),
      flapping_window_minutes: 10,
      active: false,
    });
    await round();
    expect(await eventsOf(paused)).toEqual([]);
    const row = await db
      .selectFrom('subscriptions')
      .select('flapping_since')
      .where('id', '=', paused)
      .executeTakeFirstOrThrow();
    expect(row.flapping_since).toBeNull();
  });
});
