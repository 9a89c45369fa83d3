import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * check_history is stored one of two ways (the migrations decide; see the README's "Storage
 * engines"): native daily partitions on plain PostgreSQL, which must exist before rows for their
 * day arrive, or a TimescaleDB hypertable, whose chunks appear as rows arrive. Tests that write
 * rows for days of their choosing go through `prepareCheckHistory`, and tests that look at the
 * pieces through `checkHistoryPieces`, so that the suite passes against either engine (a
 * DATABASE_URL with TimescaleDB preloaded as much as plain PostgreSQL).
 */
export type HistoryEngine = 'partitions' | 'timescaledb';

/** How check_history is stored in the (migrated) database `db` is connected to. */
export async function historyEngine<DB>(db: Kysely<DB>): Promise<HistoryEngine> {
  const { rows } = await sql<{ relkind: string | null; timescale: boolean }>`
    SELECT (SELECT relkind::text FROM pg_class WHERE oid = to_regclass('check_history')) AS relkind,
           EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS timescale`.execute(
    db,
  );
  const row = rows[0];
  if (row?.relkind === 'p') return 'partitions';
  if (row?.relkind === 'r' && row.timescale) return 'timescaledb';
  throw new Error(
    `check_history is neither a partitioned table nor a TimescaleDB hypertable here ` +
      `(relkind ${row?.relkind ?? 'none'}): is this database migrated?`,
  );
}

/** A UTC day: 'YYYY-MM-DD', or a whole number of days from today (UTC, by the database's clock). */
export type HistoryDay = string | number;

function dayOf(day: HistoryDay): RawBuilder<string> {
  if (typeof day === 'number') {
    if (!Number.isInteger(day)) throw new Error(`a day offset must be a whole number, not ${day}`);
    return sql<string>`((now() AT TIME ZONE 'UTC')::date + ${day}::int)`;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`"${day}" is not a YYYY-MM-DD day`);
  return sql<string>`${day}::date`;
}

/**
 * Makes check_history take rows for every UTC day from `from` to `to` (both included): creates the
 * missing daily partitions on plain PostgreSQL, and does nothing on TimescaleDB (chunks are created
 * by the inserts). Returns the number of partitions created (0 on TimescaleDB).
 */
export async function prepareCheckHistory<DB>(
  db: Kysely<DB>,
  from: HistoryDay,
  to: HistoryDay,
): Promise<number> {
  if ((await historyEngine(db)) === 'timescaledb') return 0;
  const { rows } = await sql<{ n: number }>`
    SELECT lighthouse_ensure_check_history_partitions(${dayOf(from)}, ${dayOf(to)}) AS n`.execute(
    db,
  );
  return rows[0]?.n ?? 0;
}

/**
 * The tables that hold check_history's rows, by name: its daily partitions, or TimescaleDB's
 * chunks (a compressed chunk counts once, by the chunk it compresses).
 */
export async function checkHistoryPieces<DB>(db: Kysely<DB>): Promise<string[]> {
  if ((await historyEngine(db)) === 'timescaledb') {
    const { rows } = await sql<{ name: string }>`
      SELECT c::text AS name FROM show_chunks('check_history') AS c ORDER BY 1`.execute(db);
    return rows.map((r) => r.name);
  }
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'check_history'::regclass
     ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}
