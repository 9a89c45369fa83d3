import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Rollups by region: check_rollups_hourly and check_rollups_daily hold one row per
// (subscription, bucket, region), as check_history holds one row per slot and region. The
// figures of all regions together are the sums of the regions' rows (histograms merge
// exactly), so no row for "all regions" is kept. Rows rolled up before have no region: they
// become 'local', as check_history's rows without one did (20261206000200_regions).
//
// Cheap on big tables: a column with a constant default is added without rewriting the table
// (PostgreSQL 11 and later), and being NOT NULL from its default needs no scan either. The new
// primary key builds one index, the only pass over each table. The rollups are plain tables on
// both storage engines (TimescaleDB included), so one path serves both.

const TABLES = ['check_rollups_hourly', 'check_rollups_daily'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const name of TABLES) {
    const table = sql.table(name);
    await sql`ALTER TABLE ${table} ADD COLUMN region text NOT NULL DEFAULT 'local'`.execute(db);
    await sql`ALTER TABLE ${table} DROP CONSTRAINT ${sql.id(`${name}_pkey`)}`.execute(db);
    await sql`ALTER TABLE ${table} ADD PRIMARY KEY (subscription_id, bucket, region)`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  // one row per (subscription, bucket) again: the regions' rows merged into one, exactly
  for (const name of TABLES) {
    const table = sql.table(name);
    await sql`
      WITH merged AS (
        DELETE FROM ${table} r
         WHERE (r.subscription_id, r.bucket) IN (
           SELECT subscription_id, bucket FROM ${table}
            GROUP BY subscription_id, bucket HAVING count(*) > 1)
        RETURNING r.*
      )
      INSERT INTO ${table} (subscription_id, bucket, region, total_count, up_count, down_count,
                            degraded_count, latency_count, latency_sum, latency_min,
                            latency_max, latency_histogram)
      SELECT subscription_id, bucket, 'local', sum(total_count), sum(up_count),
             sum(down_count), sum(degraded_count), sum(latency_count), sum(latency_sum),
             min(latency_min), max(latency_max), lighthouse_hist_sum(latency_histogram)
        FROM merged GROUP BY subscription_id, bucket`.execute(db);
    await sql`ALTER TABLE ${table} DROP CONSTRAINT ${sql.id(`${name}_pkey`)}`.execute(db);
    await sql`ALTER TABLE ${table} DROP COLUMN region`.execute(db);
    await sql`ALTER TABLE ${table} ADD PRIMARY KEY (subscription_id, bucket)`.execute(db);
  }
}
