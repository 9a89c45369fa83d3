import { createTestDatabase, withAdmin, type TestDatabase } from '@lighthouse/testing';
import { sql } from 'kysely';
import { createDb, type Db } from '../src';

let database: TestDatabase;
let db: Db;
const errors: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({
    url: database.url,
    max: 2,
    applicationName: 'lighthouse-connection-test',
    onError: (err) => errors.push(err.message),
  });
});

afterAll(async () => {
  await db.destroy();
  await database.drop();
});

it('survives its connection being terminated mid-query: the query fails, the next one runs', async () => {
  const slow = db.transaction().execute((tx) => sql`SELECT pg_sleep(5)`.execute(tx));
  const failed = slow.then(
    () => 'finished',
    (err: Error) => err.message,
  );
  // wait until the query runs, then end its session as an operator (or a failover) would
  for (let i = 0; i < 50; i += 1) {
    const killed = await withAdmin((c) =>
      c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name = 'lighthouse-connection-test' AND query LIKE '%pg_sleep%'`,
      ),
    );
    if (killed.rowCount) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // without a listener on checked-out clients this was an unhandled 'error' event: a crash
  expect(await failed).toMatch(/terminat/i);
  const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(db);
  expect(rows).toEqual([{ one: 1 }]);
  expect(errors.join('\n')).toMatch(/terminat/i);
});
