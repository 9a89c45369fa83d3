import { sql } from 'kysely';
import type { Db, Executor } from '../connection';

export interface RetentionPolicy {
  /** raw days kept per tier name */
  rawDays: ReadonlyMap<string, number>;
  hourlyDays: number;
  dailyDays: number;
}

export interface RetentionOutcome {
  /** partitions (plain PostgreSQL) or chunks (TimescaleDB) dropped whole */
  dropped: number;
  /** raw rows deleted for tiers that keep less than the longest */
  deleted: number;
  hourlyDeleted: number;
  dailyDeleted: number;
}

async function timescale(db: Executor): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present`.execute(
    db,
  );
  return rows[0]?.present === true;
}

/** Drops whole days of raw rows older than `days`: partitions, or TimescaleDB chunks. */
async function dropOlderThan(db: Db, days: number): Promise<number> {
  if (await timescale(db)) {
    const { rows } = await sql<{ chunk: string }>`
      SELECT drop_chunks('check_history', older_than => now() - make_interval(days => ${days})) AS chunk`.execute(
      db,
    );
    return rows.length;
  }
  // partitions whose whole UTC day ends at or before the cut-off
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'check_history'::regclass
       AND c.relname ~ '^check_history_p[0-9]{8}$'
       AND (to_date(substr(c.relname, 16), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC'
           <= now() - make_interval(days => ${days})`.execute(db);
  for (const { name } of rows) {
    // dropping a partition locks the parent: give up rather than queue inserts behind a long reader
    await db.transaction().execute(async (tx) => {
      await sql`SET LOCAL lock_timeout = '5s'`.execute(tx);
      await sql`DROP TABLE ${sql.table(name)}`.execute(tx);
    });
  }
  return rows.length;
}

/**
 * Raw rows are kept for their subscription's tier's `raw_retention_days` (a tier no
 * longer in the file keeps the longest); rollups for `hourlyDays` / `dailyDays`.
 * Whole days past the longest retention go as partitions or chunks; shorter tiers'
 * rows are deleted through the (subscription_id, time) key.
 */
export async function applyRetention(db: Db, policy: RetentionPolicy): Promise<RetentionOutcome> {
  const longest = Math.max(...policy.rawDays.values());
  const dropped = await dropOlderThan(db, longest);
  let deleted = 0;
  for (const [tier, days] of policy.rawDays) {
    if (days >= longest) continue;
    const result = await sql`
      DELETE FROM check_history h
      USING subscriptions s
      WHERE s.tier = ${tier} AND h.subscription_id = s.id
        AND h.time < now() - make_interval(days => ${days})`.execute(db);
    deleted += Number(result.numAffectedRows ?? 0);
    await sql`
      DELETE FROM canary_results c
      USING subscriptions s
      WHERE s.tier = ${tier} AND c.subscription_id = s.id
        AND c.time < now() - make_interval(days => ${days})`.execute(db);
  }
  await sql`
    DELETE FROM canary_results WHERE time < now() - make_interval(days => ${longest})`.execute(db);
  const hourly = await sql`
    DELETE FROM check_rollups_hourly
    WHERE bucket < now() - make_interval(days => ${policy.hourlyDays})`.execute(db);
  const daily = await sql`
    DELETE FROM check_rollups_daily
    WHERE bucket < now() - make_interval(days => ${policy.dailyDays})`.execute(db);
  return {
    dropped,
    deleted,
    hourlyDeleted: Number(hourly.numAffectedRows ?? 0),
    dailyDeleted: Number(daily.numAffectedRows ?? 0),
  };
}
