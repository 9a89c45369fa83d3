import { createDb, records, type Db } from '@lighthouse/db';
import { createTestDatabase, type TestDatabase } from '@lighthouse/testing';
import { createSealer, pathRoot, type Hex, type Sealer } from '@lighthouse/verify';
import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { foldHour } from '../src/jobs/anchors';

// Each hour the scheduler folds the signed batches written before the hour's end into one root
// and gives each batch its path there; an hour is stored once, however many schedulers run.

const HOUR = 3_600_000;
let database: TestDatabase;
let db: Db;
let sealer: Sealer;

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 4 });
  sealer = await createSealer({
    privateKey: Wallet.createRandom().privateKey,
    instanceId: await records.instanceId(db),
    region: 'local',
  });
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

/** A signed batch of one record, as written at `writtenAt`; its id and digest. */
async function batchAt(writtenAt: number): Promise<{ id: string; digest: Hex }> {
  const sealed = sealer.seal(
    [
      {
        subscription_id: randomUUID(),
        time: new Date(writtenAt - 1_000).toISOString(),
        region: 'local',
        status: 'up',
        http_status: 200,
        response_time_ms: 10,
        error_category: null,
      },
    ],
    writtenAt,
  );
  const id = await records.insertBatch(db, sealed);
  await db
    .updateTable('check_batches')
    .set({ created_at: new Date(writtenAt) })
    .where('id', '=', id)
    .execute();
  return { id, digest: sealed.digest };
}

async function stored(id: string) {
  const [b] = await records.batchesByIds(db, [id]);
  return b!;
}

describe('the hourly anchor', () => {
  it("folds the hour's batches (and older ones left over) into a root each batch's path leads to", async () => {
    const hour = Date.UTC(2026, 11, 1, 10);
    const leftover = await batchAt(hour - 3 * HOUR); // written long before, never folded
    const batches = [
      await batchAt(hour + 60_000),
      await batchAt(hour + 30 * 60_000),
      await batchAt(hour + HOUR - 1),
    ];
    const late = await batchAt(hour + HOUR + 5_000); // the next hour's

    // before the grace after the hour's end has passed, the hour before is folded: with the
    // batch left over from earlier
    const grace = 300_000;
    const before = await foldHour({ db, graceMs: grace, now: () => hour + HOUR + grace - 1 });
    expect(before).toMatchObject({
      hour: new Date(hour - HOUR),
      batches: 1,
      root: leftover.digest,
    });
    const folded = await foldHour({ db, graceMs: grace, now: () => hour + HOUR + grace });
    expect(folded).toMatchObject({ hour: new Date(hour), batches: 3 });
    for (const b of batches) {
      const row = await stored(b.id);
      expect(row.anchor_hour).toEqual(new Date(hour));
      expect(pathRoot(b.digest, row.hour_path!)).toBe(folded!.root);
    }
    expect((await stored(late.id)).anchor_hour).toBeNull();
    const [anchor] = await records.anchorsAt(db, [new Date(hour)]);
    expect(anchor).toMatchObject({ root: folded!.root, batches: 3, tx_hash: null });

    // stored once: a second round (another scheduler) does nothing
    expect(await foldHour({ db, graceMs: grace, now: () => hour + HOUR + grace + 1 })).toBeNull();
    // the next hour takes the late batch
    const next = await foldHour({ db, graceMs: grace, now: () => hour + 2 * HOUR + grace });
    expect(next).toMatchObject({ hour: new Date(hour + HOUR), batches: 1 });
    expect(next!.root).toBe(late.digest);
  });

  it('lets one of two schedulers fold an hour', async () => {
    const hour = Date.UTC(2026, 11, 2, 10);
    for (let i = 0; i < 20; i += 1) await batchAt(hour + i * 60_000);
    const now = () => hour + HOUR;
    const results = await Promise.all([
      foldHour({ db, graceMs: 0, now }),
      foldHour({ db, graceMs: 0, now }),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    const [anchor] = await records.anchorsAt(db, [new Date(hour)]);
    expect(anchor!.batches).toBe(20);
  });

  it('writes nothing for an hour without batches', async () => {
    const hour = Date.UTC(2026, 11, 3, 10);
    expect(await foldHour({ db, graceMs: 0, now: () => hour + HOUR })).toBeNull();
    expect(await records.anchorsAt(db, [new Date(hour)])).toEqual([]);
  });
});
