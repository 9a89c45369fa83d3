import { sql } from 'kysely';
import type { Executor } from '../connection';

/** Whether the server's autovacuum runs (a server-wide setting: some CI and test servers turn it off). */
export async function autovacuumOn(db: Executor): Promise<boolean> {
  const { rows } = await sql<{ on: boolean }>`
    SELECT current_setting('autovacuum') = 'on' AS on`.execute(db);
  return rows[0]?.on ?? true;
}

/**
 * Vacuums each of Lighthouse's tables (its own schema's) with as many dead rows as would start
 * autovacuum at its defaults: 50, and a fifth of the live ones. For servers where autovacuum is
 * off: subscriptions is updated about twice per check, and without vacuum it grows without bound
 * and every check's write slows with it. A table another session is vacuuming is skipped.
 * Returns the tables vacuumed; VACUUM cannot run inside a transaction, so `db` must be a pool.
 */
export async function vacuumBloated(db: Executor): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT relname AS name FROM pg_stat_user_tables
     WHERE schemaname = current_schema() AND n_dead_tup > 50 + 0.2 * n_live_tup
     ORDER BY n_dead_tup DESC`.execute(db);
  for (const { name } of rows) {
    await sql`VACUUM (SKIP_LOCKED) ${sql.table(name)}`.execute(db);
  }
  return rows.map((r) => r.name);
}
