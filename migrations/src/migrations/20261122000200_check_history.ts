import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// check_history is a TimescaleDB hypertable (daily chunks, compression after 7 days,
// a retention policy) when the extension is installed here, or available and preloaded
// (shared_preload_libraries), and otherwise a table range-partitioned by day, with a
// function that creates partitions ahead. The scheduler keeps partitions ahead and drops
// old ones; one query interface serves both. A NOTICE says which, and why.

/** What the server says about TimescaleDB, read before anything tries to load it. */
export interface TimescaleProbe {
  /** the extension exists in this database already */
  installed: boolean;
  /** its files are on the server (pg_available_extensions) */
  available: boolean;
  /** `shared_preload_libraries`, or null where this role may not read it */
  preloadLibraries: string | null;
  /** a GUC only TimescaleDB's loader defines, so only a preloaded loader: a second sign, for roles that cannot read the list */
  loaderGuc: string | null;
  /** PGlite: PostgreSQL compiled to WebAssembly, which loads its extensions without shared_preload_libraries */
  webAssembly: boolean;
}

export interface TimescaleDecision {
  /** create (or keep) the extension and make check_history a hypertable; else native partitions */
  timescale: boolean;
  /** for the migration's notice: which path, and why */
  reason: string;
}

/** The library names in a `shared_preload_libraries` value ('a, "b", $libdir/timescaledb.so'). */
export function preloadedLibraries(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .map((entry) => entry.replace(/^.*\//, '').replace(/\.(so|dylib|dll)$/, ''))
    .filter((entry) => entry !== '');
}

/**
 * TimescaleDB or native partitions. `CREATE EXTENSION timescaledb` where the library is installed
 * but not preloaded raises a FATAL that ends the connection (no EXCEPTION block catches it), so the
 * extension is created only when its loader is known to be preloaded.
 */
export function decideTimescale(probe: TimescaleProbe): TimescaleDecision {
  if (probe.installed) {
    return { timescale: true, reason: 'the timescaledb extension is already installed here' };
  }
  if (!probe.available) {
    return {
      timescale: false,
      reason: 'the timescaledb extension is not available on this server',
    };
  }
  if (probe.webAssembly) {
    return {
      timescale: true,
      reason:
        'this is PostgreSQL in WebAssembly (PGlite), which loads timescaledb without preloading it',
    };
  }
  if (probe.preloadLibraries !== null) {
    if (preloadedLibraries(probe.preloadLibraries).includes('timescaledb')) {
      return {
        timescale: true,
        reason: 'timescaledb is available and in shared_preload_libraries',
      };
    }
    return {
      timescale: false,
      reason:
        `timescaledb is installed on this server but not preloaded (shared_preload_libraries = ` +
        `'${probe.preloadLibraries}'), and CREATE EXTENSION would end the connection. For a ` +
        `hypertable, add timescaledb to shared_preload_libraries, restart PostgreSQL and migrate ` +
        `a new, empty database`,
    };
  }
  if (probe.loaderGuc !== null) {
    return {
      timescale: true,
      reason: 'timescaledb is available and its loader is preloaded (its settings are defined)',
    };
  }
  return {
    timescale: false,
    reason:
      'timescaledb is installed on this server, but this role may not read ' +
      'shared_preload_libraries and no sign of its loader is there, so it is taken as not ' +
      'preloaded (CREATE EXTENSION would end the connection). For a hypertable, create the ' +
      'extension as a superuser before migrating',
  };
}

/** The probe, in one query that loads nothing and fails for no role. */
export const timescaleProbeSql = sql<TimescaleProbe>`
  SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS installed,
         EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available,
         (SELECT setting FROM pg_settings WHERE name = 'shared_preload_libraries') AS "preloadLibraries",
         current_setting('timescaledb.bgw_launcher_poll_time', true) AS "loaderGuc",
         version() ILIKE '%emscripten%' AS "webAssembly"`;

/** A NOTICE the migrate CLI prints (`RAISE NOTICE '%', message`, so no % in it is a placeholder). */
async function notice(db: Kysely<any>, message: string): Promise<void> {
  await sql`DO $notice$ BEGIN RAISE NOTICE '%', ${sql.lit(message)}; END $notice$`.execute(db);
}

async function timescaleAvailable(db: Kysely<any>): Promise<boolean> {
  const { rows } = await timescaleProbeSql.execute(db);
  const decision = decideTimescale(rows[0]!);
  if (!decision.timescale) {
    await notice(db, `check_history: native daily partitions, because ${decision.reason}`);
    return false;
  }
  // preloaded: an ordinary ERROR (a role that may not create it, say) still means partitions
  await sql`
    DO $$
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb;
    EXCEPTION WHEN others THEN
      RAISE NOTICE 'check_history: native daily partitions, because CREATE EXTENSION timescaledb failed: %', SQLERRM;
    END
    $$`.execute(db);
  const { rows: present } = await sql<{ version: string }>`
    SELECT extversion AS version FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
  const version = present[0]?.version;
  if (version === undefined) return false;
  await notice(
    db,
    `check_history: a TimescaleDB ${version} hypertable, because ${decision.reason}`,
  );
  return true;
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
  // On TimescaleDB, chunks go through drop_chunks first: a plain DROP of a hypertable with
  // compressed chunks has left those chunk tables, with their rows, in _timescaledb_internal
  // outside TimescaleDB's catalog. CASCADE takes whatever still hangs on the table.
  await sql`
    DO $$
    BEGIN
      -- nested: the inner statements name TimescaleDB's objects, planned only where they exist
      IF to_regclass('check_history') IS NOT NULL
         AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') THEN
        IF EXISTS (SELECT 1 FROM timescaledb_information.hypertables
                    WHERE hypertable_schema = current_schema()
                      AND hypertable_name = 'check_history') THEN
          PERFORM drop_chunks('check_history', older_than => 'infinity'::timestamptz);
        END IF;
      END IF;
    END
    $$`.execute(db);
  await sql`DROP TABLE IF EXISTS check_history CASCADE`.execute(db);
  await sql`DROP FUNCTION IF EXISTS lighthouse_ensure_check_history_partitions(date, date)`.execute(
    db,
  );
}
