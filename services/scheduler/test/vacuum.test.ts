import { createDb, vacuum, type Db } from '@lighthouse/db';
import { createLogger } from '@lighthouse/shared';
import { createTestDatabase, type TestDatabase } from '@lighthouse/testing';
import type { Queue } from 'bullmq';
import { sql } from 'kysely';
import { Writable } from 'node:stream';
import { createVacuumRound } from '../src/jobs/vacuum';
import { createMetrics } from '../src/metrics';

// Where the server runs without autovacuum (this suite's own server may), the scheduler vacuums
// the tables whose dead rows would have started it.

let database: TestDatabase;
let db: Db;
const owner = `0x${'e'.repeat(40)}`;

beforeAll(async () => {
  database = await createTestDatabase();
  // one session: its statistics are the ones flushed below
  db = createDb({ url: database.url, max: 1 });
  // no autovacuum of this table while the test counts its dead rows, whatever the server does
  await sql`ALTER TABLE subscriptions SET (autovacuum_enabled = false)`.execute(db);
  await db.insertInto('users').values({ wallet_address: owner }).execute();
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

async function deadRows(): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    SELECT n_dead_tup AS n FROM pg_stat_user_tables
     WHERE schemaname = current_schema() AND relname = 'subscriptions'`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** Waits (10 s at most) for the statistics to say what the test just did. */
async function until(check: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 50; i += 1) {
    // PostgreSQL 15 and later flush a session's statistics on request; before, within a second
    await sql`SELECT pg_stat_force_next_flush()`.execute(db).catch(() => undefined);
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function bloat(): Promise<void> {
  const { id } = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'bloat',
      target_type: 'http',
      target_config: '{}',
      target_secret: 'v1:x',
      tier: 'free',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // as the scheduler does, one row's next slot moved again and again: an indexed column, so
  // no update is a HOT one that pruning could take back without a vacuum
  for (let i = 0; i < 300; i += 1) {
    await db
      .updateTable('subscriptions')
      .set({ next_check_at: new Date(Date.now() + i * 1000) })
      .where('id', '=', id)
      .execute();
  }
  expect(await until(async () => (await deadRows()) >= 250)).toBe(true);
}

it('vacuums the tables with as many dead rows as would start autovacuum, and no others', async () => {
  await bloat();
  const vacuumed = await vacuum.vacuumBloated(db);
  expect(vacuumed).toContain('subscriptions');
  // a table with no dead rows is left alone
  expect(vacuumed).not.toContain('users');
  expect(await until(async () => (await deadRows()) < 50)).toBe(true);
  // nothing left to do
  expect(await vacuum.vacuumBloated(db)).not.toContain('subscriptions');
});

it('stands in for autovacuum only while the server runs without it, and says so', async () => {
  const lines: string[] = [];
  const logger = createLogger({
    service: 'scheduler-test',
    level: 'info',
    stream: new Writable({
      write: (chunk: Buffer, _e, done) => {
        lines.push(chunk.toString());
        done();
      },
    }),
  });
  const metrics = createMetrics({} as Queue);
  const round = createVacuumRound({ db, logger, metrics });
  await bloat();
  await round();
  await round();
  const vacuumed = (await metrics.vacuums.get()).values.find(
    (v) => v.labels.table === 'subscriptions',
  );
  const warned = lines.filter((l) => l.includes('autovacuum is off'));
  if (await vacuum.autovacuumOn(db)) {
    process.stdout.write(
      'vacuum test: this server runs autovacuum, so the round must do nothing\n',
    );
    expect(vacuumed).toBeUndefined();
    expect(warned).toHaveLength(0);
    expect(await deadRows()).toBeGreaterThanOrEqual(250);
  } else {
    expect(vacuumed?.value).toBe(1);
    // said once, not every round
    expect(warned).toHaveLength(1);
    expect(await until(async () => (await deadRows()) < 50)).toBe(true);
  }
});
