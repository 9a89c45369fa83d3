import { sql } from 'kysely';
import type { Db, Executor } from '../connection';

export interface DueSubscription {
  id: string;
  next_check_at: Date;
  check_frequency_seconds: number;
  /** next_check_at is a confirmation check, not a slot of the grid */
  confirming: boolean;
  /** the regions it is checked from; null: the instance's default region */
  regions: string[] | null;
}

/**
 * Locks up to `limit` subscriptions that are due (active, not deleted, not expired),
 * oldest first. SKIP LOCKED lets any number of scheduler replicas claim disjoint sets.
 */
export async function claimDue(db: Executor, now: Date, limit: number): Promise<DueSubscription[]> {
  return db
    .selectFrom('subscriptions')
    .select(['id', 'next_check_at', 'check_frequency_seconds', 'confirming', 'regions'])
    .where('active', '=', true)
    .where('deleted_at', 'is', null)
    .where('next_check_at', '<=', now)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .orderBy('next_check_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

/** Moves each claimed subscription to its next slot (of the grid), in one statement. */
export async function advance(db: Executor, rows: { id: string; next: Date }[]): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    UPDATE subscriptions AS s SET next_check_at = v.next, confirming = false
    FROM unnest(${rows.map((r) => r.id)}::uuid[], ${rows.map((r) => r.next.toISOString())}::timestamptz[]) AS v(id, next)
    WHERE s.id = v.id`.execute(db);
}

/**
 * Creates the daily partitions of check_history up to `daysAhead` (plain PostgreSQL only;
 * returns -1 on TimescaleDB). Creating a partition locks the parent: behind a long reader (a
 * pg_dump) it gives up after 5 s, and the next round tries again, rather than queue every
 * insert behind it. Partitions are made days ahead, so a round that gives up costs nothing.
 */
export async function ensurePartitions(db: Db, daysAhead: number): Promise<number> {
  const { rows } = await sql<{ fn: string | null }>`
    SELECT to_regprocedure('lighthouse_ensure_check_history_partitions(date, date)')::text AS fn`.execute(
    db,
  );
  if (!rows[0]?.fn) return -1;
  const created = await db.transaction().execute(async (tx) => {
    await sql`SET LOCAL lock_timeout = '5s'`.execute(tx);
    return sql<{ n: number }>`
      SELECT lighthouse_ensure_check_history_partitions(
        (now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + ${daysAhead}::int) AS n`.execute(
      tx,
    );
  });
  return created.rows[0]?.n ?? 0;
}
