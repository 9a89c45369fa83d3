import { Kysely, PostgresDialect, sql } from 'kysely';
import { Pool } from 'pg';
import {
  createEmptyDatabase,
  startTimescale,
  TimescaleUnavailableError,
  type TestDatabase,
  type TimescaleServer,
} from '@lighthouse/testing';
import { retention, rollups, type Db as LighthouseDb } from '@lighthouse/db';
import {
  createMigrator,
  decideTimescale,
  migrate,
  migrateUrl,
  migrations,
  preloadedLibraries,
  timescaleProbeSql,
  type TimescaleProbe,
} from '@lighthouse/migrations';

type Db = Kysely<Record<string, never>>;

const ALL = Object.keys(migrations).sort();
const SUBSCRIPTION = '7d0c3c1e-5b0f-4f43-9f5e-2a4d8f1b6c01';

/** Server notices by connection URL, as the migrate CLI prints them. */
const notices = new Map<string, string[]>();

function connect(url: string): Db {
  const pool = new Pool({ connectionString: url, max: 1 });
  notices.set(url, []);
  pool.on('connect', (client) => {
    client.on('notice', (n) => notices.get(url)?.push(n.message ?? ''));
  });
  return new Kysely({ dialect: new PostgresDialect({ pool }) });
}

/** What the migrations said about check_history's storage engine. */
const engineNotices = (url: string) =>
  (notices.get(url) ?? []).filter((m) => m.startsWith('check_history: '));

async function expectLatestAppliesAll(db: Db): Promise<void> {
  const first = await migrate(db, 'latest');
  expect(first.applied).toEqual(ALL.map((name) => ({ name, direction: 'Up' })));
  const again = await migrate(db, 'latest');
  expect(again.applied).toEqual([]);
}

/**
 * Everything of Lighthouse's that is left: tables, partitions, chunks, indexes, sequences and
 * views in public, tables, sequences and views in any other schema (TimescaleDB's
 * _timescaledb_internal, where chunks and compressed chunks live, included), and types and
 * functions in public. Not Kysely's bookkeeping (lighthouse_migrations*), and not members of an
 * extension (TimescaleDB's catalog, and the API functions it puts in public).
 */
async function lighthouseObjects(db: Db): Promise<string[]> {
  const { rows } = await sql<{ object: string }>`
    WITH ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
    SELECT 'relation ' || CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END
           || c.relname AS object
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
       AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
       AND (n.nspname = 'public' OR c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f'))
       AND c.relname NOT LIKE 'lighthouse\\_migrations%'
       AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_class'::regclass AND objid = c.oid)
    UNION ALL
    SELECT 'type ' || t.typname
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'm')
       AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_type'::regclass AND objid = t.oid)
    UNION ALL
    SELECT 'function ' || p.proname
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public'
       AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
     ORDER BY 1`.execute(db);
  return rows.map((r) => r.object);
}

async function expectResetLeavesNothing(db: Db): Promise<void> {
  const reset = await migrate(db, 'reset');
  expect(reset.applied).toEqual([...ALL].reverse().map((name) => ({ name, direction: 'Down' })));
  expect(await lighthouseObjects(db)).toEqual([]);
  expect((await migrate(db, 'reset')).applied).toEqual([]);
}

/** Inserts one check row; returns how many rows were inserted. */
async function insertCheck(
  db: Db,
  offsetDays: number,
  onConflictDoNothing = false,
): Promise<number> {
  const conflict = onConflictDoNothing ? sql`ON CONFLICT DO NOTHING` : sql``;
  const result = await sql`
    INSERT INTO check_history (time, subscription_id, status, http_status, response_time_ms)
    VALUES (date_trunc('minute', now()) + make_interval(days => ${offsetDays}), ${SUBSCRIPTION}, 'up', 200, 42)
    ${conflict}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

async function partitionNames(db: Db): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name
      FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'check_history'::regclass
     ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}

/** check_history_pYYYYMMDD for UTC days from today+from to today+to, by the database's clock. */
async function expectedPartitions(db: Db, from: number, to: number): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT 'check_history_p' || to_char(d, 'YYYYMMDD') AS name
      FROM generate_series((now() AT TIME ZONE 'UTC')::date + ${from}::int,
                           (now() AT TIME ZONE 'UTC')::date + ${to}::int, interval '1 day') AS d
     ORDER BY 1`.execute(db);
  return rows.map((r) => r.name);
}

