import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Rollups, retention and status pages (ADR 5):
// - histogram helpers: rollups keep a fixed latency histogram as an integer array,
//   merged by element-wise addition;
// - rollup_dirty_hours: hours that received a row after the rollup round that
//   covered them; the next round recomputes them from raw rows;
// - the scheduler drives raw retention per tier on both engines, so the fixed
//   TimescaleDB retention policy of an earlier migration goes (compression stays);
// - status pages: an owner publishes a page of chosen subscriptions.

async function timescale(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present`.execute(
    db,
  );
  return rows[0]?.present === true;
}

export async function up(db: Kysely<any>): Promise<void> {
  // a + b element-wise; the shorter array counts as zeros, NULL as empty. plpgsql, because
  // a loop over expanded arrays is several times faster here than unnest + array_agg.
  await sql`
    CREATE FUNCTION lighthouse_hist_add(a integer[], b integer[]) RETURNS integer[]
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      na integer := coalesce(cardinality(a), 0);
      nb integer := coalesce(cardinality(b), 0);
      r integer[];
    BEGIN
      IF nb = 0 THEN RETURN coalesce(a, '{}'); END IF;
      IF na = 0 THEN RETURN b; END IF;
      r := array_fill(0, ARRAY[greatest(na, nb)]);
      FOR i IN 1..greatest(na, nb) LOOP
        r[i] := coalesce(a[i], 0) + coalesce(b[i], 0);
      END LOOP;
      RETURN r;
    END
    $$`.execute(db);
  await sql`
    CREATE AGGREGATE lighthouse_hist_sum(integer[]) (
      SFUNC = lighthouse_hist_add, STYPE = integer[], INITCOND = '{}', PARALLEL = SAFE
    )`.execute(db);
  // a dense histogram of `size` buckets from sparse (1-based index, count) pairs
  await sql`
    CREATE FUNCTION lighthouse_hist_from(idx integer[], counts bigint[], size integer)
    RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
    DECLARE
      h integer[] := array_fill(0, ARRAY[size]);
    BEGIN
      FOR k IN 1..coalesce(cardinality(idx), 0) LOOP
        h[idx[k]] := h[idx[k]] + counts[k];
      END LOOP;
      RETURN h;
    END
    $$`.execute(db);

  await sql`
    CREATE TABLE rollup_dirty_hours (
      subscription_id uuid NOT NULL,
      hour            timestamptz NOT NULL,
      PRIMARY KEY (subscription_id, hour)
    )`.execute(db);
  // rollup retention deletes by bucket
  await sql`CREATE INDEX check_rollups_hourly_bucket ON check_rollups_hourly (bucket)`.execute(db);
  await sql`CREATE INDEX check_rollups_daily_bucket ON check_rollups_daily (bucket)`.execute(db);

  if (await timescale(db)) {
    await sql`SELECT remove_retention_policy('check_history', if_exists => true)`.execute(db);
  } else {
    // a rollup round reads a slice of time across all subscriptions; rows arrive in time
    // order, so a BRIN index finds the slice for a few pages of index. (Hypertables have
    // their own index on time.)
    await sql`
      CREATE INDEX check_history_time_brin ON check_history USING brin (time)
        WITH (pages_per_range = 32)`.execute(db);
  }

  await sql`
    CREATE TABLE status_pages (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_address text NOT NULL REFERENCES users (wallet_address) ON DELETE CASCADE,
      slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$'),
      title        text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
      description  text CHECK (length(description) <= 2000),
      published    boolean NOT NULL DEFAULT true,
      created_at   timestamptz NOT NULL DEFAULT now(),
      updated_at   timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX status_pages_user_address ON status_pages (user_address)`.execute(db);
  await sql`
    CREATE TABLE status_page_subscriptions (
      page_id         uuid NOT NULL REFERENCES status_pages (id) ON DELETE CASCADE,
      subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      position        integer NOT NULL,
      PRIMARY KEY (page_id, subscription_id)
    )`.execute(db);
  await sql`
    CREATE INDEX status_page_subscriptions_subscription
      ON status_page_subscriptions (subscription_id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS status_page_subscriptions`.execute(db);
  await sql`DROP TABLE IF EXISTS status_pages`.execute(db);
  if (await timescale(db)) {
    await sql`SELECT add_retention_policy('check_history', INTERVAL '90 days', if_not_exists => true)`.execute(
      db,
    );
  }
  await sql`DROP INDEX IF EXISTS check_history_time_brin`.execute(db);
  await sql`DROP INDEX IF EXISTS check_rollups_daily_bucket`.execute(db);
  await sql`DROP INDEX IF EXISTS check_rollups_hourly_bucket`.execute(db);
  await sql`DROP TABLE IF EXISTS rollup_dirty_hours`.execute(db);
  await sql`DROP FUNCTION IF EXISTS lighthouse_hist_from(integer[], bigint[], integer)`.execute(db);
  await sql`DROP AGGREGATE IF EXISTS lighthouse_hist_sum(integer[])`.execute(db);
  await sql`DROP FUNCTION IF EXISTS lighthouse_hist_add(integer[], integer[])`.execute(db);
}
