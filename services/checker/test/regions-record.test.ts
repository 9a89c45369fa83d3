import { createDb, recordResults, settleOverdue, type CheckRow, type Db } from '@lighthouse/db';
import { createTestDatabase, prepareCheckHistory, type TestDatabase } from '@lighthouse/testing';
import { sql } from 'kysely';

// A subscription checked from several regions: each region writes its own row of a slot, and
// the slot's verdict (a quorum of regions) is what moves the state. Checkers decide a slot once
// every region reported; the scheduler's settleOverdue decides those whose deadline passed
// without some region (a dark or partitioned one), which is missing, never down.

let database: TestDatabase;
let db: Db;
const owner = `0x${'c'.repeat(40)}`;
const t0 = Date.parse('2026-11-22T12:00:00Z');
const slot = (n: number) => new Date(t0 + n * 60_000);
const REGIONS = ['ap-south', 'eu-west', 'us-east'];
/** the checkers' view: a slot waits for every region */
const checker = { graceMs: null, now: () => t0 + 3_600_000, lookbackMs: 86_400_000 };
/** the scheduler's view: a slot's deadline is its timeout (5 s here) and 10 s of grace */
const scheduler = { ...checker, graceMs: 10_000, limit: 100 };

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  await prepareCheckHistory(db, '2026-11-21', '2026-11-23');
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function subscription(quorum = 'majority', regions = REGIONS): Promise<string> {
  const row = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'multi',
      target_type: 'http',
      target_config: JSON.stringify({ url: 'https://example.com', timeout_ms: 5_000 }),
      target_secret: 'v1:x',
      tier: 'free',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
      failure_threshold: 1,
      recovery_threshold: 1,
      regions,
      quorum,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

function row(id: string, n: number, region: string, status: CheckRow['status']): CheckRow {
  const failed = status !== 'up';
  return {
    time: slot(n),
    subscription_id: id,
    status,
    http_status: failed ? null : 200,
    response_time_ms: failed ? null : 20,
    timings: null,
    error_category: failed ? 'connect' : null,
    error_message: failed ? `connection refused from ${region}` : null,
    body_excerpt: null,
    schedule_lag_ms: 1,
    region,
  };
}

async function state(id: string) {
  return db
    .selectFrom('subscriptions')
    .select(['state', 'consecutive_failures', 'last_scheduled_at'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

/** State events after the first slot (whose unknown → up is recorded, and alerts nobody). */
async function events(id: string) {
  return db
    .selectFrom('state_events')
    .select(['from_state', 'to_state', 'slot_time', 'check'])
    .where('subscription_id', '=', id)
    .where('slot_time', '>', slot(1))
    .orderBy('slot_time')
    .execute();
}

it('writes one row per slot and region, and decides the slot once every region reported', async () => {
  const id = await subscription();
  await recordResults(db, [row(id, 1, 'eu-west', 'up'), row(id, 1, 'us-east', 'up')], checker);
  // two of three in: the slot waits for the third
  expect((await state(id)).state).toBe('unknown');
  await recordResults(db, [row(id, 1, 'ap-south', 'up')], checker);
  expect(await state(id)).toMatchObject({ state: 'up', last_scheduled_at: slot(1) });
  const { rows } = await sql<{ region: string }>`
    SELECT region FROM check_history WHERE subscription_id = ${id} ORDER BY region`.execute(db);
  expect(rows.map((r) => r.region)).toEqual(REGIONS);
});

it('one region down of three is no majority: no alert, and its row says down', async () => {
  const id = await subscription();
  await recordResults(
    db,
    REGIONS.map((r) => row(id, 1, r, 'up')),
    checker,
  );
  await recordResults(
    db,
    [row(id, 2, 'eu-west', 'down'), row(id, 2, 'us-east', 'up'), row(id, 2, 'ap-south', 'up')],
    checker,
  );
  expect(await state(id)).toMatchObject({ state: 'up', consecutive_failures: 0 });
  expect(await events(id)).toEqual([]);
  const down = await db
    .selectFrom('check_history')
    .select(['region', 'status'])
    .where('subscription_id', '=', id)
    .where('time', '=', slot(2))
    .where('status', '=', 'down')
    .execute();
  expect(down).toEqual([{ region: 'eu-west', status: 'down' }]);
});

it('two regions down of three: one event, naming every region and its error', async () => {
  const id = await subscription();
  await recordResults(
    db,
    REGIONS.map((r) => row(id, 1, r, 'up')),
    checker,
  );
  // each region's checker writes on its own, in any order
  await recordResults(db, [row(id, 2, 'us-east', 'down')], checker);
  await recordResults(db, [row(id, 2, 'eu-west', 'down')], checker);
  expect((await state(id)).state).toBe('up');
  const recorded = await recordResults(db, [row(id, 2, 'ap-south', 'up')], checker);
  expect(recorded).toHaveLength(1);
  expect(await state(id)).toMatchObject({ state: 'down', last_scheduled_at: slot(2) });
  const [event] = await events(id);
  expect(event).toMatchObject({ from_state: 'up', to_state: 'down', slot_time: slot(2) });
  expect(event!.check).toMatchObject({
    status: 'down',
    error: 'connection refused from eu-west',
    regions: [
      { region: 'ap-south', status: 'up', error: null, response_time_ms: 20 },
      { region: 'eu-west', status: 'down', error: 'connection refused from eu-west' },
      { region: 'us-east', status: 'down', error: 'connection refused from us-east' },
    ],
  });
  // the incident starts with the slot, and carries a failed region's error
  const incident = await db
    .selectFrom('incidents')
    .select(['started_at', 'error_message'])
    .where('subscription_id', '=', id)
    .executeTakeFirstOrThrow();
  expect(incident).toEqual({
    started_at: slot(2),
    error_message: 'connection refused from eu-west',
  });
  // a region's report again (a retried job) writes nothing and changes nothing
  expect(await recordResults(db, [row(id, 2, 'ap-south', 'down')], checker)).toEqual([]);
  expect(await events(id)).toHaveLength(1);
});

it('a dark region: its slots are missing, never down, and the scheduler decides them without it', async () => {
  const id = await subscription();
  await recordResults(
    db,
    REGIONS.map((r) => row(id, 1, r, 'up')),
    checker,
  );
  // ap-south goes dark: slots 2 and 3 have two reports each, and wait
  await recordResults(
    db,
    [
      row(id, 2, 'eu-west', 'down'),
      row(id, 2, 'us-east', 'up'),
      row(id, 3, 'eu-west', 'up'),
      row(id, 3, 'us-east', 'up'),
    ],
    checker,
  );
  expect(await state(id)).toMatchObject({ state: 'up', last_scheduled_at: slot(1) });
  const settled = await settleOverdue(db, scheduler);
  expect(settled.subscriptions).toBeGreaterThanOrEqual(1);
  // decided in slot order without ap-south: one of two down is no majority of three
  expect(await state(id)).toMatchObject({ state: 'up', last_scheduled_at: slot(3) });
  expect(await events(id)).toEqual([]);
  // nothing is written for the missing region, and its late report changes nothing
  await recordResults(db, [row(id, 2, 'ap-south', 'down')], checker);
  expect(await state(id)).toMatchObject({ state: 'up', last_scheduled_at: slot(3) });
  // a second sweep finds nothing left to decide for it
  const again = await settleOverdue(db, scheduler);
  expect(again.events.filter((e) => e.subscription_id === id)).toEqual([]);
});

it('too few reports for a quorum is inconclusive: the slot passes, the state holds', async () => {
  const id = await subscription();
  await recordResults(
    db,
    REGIONS.map((r) => row(id, 1, r, 'up')),
    checker,
  );
  // two regions dark: one report of three cannot make a majority either way
  await recordResults(db, [row(id, 2, 'eu-west', 'down')], checker);
  await settleOverdue(db, scheduler);
  expect(await state(id)).toMatchObject({
    state: 'up',
    consecutive_failures: 0,
    last_scheduled_at: slot(2),
  });
  expect(await events(id)).toEqual([]);
});

it('"all" alerts only when every region fails; "any" when one does', async () => {
  const all = await subscription('all');
  const any = await subscription('any');
  for (const id of [all, any]) {
    await recordResults(
      db,
      REGIONS.map((r) => row(id, 1, r, 'up')),
      checker,
    );
    await recordResults(
      db,
      [row(id, 2, 'eu-west', 'down'), row(id, 2, 'us-east', 'down'), row(id, 2, 'ap-south', 'up')],
      checker,
    );
  }
  expect((await state(all)).state).toBe('up');
  expect((await state(any)).state).toBe('down');
  await recordResults(
    db,
    REGIONS.map((r) => row(all, 3, r, 'down')),
    checker,
  );
  expect((await state(all)).state).toBe('down');
});

it('a single-region subscription takes each row as its verdict, whichever region wrote it', async () => {
  const id = await subscription('majority', ['eu-west']);
  await recordResults(db, [row(id, 1, 'eu-west', 'up')], checker);
  await recordResults(db, [row(id, 2, 'us-east', 'down')], checker);
  expect((await state(id)).state).toBe('down');
  const [event] = await events(id);
  // no region list for a monitor checked from one place
  expect(event!.check).not.toHaveProperty('regions');
});