describe('migrations on plain PostgreSQL (native daily partitions)', () => {
  let database: TestDatabase;
  let db: Db;
  let reason = '';
  /** why this server cannot take the plain path, if it cannot */
  let skip: string | undefined;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    db = connect(database.url);
    const { rows } = await timescaleProbeSql.execute(db);
    const decision = decideTimescale(rows[0]!);
    reason = decision.reason;
    if (decision.timescale) {
      skip =
        `the server at DATABASE_URL makes check_history a hypertable (${decision.reason}), ` +
        'so the plain path is not taken there; the TimescaleDB path is tested on PGlite below';
      // eslint-disable-next-line no-console
      console.warn(`plain PostgreSQL path NOT tested, the tests below skip: ${skip}`);
    }
  });

  const plainIt = (name: string, fn: () => Promise<void>): void =>
    it(name, async () => {
      if (skip) {
        // eslint-disable-next-line no-console
        console.warn(`skipping "${name}": ${skip}`);
        return;
      }
      await fn();
    });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  plainIt(
    'applies every migration once, then nothing, saying why check_history is partitioned',
    async () => {
      await expectLatestAppliesAll(db);
      expect(engineNotices(database.url)).toEqual([
        `check_history: native daily partitions, because ${reason}`,
      ]);
      const { rows } = await sql<{ present: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present`.execute(
        db,
      );
      expect(rows[0]?.present).toBe(false);
    },
  );

  plainIt(
    'makes check_history a table partitioned by day, from yesterday to 7 days ahead',
    async () => {
      const { rows } = await sql<{ relkind: string; strategy: string; key: string }>`
      SELECT c.relkind, p.partstrat AS strategy, pg_get_partkeydef(c.oid) AS key
        FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
       WHERE c.oid = 'check_history'::regclass`.execute(db);
      expect(rows).toEqual([{ relkind: 'p', strategy: 'r', key: 'RANGE ("time")' }]);
      expect(await partitionNames(db)).toEqual(await expectedPartitions(db, -1, 7));

      // each partition covers exactly its UTC day (both sides rendered in this session's time zone)
      const bounds = await sql<{ name: string; bound: string; expected: string }>`
      SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound,
             format('FOR VALUES FROM (%L) TO (%L)',
                    to_date(substr(c.relname, 16), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC',
                    (to_date(substr(c.relname, 16), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC') AS expected
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'check_history'::regclass`.execute(db);
      expect(bounds.rows).toHaveLength(9);
      for (const b of bounds.rows) expect(b.bound).toBe(b.expected);

      // rollup rounds read slices of time: a BRIN index on time, on every partition
      const brin = await sql<{ n: string }>`
      SELECT count(*) AS n FROM pg_indexes
       WHERE tablename LIKE 'check_history%' AND indexdef LIKE '%USING brin ("time")%'`.execute(db);
      expect(Number(brin.rows[0]!.n)).toBe(1 + 9);
    },
  );

  plainIt(
    'accepts a row for today, refuses one 30 days ahead until partitions are created',
    async () => {
      expect(await insertCheck(db, 0)).toBe(1);
      await expect(insertCheck(db, 30)).rejects.toThrow(
        /no partition of relation "check_history" found for row/,
      );

      const created = await sql<{ n: number }>`
      SELECT lighthouse_ensure_check_history_partitions(
        (now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 30) AS n`.execute(db);
      expect(created.rows[0]?.n).toBe(23); // today..+7 existed; +8..+30 are new
      expect(await partitionNames(db)).toEqual(await expectedPartitions(db, -1, 30));
      expect(await insertCheck(db, 30)).toBe(1);

      const again = await sql<{ n: number }>`
      SELECT lighthouse_ensure_check_history_partitions(
        (now() AT TIME ZONE 'UTC')::date, (now() AT TIME ZONE 'UTC')::date + 30) AS n`.execute(db);
      expect(again.rows[0]?.n).toBe(0);
    },
  );

  plainIt('keeps one row per (subscription_id, time)', async () => {
    await expect(insertCheck(db, 0)).rejects.toThrow(
      /duplicate key value violates unique constraint/,
    );
    expect(await insertCheck(db, 0, true)).toBe(0);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM check_history WHERE subscription_id = ${SUBSCRIPTION}`.execute(db);
    expect(rows[0]?.n).toBe('2'); // today and +30 days
  });

  plainIt('keeps what a check measured beside it', async () => {
    await expectMeasuredValues(db);
  });

  plainIt('gives rollups a region, and merges the regions back going down', async () => {
    await expectRollupRegions(db);
  });

  plainIt('resets to nothing and migrates up again', async () => {
    await expectResetLeavesNothing(db);
    await expectLatestAppliesAll(db);
    expect(await partitionNames(db)).toEqual(await expectedPartitions(db, -1, 7));
    expect(await insertCheck(db, 0)).toBe(1);
  });
});

describe('migrations on TimescaleDB (PGlite with timescaledb over a socket)', () => {
  let server: TimescaleServer | undefined;
  let failure: unknown;
  let unavailable: string | undefined;
  let db: Db;

  beforeAll(async () => {
    try {
      server = await startTimescale();
    } catch (err) {
      failure = err;
      unavailable = err instanceof Error ? err.message : String(err);
      // eslint-disable-next-line no-console
      console.warn(`TimescaleDB path NOT tested, the tests below skip: ${unavailable}`);
      return;
    }
    db = connect(server.url);
  }, 30_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('starts a TimescaleDB server on loopback, or says exactly why not', () => {
    if (server) {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    } else {
      // not a crash somewhere else: the harness diagnosed it (the reason is printed above)
      expect(failure).toBeInstanceOf(TimescaleUnavailableError);
      expect(unavailable).toMatch(/\S/);
    }
  });

  const timescaleIt = (name: string, fn: () => Promise<void>): void =>
    it(name, async () => {
      if (!server) {
        // eslint-disable-next-line no-console
        console.warn(`skipping "${name}": ${unavailable}`);
        return;
      }
      await fn();
    });

  timescaleIt('applies every migration once, then nothing, creating the extension', async () => {
    await expectLatestAppliesAll(db);
    const { rows } = await sql<{ extversion: string }>`
      SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`.execute(db);
    expect(rows).toHaveLength(1);
    expect(engineNotices(server!.url)).toEqual([
      `check_history: a TimescaleDB ${rows[0]!.extversion} hypertable, because this is ` +
        'PostgreSQL in WebAssembly (PGlite), which loads timescaledb without preloading it',
    ]);
  });

  timescaleIt(
    'makes check_history a compressed hypertable with daily chunks and policies',
    async () => {
      await expectHypertable(db);
    },
  );

  timescaleIt(
    'keeps one row per (subscription_id, time), with no partitions to create',
    async () => {
      expect(await insertCheck(db, 0)).toBe(1);
      expect(await insertCheck(db, 30)).toBe(1); // chunks are created on demand
      await expect(insertCheck(db, 0)).rejects.toThrow(
        /duplicate key value violates unique constraint/,
      );
      expect(await insertCheck(db, 0, true)).toBe(0);
      const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM check_history`.execute(
        db,
      );
      expect(rows[0]?.n).toBe('2');
    },
  );

  timescaleIt('compresses old chunks when the compression job runs', async () => {
    expect(await insertCheck(db, -10)).toBe(1);
    const job = await sql<{ job_id: number }>`
      SELECT job_id FROM timescaledb_information.jobs
       WHERE hypertable_name = 'check_history' AND proc_name = 'policy_compression'`.execute(db);
    await sql`CALL run_job(${job.rows[0]!.job_id})`.execute(db);
    const { rows } = await sql<{ compressed: string; total: string }>`
      SELECT count(*) FILTER (WHERE is_compressed) AS compressed, count(*) AS total
        FROM timescaledb_information.chunks WHERE hypertable_name = 'check_history'`.execute(db);
    expect(rows[0]).toEqual({ compressed: '1', total: '3' });
    const count = await sql<{ n: string }>`SELECT count(*) AS n FROM check_history`.execute(db);
    expect(count.rows[0]?.n).toBe('3');
  });

  timescaleIt('keeps what a check measured beside it, compressed chunks included', async () => {
    await expectMeasuredValues(db);
  });

  timescaleIt('folds rollups from the hypertable as from partitions', async () => {
    const lighthouse = db as unknown as LighthouseDb;
    await sql`
      INSERT INTO check_history (time, subscription_id, status, response_time_ms)
      SELECT now() - make_interval(mins => m), ${SUBSCRIPTION}, 'up', m
      FROM generate_series(5, 150, 5) AS m`.execute(db);
    await sql`
      INSERT INTO rollup_watermarks (name, watermark) VALUES ('check_history', now() - interval '3 hours')`.execute(
      db,
    );
    for (let i = 0; i < 5; i++) await rollups.rollUp(lighthouse);
    const { rows } = await sql<{ folded: number; raw: number }>`
      SELECT (SELECT sum(total_count) FROM check_rollups_hourly)::int AS folded,
             (SELECT count(*) FROM check_history
               WHERE time > now() - interval '3 hours'
                 AND time <= (SELECT watermark FROM rollup_watermarks))::int AS raw`.execute(db);
    expect(rows[0]!.raw).toBeGreaterThan(20);
    expect(rows[0]!.folded).toBe(rows[0]!.raw);
  });

  timescaleIt('gives rollups a region, and merges the regions back going down', async () => {
    await expectRollupRegions(db);
  });

  timescaleIt(
    'drops chunks past the longest tier and trims shorter tiers, in compressed chunks too',
    async () => {
      const lighthouse = db as unknown as LighthouseDb;
      expect(await insertCheck(db, -100)).toBe(1);
      const owner = `0x${'e'.repeat(40)}`;
      await sql`INSERT INTO users (wallet_address) VALUES (${owner})`.execute(db);
      const { rows: subs } = await sql<{ id: string }>`
        INSERT INTO subscriptions (user_address, name, target_type, target_config, target_secret,
                                   tier, check_frequency_seconds, next_check_at)
        VALUES (${owner}, 'short', 'http', '{}', 'v1:x', 'short', 60, now()) RETURNING id`.execute(
        db,
      );
      const short = subs[0]!.id;
      await sql`
        INSERT INTO check_history (time, subscription_id, status, response_time_ms)
        VALUES (now() - interval '10 days', ${short}, 'up', 1),
               (now() - interval '2 days', ${short}, 'up', 1)`.execute(db);
      // compress again, so the short tier's old row sits in a compressed chunk
      const job = await sql<{ job_id: number }>`
        SELECT job_id FROM timescaledb_information.jobs
         WHERE hypertable_name = 'check_history' AND proc_name = 'policy_compression'`.execute(db);
      await sql`CALL run_job(${job.rows[0]!.job_id})`.execute(db);

      const outcome = await retention.applyRetention(lighthouse, {
        rawDays: new Map([
          ['short', 7],
          ['long', 90],
        ]),
        hourlyDays: 90,
        dailyDays: 730,
      });
      expect(outcome).toMatchObject({ dropped: 1, deleted: 1 });
      const { rows } = await sql<{ subscription_id: string; age: number }>`
        SELECT subscription_id, floor(extract(epoch FROM now() - time) / 86400)::int AS age
          FROM check_history WHERE time < now() - interval '1 day' ORDER BY time`.execute(db);
      // the -100 day row is gone with its chunk; the -10 day row stays for its (unknown, so longest) tier
      expect(rows).toEqual([
        { subscription_id: SUBSCRIPTION, age: 10 },
        { subscription_id: short, age: 2 },
      ]);
    },
  );

  timescaleIt(
    'resets to nothing (no hypertable, no jobs, no chunk anywhere) and migrates up again',
    async () => {
      // a compressed chunk (and its compressed twin in _timescaledb_internal) and a plain one
      expect(await insertCheck(db, -12)).toBe(1);
      expect(await insertCheck(db, 3)).toBe(1);
      await sql`
      SELECT compress_chunk(c, if_not_compressed => true)
        FROM show_chunks('check_history', older_than => interval '7 days') AS c`.execute(db);
      const before = await sql<{ compressed: string; plain: string; internal: string }>`
      SELECT count(*) FILTER (WHERE is_compressed) AS compressed,
             count(*) FILTER (WHERE NOT is_compressed) AS plain,
             (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = '_timescaledb_internal' AND c.relkind = 'r'
                 AND c.relname LIKE 'compress\\_hyper\\_%') AS internal
        FROM timescaledb_information.chunks WHERE hypertable_name = 'check_history'`.execute(db);
      expect(Number(before.rows[0]!.compressed)).toBeGreaterThan(0);
      expect(Number(before.rows[0]!.plain)).toBeGreaterThan(0);
      expect(before.rows[0]!.internal).toBe(before.rows[0]!.compressed);
      expect(await lighthouseObjects(db)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^relation _timescaledb_internal\._hyper_/)]),
      );

      await expectResetLeavesNothing(db);
      const left = await sql<{ hypertables: string; jobs: string }>`
      SELECT (SELECT count(*) FROM timescaledb_information.hypertables) AS hypertables,
             (SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000) AS jobs`.execute(
        db,
      );
      expect(left.rows[0]).toEqual({ hypertables: '0', jobs: '0' });
      await expectLatestAppliesAll(db);
      await expectHypertable(db);
    },
  );
});

describe('whether check_history becomes a hypertable, decided before anything loads TimescaleDB', () => {
  // CREATE EXTENSION timescaledb where the library is installed but not preloaded is a FATAL that
  // ends the connection: no EXCEPTION block can turn it into a fallback, so it must not be tried.
  const probe = (p: Partial<TimescaleProbe>): TimescaleProbe => ({
    installed: false,
    available: true,
    preloadLibraries: '',
    loaderGuc: null,
    webAssembly: false,
    ...p,
  });

  it.each<[string, boolean, TimescaleProbe]>([
    ['already in this database', true, probe({ installed: true, preloadLibraries: null })],
    ['not on this server', false, probe({ available: false })],
    ['installed and preloaded', true, probe({ preloadLibraries: 'timescaledb' })],
    [
      'preloaded among others, quoted, by path',
      true,
      probe({ preloadLibraries: 'pg_stat_statements, "$libdir/timescaledb.so"' }),
    ],
    ['installed but not preloaded', false, probe({ preloadLibraries: 'pg_stat_statements' })],
    ['installed, nothing preloaded', false, probe({ preloadLibraries: '' })],
    ['only the toolkit preloaded', false, probe({ preloadLibraries: 'timescaledb_toolkit' })],
    [
      'list unreadable for this role, loader settings present',
      true,
      probe({ preloadLibraries: null, loaderGuc: '60000' }),
    ],
    ['list unreadable, no sign of the loader', false, probe({ preloadLibraries: null })],
    ['PGlite (no preload there)', true, probe({ webAssembly: true })],
    ['PGlite without the bundle', false, probe({ webAssembly: true, available: false })],
  ])('%s: hypertable %s', (_name, timescale, given) => {
    const decision = decideTimescale(given);
    expect(decision.timescale).toBe(timescale);
    expect(decision.reason).toMatch(/\S/);
  });

  it('says why, and what to do, when the extension is installed but not preloaded', () => {
    expect(decideTimescale(probe({ preloadLibraries: 'pg_stat_statements' })).reason).toBe(
      "timescaledb is installed on this server but not preloaded (shared_preload_libraries = 'pg_stat_statements'), " +
        'and CREATE EXTENSION would end the connection. For a hypertable, add timescaledb to ' +
        'shared_preload_libraries, restart PostgreSQL and migrate a new, empty database',
    );
  });

  it('reads shared_preload_libraries as PostgreSQL lists it', () => {
    expect(preloadedLibraries('')).toEqual([]);
    expect(preloadedLibraries('timescaledb')).toEqual(['timescaledb']);
    expect(preloadedLibraries(' pg_stat_statements ,"timescaledb" ')).toEqual([
      'pg_stat_statements',
      'timescaledb',
    ]);
    expect(preloadedLibraries('$libdir/timescaledb.so, /opt/lib/auto_explain')).toEqual([
      'timescaledb',
      'auto_explain',
    ]);
  });

  it('hands the notice to the migrate CLI, which prints it', async () => {
    const database = await createEmptyDatabase();
    try {
      const printed: string[] = [];
      await migrateUrl(database.url, 'latest', { onNotice: (m) => printed.push(m) });
      expect(printed.filter((m) => m.startsWith('check_history: '))).toEqual([
        expect.stringMatching(
          /^check_history: (native daily partitions|a TimescaleDB \S+ hypertable), because \S/,
        ),
      ]);
    } finally {
      await database.drop();
    }
  });

  it('probes this server without error, as a superuser and as a role that may not read the setting', async () => {
    const database = await createEmptyDatabase();
    const db = connect(database.url);
    const role = `lh_probe_${process.pid}_${Date.now()}`;
    try {
      const { rows: asSuperuser } = await timescaleProbeSql.execute(db);
      expect(asSuperuser[0]?.webAssembly).toBe(false);
      expect(typeof asSuperuser[0]?.preloadLibraries).toBe('string');
      await sql`CREATE ROLE ${sql.id(role)} NOLOGIN`.execute(db);
      await sql`SET ROLE ${sql.id(role)}`.execute(db);
      // what the issue asked for first refuses this role, so the probe reads pg_settings instead
      await expect(
        sql`SELECT current_setting('shared_preload_libraries')`.execute(db),
      ).rejects.toThrow(/pg_read_all_settings/);
      const { rows: asRole } = await timescaleProbeSql.execute(db);
      expect(asRole[0]).toEqual({ ...asSuperuser[0], preloadLibraries: null });
      // the same path either way: where the list cannot be read, the loader's own setting says it
      expect(decideTimescale(asRole[0]!).timescale).toBe(
        decideTimescale(asSuperuser[0]!).timescale,
      );
    } finally {
      await sql`RESET ROLE`.execute(db);
      await sql`DROP ROLE IF EXISTS ${sql.id(role)}`.execute(db);
      await db.destroy();
      await database.drop();
    }
  });

  it('probes the PGlite build: available, in WebAssembly, nothing preloaded', async () => {
    let server: TimescaleServer;
    try {
      server = await startTimescale();
    } catch (err) {
      // eslint-disable-next-line no-console
      console.warn(
        `skipping the PGlite probe: ${err instanceof Error ? err.message : String(err)}`,
      );
      return;
    }
    const db = connect(server.url);
    try {
      const { rows } = await timescaleProbeSql.execute(db);
      expect(rows[0]).toEqual({
        installed: false,
        available: true,
        preloadLibraries: '',
        loaderGuc: null,
        webAssembly: true,
      });
      expect(decideTimescale(rows[0]!).timescale).toBe(true);
    } finally {
      await db.destroy();
      await server.stop();
    }
  }, 30_000);
});

async function expectHypertable(db: Db): Promise<void> {
  const ht = await sql<{
    hypertable_schema: string;
    num_dimensions: number;
    compression_enabled: boolean;
  }>`
    SELECT hypertable_schema, num_dimensions, compression_enabled
      FROM timescaledb_information.hypertables WHERE hypertable_name = 'check_history'`.execute(db);
  expect(ht.rows).toEqual([
    { hypertable_schema: 'public', num_dimensions: 1, compression_enabled: true },
  ]);

  const dim = await sql<{ column_name: string; time_interval: unknown }>`
    SELECT column_name, time_interval::text AS time_interval
      FROM timescaledb_information.dimensions WHERE hypertable_name = 'check_history'`.execute(db);
  expect(dim.rows).toEqual([{ column_name: 'time', time_interval: '1 day' }]);

  const settings = await sql<{
    attname: string;
    segmentby_column_index: number | null;
    orderby_asc: boolean | null;
  }>`
    SELECT attname, segmentby_column_index, orderby_asc
      FROM timescaledb_information.compression_settings
     WHERE hypertable_name = 'check_history' ORDER BY attname`.execute(db);
  expect(settings.rows).toEqual([
    { attname: 'subscription_id', segmentby_column_index: 1, orderby_asc: null },
    { attname: 'time', segmentby_column_index: null, orderby_asc: false },
  ]);

  const jobs = await sql<{ proc_name: string; after: string | null }>`
    SELECT proc_name, coalesce(config ->> 'compress_after', config ->> 'drop_after') AS after
      FROM timescaledb_information.jobs
     WHERE hypertable_name = 'check_history' ORDER BY proc_name`.execute(db);
  expect(jobs.rows).toEqual([
    // retention per tier is the scheduler's job (drop_chunks past the longest tier)
    { proc_name: 'policy_compression', after: '7 days' },
  ]);

  // rollup rounds read slices of time: TimescaleDB's default index leads with it
  const timeIndex = await sql<{ indexdef: string }>`
    SELECT indexdef FROM pg_indexes WHERE tablename = 'check_history'
     AND indexdef ~ 'USING btree \\("?time"?( DESC)?\\)'`.execute(db);
  expect(timeIndex.rows).toHaveLength(1);

  // no native partitions, and no partition function: chunks replace both
  const { rows } = await sql<{ relkind: string; fn: string | null }>`
    SELECT c.relkind, to_regproc('lighthouse_ensure_check_history_partitions')::text AS fn
      FROM pg_class c WHERE c.oid = 'check_history'::regclass`.execute(db);
  expect(rows).toEqual([{ relkind: 'r', fn: null }]);
}

/** check_history.value and value_text: nullable, absent from older rows, stored exactly. */
async function expectMeasuredValues(db: Db): Promise<void> {
  const other = '7d0c3c1e-5b0f-4f43-9f5e-2a4d8f1b6c02';
  const { rows: columns } = await sql<{
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>`
    SELECT column_name, data_type, is_nullable FROM information_schema.columns
     WHERE table_name = 'check_history' AND column_name IN ('value', 'value_text')
     ORDER BY column_name`.execute(db);
  expect(columns).toEqual([
    { column_name: 'value', data_type: 'double precision', is_nullable: 'YES' },
    { column_name: 'value_text', data_type: 'text', is_nullable: 'YES' },
  ]);
  await sql`
    INSERT INTO check_history (time, subscription_id, status, value, value_text)
    VALUES (date_trunc('minute', now()), ${other}, 'up', 1234.5678, '115792089237316195423570985008687907853269984665640564039457584007913129639935')`.execute(
    db,
  );
  const { rows } = await sql<{
    subscription_id: string;
    value: number | null;
    value_text: string | null;
  }>`
    SELECT subscription_id, value, value_text FROM check_history ORDER BY subscription_id, time`.execute(
    db,
  );
  // rows written before (some in compressed chunks on TimescaleDB) read as null
  expect(
    rows.filter((r) => r.subscription_id === SUBSCRIPTION).every((r) => r.value === null),
  ).toBe(true);
  expect(rows.find((r) => r.subscription_id === other)).toEqual({
    subscription_id: other,
    value: 1234.5678,
    value_text: '115792089237316195423570985008687907853269984665640564039457584007913129639935',
  });
  await sql`DELETE FROM check_history WHERE subscription_id = ${other}`.execute(db);
}

const BEFORE_ROLLUP_REGIONS = '20261206000200_regions';

/**
 * 20261206000300_rollup_regions: rollup rows made before it become region 'local', the key takes
 * the region, and going down merges a bucket's regions into one row, exactly.
 */
async function expectRollupRegions(db: Db): Promise<void> {
  const id = '7d0c3c1e-5b0f-4f43-9f5e-2a4d8f1b6c03';
  const migrateTo = async (name: string) => {
    const { error } = await createMigrator(db).migrateTo(name);
    if (error) throw error instanceof Error ? error : new Error(`migrating to ${name} failed`);
  };
  const rows = async (table: string) =>
    (
      await sql<Record<string, unknown>>`
        SELECT * FROM ${sql.table(table)} WHERE subscription_id = ${id} ORDER BY bucket`.execute(db)
    ).rows;
  const keyOf = async (table: string) =>
    (
      await sql<{ key: string }>`
        SELECT pg_get_constraintdef(oid) AS key FROM pg_constraint
         WHERE conrelid = ${table}::regclass AND contype = 'p'`.execute(db)
    ).rows.map((r) => r.key);

  await migrateTo(BEFORE_ROLLUP_REGIONS);
  for (const table of ['check_rollups_hourly', 'check_rollups_daily']) {
    await sql`
      INSERT INTO ${sql.table(table)} (subscription_id, bucket, total_count, up_count, down_count,
        latency_count, latency_sum, latency_min, latency_max, latency_histogram)
      VALUES (${id}, '2026-12-01T00:00:00Z', 3, 2, 1, 2, 30, 10, 20, '{1,1}')`.execute(db);
  }
  await migrate(db, 'latest');
  for (const table of ['check_rollups_hourly', 'check_rollups_daily']) {
    expect(await keyOf(table)).toEqual(['PRIMARY KEY (subscription_id, bucket, region)']);
    expect(await rows(table)).toEqual([
      expect.objectContaining({ region: 'local', total_count: 3 }),
    ]);
    // another region's row for the same bucket, and one of its own bucket
    await sql`
      INSERT INTO ${sql.table(table)} (subscription_id, bucket, region, total_count, up_count,
        degraded_count, latency_count, latency_sum, latency_min, latency_max, latency_histogram)
      VALUES (${id}, '2026-12-01T00:00:00Z', 'eu-west', 2, 1, 1, 2, 900, 400, 500, '{0,0,2}'),
             (${id}, '2026-12-02T00:00:00Z', 'eu-west', 1, 1, 0, 1, 7, 7, 7, '{1}')`.execute(db);
  }

  await migrateTo(BEFORE_ROLLUP_REGIONS);
  for (const table of ['check_rollups_hourly', 'check_rollups_daily']) {
    expect(await keyOf(table)).toEqual(['PRIMARY KEY (subscription_id, bucket)']);
    expect(await rows(table)).toEqual([
      {
        subscription_id: id,
        bucket: new Date('2026-12-01T00:00:00Z'),
        total_count: 5,
        up_count: 3,
        down_count: 1,
        degraded_count: 1,
        latency_count: 4,
        latency_sum: '930',
        latency_min: 10,
        latency_max: 500,
        latency_histogram: [1, 1, 2],
      },
      {
        subscription_id: id,
        bucket: new Date('2026-12-02T00:00:00Z'),
        total_count: 1,
        up_count: 1,
        down_count: 0,
        degraded_count: 0,
        latency_count: 1,
        latency_sum: '7',
        latency_min: 7,
        latency_max: 7,
        latency_histogram: [1],
      },
    ]);
  }
  await migrate(db, 'latest');
  for (const table of ['check_rollups_hourly', 'check_rollups_daily']) {
    await sql`DELETE FROM ${sql.table(table)} WHERE subscription_id = ${id}`.execute(db);
  }
}
