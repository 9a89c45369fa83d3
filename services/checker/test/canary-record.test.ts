import { createDb, type CheckRow, type Db } from '@lighthouse/db';
import { createTestDatabase, prepareCheckHistory, type TestDatabase } from '@lighthouse/testing';
import { recordResults } from '@lighthouse/db';

// A canary's steps are written with its check row, in the same transaction, once per slot.

let database: TestDatabase;
let db: Db;
const owner = `0x${'e'.repeat(40)}`;
const slot = new Date('2026-11-22T12:00:00Z');

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  await prepareCheckHistory(db, '2026-11-21', '2026-11-23');
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

function canaryRow(id: string, time: Date, failedAt: number | null): CheckRow {
  const names = ['login', 'profile', 'orders'];
  const count = failedAt === null ? names.length : failedAt + 1;
  return {
    time,
    subscription_id: id,
    status: failedAt === null ? 'up' : 'down',
    http_status: failedAt === null ? 200 : 500,
    response_time_ms: 30,
    timings: { total: 30 },
    error_category: failedAt === null ? null : 'status',
    error_message: failedAt === null ? null : `step ${failedAt + 1} '${names[failedAt]}': status`,
    body_excerpt: null,
    schedule_lag_ms: 1,
    region: 'local',
    canary_steps: names.slice(0, count).map((name, i) => ({
      step_index: i,
      step_name: name,
      status: i === failedAt ? 'down' : 'up',
      http_status: i === failedAt ? 500 : 200,
      response_time_ms: 10,
      timings: { first_byte: 8, total: 10 },
      error_category: i === failedAt ? 'status' : null,
      error_message: i === failedAt ? 'unexpected status 500, expected 200-299' : null,
    })),
  };
}

it('writes each step with its check row, and a repeated slot writes nothing more', async () => {
  const { id } = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'flow',
      target_type: 'canary',
      target_config: '{}',
      target_secret: 'v1:x',
      tier: 'team',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordResults(db, [canaryRow(id, slot, 1)]);
  // the same slot again (a retried job) with other steps: the first write stands
  await recordResults(db, [canaryRow(id, slot, null)]);
  const steps = await db
    .selectFrom('canary_results')
    .selectAll()
    .where('subscription_id', '=', id)
    .orderBy('step_index')
    .execute();
  expect(
    steps.map((s) => [s.step_index, s.step_name, s.status, s.http_status, s.error_category]),
  ).toEqual([
    [0, 'login', 'up', 200, null],
    [1, 'profile', 'down', 500, 'status'],
  ]);
  expect(steps[1]).toMatchObject({
    time: slot,
    timings: { first_byte: 8, total: 10 },
    error_message: 'unexpected status 500, expected 200-299',
  });
  const checks = await db
    .selectFrom('check_history')
    .select('status')
    .where('subscription_id', '=', id)
    .execute();
  expect(checks).toEqual([{ status: 'down' }]);
});
