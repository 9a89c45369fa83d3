import { createDb, rules, type Db } from '@lighthouse/db';
import { expiryNoticeDue, reminderDue, type ReminderSubject } from '@lighthouse/domain';
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

describe('expiry notices', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  const raise = (now?: Date) => rules.raiseExpiryNotices(db, 100, now);
  const later = (ms: number) => new Date(Date.now() + ms);

  async function paid(values: {
    expires_at: Date | null;
    state?: 'unknown' | 'up' | 'down' | 'degraded';
    active?: boolean;
    deleted_at?: Date | null;
  }): Promise<string> {
    const row = await db
      .insertInto('subscriptions')
      .values({
        user_address: owner,
        name: 'paid',
        target_type: 'http',
        target_config: '{}',
        target_secret: 'v1:x',
        tier: 'pro',
        check_frequency_seconds: 60,
        next_check_at: new Date(),
        state: values.state ?? 'up',
        ...values,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  async function noticesOf(id: string) {
    const events = await db
      .selectFrom('state_events')
      .select(['id', 'kind', 'from_state', 'to_state', 'check', 'published_at'])
      .where('subscription_id', '=', id)
      .orderBy('created_at')
      .orderBy('slot_time')
      .execute();
    const notices = await db
      .selectFrom('expiry_notices')
      .select(['expires_at', 'days_before', 'event_id'])
      .where('subscription_id', '=', id)
      .orderBy('created_at')
      .orderBy('days_before', 'desc')
      .execute();
    // every notice names its event, and every event has its notice
    expect(notices.map((n) => n.event_id).sort()).toEqual(events.map((e) => e.id).sort());
    return { events, notices };
  }

  /** The ids of `raised` that are events of `id` (other tests' subscriptions share the database). */
  const of = async (id: string, raised: string[]) => {
    const { events } = await noticesOf(id);
    return raised.filter((e) => events.some((x) => x.id === e));
  };

  const daysLeft = async (id: string) =>
    (await noticesOf(id)).events.map((e) => (e.check as { days_left: number }).days_left);

  it('notices 3 days and 1 day before and once expired, each once, with the current state', async () => {
    const expiresAt = later(3 * DAY - HOUR);
    const id = await paid({ expires_at: expiresAt, state: 'down' });
    const notYet = await paid({ expires_at: later(3 * DAY + HOUR) });

    expect(await of(id, await raise())).toHaveLength(1);
    expect(await of(id, await raise())).toEqual([]);
    expect((await noticesOf(notYet)).events).toEqual([]);
    const first = await noticesOf(id);
    expect(first.events).toEqual([
      {
        id: expect.any(String) as string,
        kind: 'expiring',
        from_state: 'down',
        to_state: 'down',
        check: { expires_at: expiresAt.toISOString(), days_left: 3 },
        published_at: null,
      },
    ]);
    expect(first.notices).toEqual([
      { expires_at: expiresAt, days_before: 3, event_id: first.events[0]?.id },
    ]);

    // 23 hours before the end: the 1-day notice, once
    const dayBefore = new Date(expiresAt.getTime() - 23 * HOUR);
    expect(await of(id, await raise(dayBefore))).toHaveLength(1);
    expect(await of(id, await raise(dayBefore))).toEqual([]);
    // the end has passed: the expired notice, once, and nothing more however long it stays so
    const after = new Date(expiresAt.getTime() + 1_000);
    expect(await of(id, await raise(after))).toHaveLength(1);
    expect(await of(id, await raise(after))).toEqual([]);
    expect(await of(id, await raise(new Date(expiresAt.getTime() + 2 * DAY)))).toEqual([]);

    const { events, notices } = await noticesOf(id);
    expect(events.map((e) => e.check)).toEqual([
      { expires_at: expiresAt.toISOString(), days_left: 3 },
      { expires_at: expiresAt.toISOString(), days_left: 1 },
      { expires_at: expiresAt.toISOString(), days_left: 0 },
    ]);
    expect(notices.map((n) => n.days_before)).toEqual([3, 1, 0]);
  });

  it('sends only the most urgent notice due: 1 day for 20 h left, expired for an ended period', async () => {
    const late = await paid({ expires_at: later(20 * HOUR) });
    const twoDays = await paid({ expires_at: later(2 * DAY) });
    const endedTwoDaysAgo = await paid({ expires_at: later(-2 * DAY) });
    const endedLongAgo = await paid({ expires_at: later(-30 * DAY) });

    await raise();
    await raise();
    expect((await noticesOf(late)).notices.map((n) => n.days_before)).toEqual([1]);
    expect(await daysLeft(late)).toEqual([1]);
    // the 3-day notice, saying how many days are really left
    expect((await noticesOf(twoDays)).notices.map((n) => n.days_before)).toEqual([3]);
    expect(await daysLeft(twoDays)).toEqual([2]);
    // a period found over (the scheduler was down): the expired notice only, once
    expect((await noticesOf(endedTwoDaysAgo)).notices.map((n) => n.days_before)).toEqual([0]);
    expect(await daysLeft(endedTwoDaysAgo)).toEqual([0]);
    // over for longer than the window: no stale news
    expect((await noticesOf(endedLongAgo)).events).toEqual([]);

    // a day later the 1-day-before subscription only gets its expired notice
    await raise(later(DAY));
    expect((await noticesOf(late)).notices.map((n) => n.days_before)).toEqual([1, 0]);
    expect((await noticesOf(twoDays)).notices.map((n) => n.days_before)).toEqual([3, 1]);
  });

  it('notices paused subscriptions, never deleted ones or those without an end', async () => {
    const paused = await paid({ expires_at: later(DAY - HOUR), active: false });
    const deleted = await paid({ expires_at: later(DAY - HOUR), deleted_at: new Date() });
    const unlimited = await paid({ expires_at: null });
    await raise();
    expect((await noticesOf(paused)).events.map((e) => e.kind)).toEqual(['expiring']);
    expect((await noticesOf(deleted)).events).toEqual([]);
    expect((await noticesOf(unlimited)).events).toEqual([]);
    await raise(later(DAY));
    expect((await noticesOf(deleted)).events).toEqual([]);
  });

  it('a renewal moves the end, and the new period gets notices of its own', async () => {
    const expiresAt = later(DAY - HOUR);
    const id = await paid({ expires_at: expiresAt });
    await raise();
    // renewed for 30 days: nothing is due until 3 days before the new end
    const renewed = new Date(expiresAt.getTime() + 30 * DAY);
    await db
      .updateTable('subscriptions')
      .set({ expires_at: renewed })
      .where('id', '=', id)
      .execute();
    expect(await of(id, await raise())).toEqual([]);
    expect(await of(id, await raise(new Date(expiresAt.getTime() + 1_000)))).toEqual([]);
    await raise(new Date(renewed.getTime() - 3 * DAY + HOUR));

    // renewed again only after it expired
    await raise(new Date(renewed.getTime() + HOUR));
    const again = new Date(renewed.getTime() + 30 * DAY);
    await db.updateTable('subscriptions').set({ expires_at: again }).where('id', '=', id).execute();
    await raise(new Date(renewed.getTime() + 2 * HOUR));
    await raise(new Date(again.getTime() - 12 * HOUR));

    const { notices } = await noticesOf(id);
    expect(notices.map((n) => [n.expires_at.toISOString(), n.days_before])).toEqual([
      [expiresAt.toISOString(), 1],
      [renewed.toISOString(), 3],
      [renewed.toISOString(), 0],
      [again.toISOString(), 1],
    ]);
  });

  it('concurrent rounds raise each notice exactly once', async () => {
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => paid({ expires_at: later(2 * DAY) })),
    );
    const raised = (await Promise.all([raise(), raise(), raise(), raise()])).flat();
    for (const id of ids) {
      const { events } = await noticesOf(id);
      expect(events).toHaveLength(1);
      expect(raised.filter((e) => e === events[0]?.id)).toHaveLength(1);
    }
  });

  it('a round that loses the race to a notice leaves no event behind', async () => {
    const id = await paid({ expires_at: later(DAY - HOUR) });
    let second: Promise<string[]> | undefined;
    const first = await db.transaction().execute(async (tx) => {
      const mine = await rules.raiseExpiryNotices(tx, 100);
      // the other round sees no notice yet, inserts the same one and waits for this commit
      second = raise();
      await waitForLockWait();
      return mine;
    });
    expect(await of(id, first)).toHaveLength(1);
    expect(await of(id, (await second) ?? [])).toEqual([]);
    expect((await noticesOf(id)).events.map((e) => e.id)).toEqual(await of(id, first));
  });

  it('is raised by the alert-rules round and counted with kind expiring', async () => {
    const count = async () =>
      (await metrics.ruleEvents.get()).values.find((v) => v.labels.kind === 'expiring')?.value ?? 0;
    const before = await count();
    const id = await paid({ expires_at: later(3 * DAY - HOUR) });
    await round();
    await round();
    expect((await noticesOf(id)).events).toHaveLength(1);
    expect((await count()) - before).toBe(1);
  });
});

