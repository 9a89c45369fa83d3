import { createTestDatabase, prepareCheckHistory, type TestDatabase } from '@lighthouse/testing';
import { createSealer, leafHash, merkleRoot } from '@lighthouse/verify';
import { Wallet } from 'ethers';
import { createDb, type Db } from '../src/connection';
import { recordResults } from '../src/record';
import * as records from '../src/repositories/records';
import type { CheckRow } from '../src/repositories/results';

// A signed batch is stored with the rows it was signed for; each row names its batch and leaf.

let database: TestDatabase;
let db: Db;
let subscriptionId: string;
const owner = `0x${'d'.repeat(40)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 2 });
  await prepareCheckHistory(db, -1, 1);
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  const row = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'signed',
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
  await db.destroy();
  await database.drop();
});

const row = (time: Date, status: CheckRow['status'] = 'up'): CheckRow => ({
  time,
  subscription_id: subscriptionId,
  status,
  http_status: status === 'up' ? 200 : 500,
  response_time_ms: 20,
  timings: null,
  error_category: status === 'up' ? null : 'http_status',
  error_message: null,
  body_excerpt: null,
  schedule_lag_ms: 1,
  region: 'local',
});
const recordOf = (r: CheckRow) => ({ ...r, time: r.time.toISOString() });

describe('signed batches', () => {
  it('stores the batch with its leaves, and each row its batch and leaf; a retried slot keeps its first', async () => {
    const sealer = await createSealer({
      privateKey: Wallet.createRandom().privateKey,
      instanceId: await records.instanceId(db),
      region: 'local',
    });
    const t = Math.floor(Date.now() / 60_000) * 60_000;
    const first = [row(new Date(t - 120_000)), row(new Date(t - 60_000), 'down')];
    const batch = sealer.seal(first.map(recordOf));
    await recordResults(db, first, { graceMs: null, batch });

    const stored = await db
      .selectFrom('check_history')
      .select(['time', 'batch_id', 'leaf_index'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('time')
      .execute();
    expect(stored.map((r) => r.leaf_index)).toEqual([0, 1]);
    const [saved] = await records.batchesByIds(db, [String(stored[0]!.batch_id)]);
    expect(saved).toMatchObject({ probe: sealer.address, region: 'local', root: batch.root });
    const leaves = records.unpack(saved!.leaves);
    expect(leaves).toEqual(first.map((r) => leafHash(recordOf(r), sealer.address)));
    expect(merkleRoot(leaves)).toBe(saved!.root);

    // the same slot again (a retried job), with a new one: the old row keeps its batch
    const again = [row(new Date(t - 60_000), 'up'), row(new Date(t))];
    const second = sealer.seal(again.map(recordOf));
    await recordResults(db, again, { graceMs: null, batch: second });
    const after = await db
      .selectFrom('check_history')
      .select(['time', 'status', 'batch_id', 'leaf_index'])
      .where('subscription_id', '=', subscriptionId)
      .orderBy('time')
      .execute();
    expect(after.map((r) => [r.status, r.leaf_index])).toEqual([
      ['up', 0],
      ['down', 1],
      ['up', 1],
    ]);
    expect(after[1]!.batch_id).toBe(stored[1]!.batch_id);
    expect(after[2]!.batch_id).not.toBe(stored[1]!.batch_id);
  });

  it('refuses a batch that does not match its rows', async () => {
    const sealer = await createSealer({
      privateKey: Wallet.createRandom().privateKey,
      instanceId: await records.instanceId(db),
      region: 'local',
    });
    const rows = [row(new Date(Date.now() - 3_600_000))];
    const batch = sealer.seal([...rows, ...rows].map(recordOf));
    await expect(recordResults(db, rows, { graceMs: null, batch })).rejects.toThrow(
      /a signed batch of 2 leaves for 1 rows/,
    );
  });

  it('lists a probe key with its region, and refuses it in another region', async () => {
    const key = Wallet.createRandom();
    await records.registerProbe(db, { address: key.address, region: 'eu-west' });
    await records.registerProbe(db, { address: key.address, region: 'eu-west' });
    await expect(
      records.registerProbe(db, { address: key.address, region: 'us-east' }),
    ).rejects.toThrow(/already signs for region eu-west: a key belongs to one region/);
    const listed = (await records.listProbes(db)).filter((p) => p.address === key.address);
    expect(listed).toHaveLength(1);
    expect(listed[0]!.region).toBe('eu-west');
    const before = listed[0]!.last_seen.getTime();
    await new Promise((r) => setTimeout(r, 20));
    await records.touchProbe(db, key.address);
    const [touched] = (await records.listProbes(db)).filter((p) => p.address === key.address);
    expect(touched!.last_seen.getTime()).toBeGreaterThan(before);
  });
});
