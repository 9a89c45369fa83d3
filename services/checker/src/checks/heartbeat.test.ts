import { createDb, heartbeats, type Db } from '@lighthouse/db';
import { heartbeatTargetSchema } from '@lighthouse/domain';
import { hashToken, newToken } from '@lighthouse/shared';
import { createTestDatabase, type TestDatabase } from '@lighthouse/testing';
import { createHistoryReader } from '../subscriptions/history';
import { runHeartbeatCheck } from './heartbeat';
import type { SlotContext } from './types';

// The runner reads the last ping from a real database, as the checker does at each slot.

let database: TestDatabase;
let db: Db;
const owner = `0x${'d'.repeat(40)}`;
const INTERVAL_S = 60;
const config = heartbeatTargetSchema.parse({ grace_seconds: 30 });
/** the ping window: interval plus grace */
const WINDOW_MS = (INTERVAL_S + 30) * 1000;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

/** A heartbeat subscription whose push URL was issued at `issuedAt`; returns id and token hash. */
async function heartbeat(issuedAt: Date): Promise<{ id: string; hash: Buffer }> {
  const { id } = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'nightly backup',
      target_type: 'heartbeat',
      target_config: JSON.stringify(config),
      target_secret: 'v1:x',
      tier: 'team',
      check_frequency_seconds: INTERVAL_S,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const hash = hashToken(newToken('lhp'));
  await heartbeats.setToken(db, id, hash);
  await db
    .updateTable('heartbeats')
    .set({ created_at: issuedAt })
    .where('subscription_id', '=', id)
    .execute();
  return { id, hash };
}

const at = (base: Date, ms: number) => new Date(base.getTime() + ms);
const ctx = (subscriptionId: string, slot: Date): SlotContext => ({
  targetAccess: 'public',
  slot,
  history: createHistoryReader(db)(subscriptionId),
});

const t0 = new Date('2026-11-22T12:00:00Z');

it('is up while pinged within the interval plus grace', async () => {
  const { id, hash } = await heartbeat(t0);
  await heartbeats.recordPing(db, hash, { status: 'up', message: null, at: at(t0, 10_000) });
  for (const slot of [at(t0, 60_000), at(t0, 10_000 + WINDOW_MS)]) {
    expect(await runHeartbeatCheck(config, ctx(id, slot))).toMatchObject({
      status: 'up',
      error_message: null,
    });
  }
});

it('is down once the last ping is older than the interval plus grace, and says how late', async () => {
  const { id, hash } = await heartbeat(t0);
  await heartbeats.recordPing(db, hash, { status: 'up', message: null, at: at(t0, 10_000) });
  const result = await runHeartbeatCheck(config, ctx(id, at(t0, 10_000 + WINDOW_MS + 1)));
  expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
  expect(result.error_message).toBe(
    'no ping within 60 s + 30 s grace; the last came 90 s before this check',
  );
  expect(result.skip).toBeUndefined();
  // a new ping brings it back
  await heartbeats.recordPing(db, hash, { status: 'up', message: null, at: at(t0, 200_000) });
  expect(await runHeartbeatCheck(config, ctx(id, at(t0, 210_000)))).toMatchObject({
    status: 'up',
  });
});

it('is down with the message of a ping that reported status=down', async () => {
  const { id, hash } = await heartbeat(t0);
  await heartbeats.recordPing(db, hash, {
    status: 'down',
    message: 'backup failed: disk full',
    at: at(t0, 5_000),
  });
  expect(await runHeartbeatCheck(config, ctx(id, at(t0, 60_000)))).toMatchObject({
    status: 'down',
    error_category: 'status',
    error_message: 'reported down: backup failed: disk full',
  });
});

it('records nothing before its first deadline when never pinged, then is down', async () => {
  const { id } = await heartbeat(t0);
  const early = await runHeartbeatCheck(config, ctx(id, at(t0, WINDOW_MS)));
  expect(early.skip).toMatch(/first deadline/);
  const late = await runHeartbeatCheck(config, ctx(id, at(t0, WINDOW_MS + 1_000)));
  expect(late).toMatchObject({
    status: 'down',
    error_category: 'timeout',
    error_message: 'never pinged: no ping within 60 s + 30 s grace since the push URL was issued',
  });
  expect(late.skip).toBeUndefined();
});

it('uses the interval of the subscription as it is now', async () => {
  const { id, hash } = await heartbeat(t0);
  await heartbeats.recordPing(db, hash, { status: 'up', message: null, at: t0 });
  const slot = at(t0, WINDOW_MS + 60_000);
  expect((await runHeartbeatCheck(config, ctx(id, slot))).status).toBe('down');
  await db
    .updateTable('subscriptions')
    .set({ check_frequency_seconds: 3_600 })
    .where('id', '=', id)
    .execute();
  expect((await runHeartbeatCheck(config, ctx(id, slot))).status).toBe('up');
});
