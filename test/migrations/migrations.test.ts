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
import { migrate, migrations } from '@lighthouse/migrations';

type Db = Kysely<Record<string, never>>;

const ALL = Object.keys(migrations).sort();
const SUBSCRIPTION = '7d0c3c1e-5b0f-4f43-9f5e-2a4d8f1b6c01';

function connect(url: string): Db {
  return new Kysely({
    dialect: new PostgresDialect({ pool: new Pool({ connectionString: url, max: 1 }) }),
  });
}

async function expectLatestAppliesAll(db: Db): Promise<void> {
  const first = await migrate(db, 'latest');
  expect(first.applied).toEqual(ALL.map((name) => ({ name, direction: 'Up' })));
  const again = await migrate(db, 'latest');
  expect(again.applied).toEqual([]);
}

/**
 * Everything in public that is not Kysely's bookkeeping (lighthouse_migrations*) and not a member
 * of an extension (TimescaleDB puts its API functions in public): tables, partitions, indexes,
 * sequences, views, types, functions.
 */
async function lighthouseObjects(db: Db): Promise<string[]> {
  const { rows } = await sql<{ object: string }>`
    WITH ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
    SELECT 'relation ' || c.relname AS object
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname NOT LIKE 'lighthouse\\_migrations%'
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

  beforeAll(async () => {
    database = await createEmptyDatabase();
    db = connect(database.url);
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('applies every migration once, then nothing', async () => {
    await expectLatestAppliesAll(db);
    const { rows } = await sql<{ present: boolean }>`
      SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb') AS present`.execute(
      db,
    );
    expect(rows[0]?.present).toBe(false);
  });

  it('makes check_history a table partitioned by day, from yesterday to 7 days ahead', async () => {
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
  });

  it('accepts a row for today, refuses one 30 days ahead until partitions are created', async () => {
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
  });

  it('keeps one row per (subscription_id, time)', async () => {
    await expect(insertCheck(db, 0)).rejects.toThrow(
      /duplicate key value violates unique constraint/,
    );
    expect(await insertCheck(db, 0, true)).toBe(0);
    const { rows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM check_history WHERE subscription_id = ${SUBSCRIPTION}`.execute(db);
    expect(rows[0]?.n).toBe('2'); // today and +30 days
  });

  it('keeps what a check measured beside it', async () => {
    await expectMeasuredValues(db);
  });

  it('resets to nothing and migrates up again', async () => {
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

  timescaleIt('resets to nothing (no hypertable, no jobs) and migrates up again', async () => {
    await expectResetLeavesNothing(db);
    const left = await sql<{ hypertables: string; jobs: string }>`
      SELECT (SELECT count(*) FROM timescaledb_information.hypertables) AS hypertables,
             (SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000) AS jobs`.execute(
      db,
    );
    expect(left.rows[0]).toEqual({ hypertables: '0', jobs: '0' });
    await expectLatestAppliesAll(db);
    await expectHypertable(db);
  });
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
