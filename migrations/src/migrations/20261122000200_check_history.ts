import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// check_history is a TimescaleDB hypertable (daily chunks, compression after 7 days,
// a retention policy) when the extension can be created here, and otherwise a table
// range-partitioned by day, with a function that creates partitions ahead. The
// scheduler keeps partitions ahead and drops old ones; one query interface serves both.

async function timescaleAvailable(db: Kysely<any>): Promise<boolean> {
  // CREATE EXTENSION fails when the library is installed but not preloaded;
  // the exception block turns that into "not available" without aborting the migration.
  await sql`
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
        BEGIN
          CREATE EXTENSION IF NOT EXISTS timescaledb;
        EXCEPTION WHEN others THEN
          RAISE NOTICE 'timescaledb is installed but cannot be loaded: %', SQLERRM;
        END;
      END IF;
    END
    $$`.execute(db);
  const { rows } = await sql<{ present: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present`.execute(
    db,
  );
  return rows[0]?.present === true;
}

export async function up(db: Kysely<any>): Promise<void> {
  const timescale = await timescaleAvailable(db);
  const columns = sql.raw(`
      time             timestamptz NOT NULL,
      subscription_id  uuid NOT NULL,
      status           check_status NOT NULL,
      http_status      smallint,
      response_time_ms integer,
      timings          jsonb,
      error_category   text,
      error_message    text,
      body_excerpt     text,
      schedule_lag_ms  integer,
      region           text,
      PRIMARY KEY (subscription_id, time)`);

  if (timescale) {
    await sql`CREATE TABLE check_history (${columns})`.execute(db);
    await sql`
      SELECT create_hypertable('check_history', 'time', chunk_time_interval => INTERVAL '1 day')`.execute(
      db,
    );
    await sql`
      ALTER TABLE check_history SET (
        timescaledb.compress,
        timescaledb.compress_segmentby = 'subscription_id',
        timescaledb.compress_orderby = 'time DESC'
      )`.execute(db);
    await sql`SELECT add_compression_policy('check_history', INTERVAL '7 days')`.execute(db);
    // The longest raw retention of the default tiers; shorter tiers are trimmed by the scheduler.
    await sql`SELECT add_retention_policy('check_history', INTERVAL '90 days')`.execute(db);
  } else {
    await sql`CREATE TABLE check_history (${columns}) PARTITION BY RANGE (time)`.execute(db);
    await sql`
      CREATE FUNCTION lighthouse_ensure_check_history_partitions(from_day date, to_day date)
      RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        day date := from_day;
        created integer := 0;
        part text;
      BEGIN
        WHILE day <= to_day LOOP
          part := 'check_history_p' || to_char(day, 'YYYYMMDD');
          IF to_regclass(part) IS NULL THEN
            EXECUTE format(
              'CREATE TABLE %I PARTITION OF check_history FOR VALUES FROM (%L) TO (%L)',
              part,
              (day::timestamp AT TIME ZONE 'UTC'),
              ((day + 1)::timestamp AT TIME ZONE 'UTC'));
            created := created + 1;
          END IF;
          day := day + 1;
        END LOOP;
        RETURN created;
      END
      $$`.execute(db);
    await sql`
      SELECT lighthouse_ensure_check_history_partitions(
        (now() AT TIME ZONE 'UTC')::date - 1,
        (now() AT TIME ZONE 'UTC')::date + 7)`.execute(db);
  }

  const rollup = sql.raw(`
      subscription_id   uuid NOT NULL,
      bucket            timestamptz NOT NULL,
      total_count       integer NOT NULL DEFAULT 0,
      up_count          integer NOT NULL DEFAULT 0,
      down_count        integer NOT NULL DEFAULT 0,
      degraded_count    integer NOT NULL DEFAULT 0,
      latency_count     integer NOT NULL DEFAULT 0,
      latency_sum       bigint NOT NULL DEFAULT 0,
      latency_min       integer,
      latency_max       integer,
      -- fixed log-scale buckets; element-wise sums merge exactly
      latency_histogram integer[] NOT NULL,
      PRIMARY KEY (subscription_id, bucket)`);
  await sql`CREATE TABLE check_rollups_hourly (${rollup})`.execute(db);
  await sql`CREATE TABLE check_rollups_daily (${rollup})`.execute(db);
  await sql`
    CREATE TABLE rollup_watermarks (
      name       text PRIMARY KEY,
      watermark  timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE canary_results (
      subscription_id  uuid NOT NULL,
      time             timestamptz NOT NULL,
      step_index       smallint NOT NULL,
      step_name        text NOT NULL,
      status           check_status NOT NULL,
      http_status      smallint,
      response_time_ms integer,
      timings          jsonb,
      error_message    text,
      PRIMARY KEY (subscription_id, time, step_index)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS canary_results`.execute(db);
  await sql`DROP TABLE IF EXISTS rollup_watermarks`.execute(db);
  await sql`DROP TABLE IF EXISTS check_rollups_daily`.execute(db);
  await sql`DROP TABLE IF EXISTS check_rollups_hourly`.execute(db);
  await sql`DROP TABLE IF EXISTS check_history`.execute(db);
  await sql`DROP FUNCTION IF EXISTS lighthouse_ensure_check_history_partitions(date, date)`.execute(
    db,
  );
}