/** Waits until a statement on this test's database is blocked on a lock. */
async function waitForLockWait(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db);
    if ((rows[0]?.n ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no statement ever waited for the lock');
}

// The rules' SQL mirrors pure functions of @lighthouse/domain (packages/db rules.ts): over a
// grid of subscriptions, the rows the SQL picks are the ones the function calls due. Edges are
// kept minutes away, so the database's now() and this process's Date.now() cannot disagree.
describe('the SQL agrees with the domain rules', () => {
  it('raises a reminder for exactly the subscriptions reminderDue calls due', async () => {
    const grid: ReminderSubject[] = [];
    for (const state of ['down', 'up', 'degraded'] as const)
      for (const reminder_interval_minutes of [null, 10])
        for (const active of [true, false])
          for (const deleted_at of [null, minutesAgo(1)])
            for (const flapping_since of [null, minutesAgo(2)])
              for (const state_changed_at of [minutesAgo(3), minutesAgo(30)])
                for (const reminded_at of [null, minutesAgo(5), minutesAgo(30)])
                  grid.push({
                    state,
                    reminder_interval_minutes,
                    active,
                    deleted_at,
                    flapping_since,
                    state_changed_at,
                    reminded_at,
                  });
    const rows = await db
      .insertInto('subscriptions')
      .values(
        grid.map((s) => ({
          user_address: owner,
          name: 'grid',
          target_type: 'http',
          target_config: '{}',
          target_secret: 'v1:x',
          tier: 'free',
          check_frequency_seconds: 60,
          next_check_at: new Date(),
          ...s,
        })),
      )
      .returning('id')
      .execute();
    const now = new Date();
    const expected = rows.filter((_, i) => reminderDue(grid[i]!, now)).map((r) => r.id);
    // the grid has both answers, or it would show nothing
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(rows.length);

    await rules.raiseReminders(db, 10_000);
    const reminded = await db
      .selectFrom('state_events')
      .select('subscription_id')
      .where('kind', '=', 'reminder')
      .where(
        'subscription_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    expect(reminded.map((e) => e.subscription_id).sort()).toEqual(expected.sort());
  });

  it('raises the expiry notice expiryNoticeDue names, for each end and what was noticed', async () => {
    const HOUR = 3_600_000;
    const now = new Date(Date.now() + 30 * 24 * HOUR); // its own moment: no other row is near
    const offsets = [-8 * 24, -6 * 24, -1, 1, 20, 47, 71, 73, 24 * 10].map((h) => h * HOUR);
    const noticedSets: number[][] = [[], [3], [1], [0], [3, 1]];
    const cases = offsets.flatMap((offset) =>
      noticedSets.map((noticed) => ({ expiresAt: new Date(now.getTime() + offset), noticed })),
    );
    const ids: string[] = [];
    for (const c of cases) {
      const row = await db
        .insertInto('subscriptions')
        .values({
          user_address: owner,
          name: 'grid',
          target_type: 'http',
          target_config: '{}',
          target_secret: 'v1:x',
          tier: 'pro',
          check_frequency_seconds: 60,
          next_check_at: new Date(),
          state: 'up',
          expires_at: c.expiresAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ids.push(row.id);
      for (const days_before of c.noticed) {
        await db
          .insertInto('expiry_notices')
          .values({ subscription_id: row.id, expires_at: c.expiresAt, days_before })
          .execute();
      }
    }
    const expected = cases.map((c) => expiryNoticeDue(c.expiresAt, now, c.noticed));
    expect(expected.some((e) => e === null)).toBe(true);
    expect(expected.some((e) => e !== null)).toBe(true);

    await rules.raiseExpiryNotices(db, 10_000, now);
    const events = await db
      .selectFrom('state_events')
      .select(['subscription_id', 'check'])
      .where('kind', '=', 'expiring')
      .where('subscription_id', 'in', ids)
      .execute();
    const raised = ids.map((id) => {
      const event = events.filter((e) => e.subscription_id === id);
      return event.length === 0 ? null : (event[0]!.check as { days_left: number }).days_left;
    });
    expect(events).toHaveLength(expected.filter((e) => e !== null).length);
    expect(raised).toEqual(expected.map((e) => (e === null ? null : e.days_left)));
  });
});
