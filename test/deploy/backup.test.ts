import { migrations } from '@lighthouse/migrations';
import {
  createDatabase,
  createEmptyDatabase,
  createTestDatabase,
  currentTemplateName,
  dropDatabase,
  newDatabaseName,
  testEnv,
  urlFor,
  type TestDatabase,
} from '@lighthouse/testing';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

// scripts/backup.sh and scripts/restore.sh against the real PostgreSQL at DATABASE_URL, with the
// pg_dump, pg_restore and psql found on PATH: a migrated database holding rows in every table is
// backed up, restored into a fresh empty database, and compared table by table (partitions too),
// row count and content checksum. The TimescaleDB path runs when the server at DATABASE_URL has the
// extension (its template database is then a hypertable one); the PGlite build the other tests use
// for TimescaleDB cannot serve pg_dump (a PostgreSQL 17 server, one connection at a time).

const root = join(__dirname, '..', '..');
const backupScript = join(root, 'scripts', 'backup.sh');
const restoreScript = join(root, 'scripts', 'restore.sh');
const MIGRATION_HEAD = Object.keys(migrations).sort().at(-1);

interface ClientTools {
  /** e.g. "pg_dump 15.20, pg_restore 15.20, psql 15.20 (/usr/bin)" */
  label: string;
  dumpMajor: number;
  /** why they cannot run, if they cannot */
  problem?: string;
}

/** The PostgreSQL client tools the scripts will use: those on PATH. */
function clientTools(): ClientTools {
  try {
    const versions = ['pg_dump', 'pg_restore', 'psql'].map((tool) => {
      const out = execFileSync(tool, ['--version'], { encoding: 'utf8' });
      const version = /\)\s+(\d+(?:\.\d+)?)/.exec(out)?.[1];
      if (!version) throw new Error(`cannot read the version of ${tool} from "${out.trim()}"`);
      return { tool, version };
    });
    const where = execFileSync('bash', ['-c', 'dirname "$(command -v pg_dump)"'], {
      encoding: 'utf8',
    }).trim();
    return {
      label: `${versions.map((v) => `${v.tool} ${v.version}`).join(', ')} (${where})`,
      dumpMajor: Number.parseInt(versions[0]!.version, 10),
    };
  } catch (err) {
    return {
      label: 'PostgreSQL client tools missing',
      dumpMajor: 0,
      problem:
        `pg_dump, pg_restore and psql must be on PATH, of the server's major version ` +
        `(Debian: postgresql-client): ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}

const tools = clientTools();

/** "plain PostgreSQL" or "TimescaleDB <version>": what the migrated template (so each test database) is. */
function storageEngine(): string {
  const template = currentTemplateName();
  if (tools.problem || !template) return 'storage engine unknown';
  try {
    return execFileSync(
      'psql',
      [
        '-X',
        '-A',
        '-t',
        '-c',
        `SELECT coalesce((SELECT 'TimescaleDB ' || extversion FROM pg_extension WHERE extname = 'timescaledb'), 'plain PostgreSQL')`,
        urlFor(template),
      ],
      { encoding: 'utf8' },
    ).trim();
  } catch {
    return 'storage engine unknown';
  }
}

const engine = storageEngine();
const timescale = engine.startsWith('TimescaleDB');

/** PATH without the folders that hold an `aws`, so that the script finds none; null if that loses the tools. */
function pathWithoutAws(): string | null {
  const dirs = (process.env.PATH ?? '').split(':').filter((d) => d && !existsSync(join(d, 'aws')));
  const needed = ['bash', 'pg_dump', 'pg_restore', 'psql', 'sha256sum', 'find', 'sort'];
  return needed.every((tool) => dirs.some((d) => existsSync(join(d, tool))))
    ? dirs.join(':')
    : null;
}
const noAwsPath = pathWithoutAws();

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with PATH, HOME and the libpq variables (PG*) of this process, plus `env`. */
function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        (/^PG[A-Z]+$/.test(entry[0]) || ['PATH', 'HOME'].includes(entry[0])),
    ),
  );
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd: workDir,
      env: { ...inherited, LC_ALL: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function explain(result: Run): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const SUBS = [
  '0b1e7a52-7d0c-4c57-9a4e-3a2f5d6c7e01',
  '0b1e7a52-7d0c-4c57-9a4e-3a2f5d6c7e02',
  '0b1e7a52-7d0c-4c57-9a4e-3a2f5d6c7e03',
];
const EVENTS = [
  '5e7e0000-0000-4000-8000-000000000001',
  '5e7e0000-0000-4000-8000-000000000002',
  '5e7e0000-0000-4000-8000-000000000003',
];
const ALERTS = [
  'a1e70000-0000-4000-8000-000000000001',
  'a1e70000-0000-4000-8000-000000000002',
  'a1e70000-0000-4000-8000-000000000003',
];
const WALLETS = ['a', 'b', 'c'].map((c) => `0x${c.repeat(40)}`);

/**
 * Real-looking rows in every table: check_history over four UTC days (so four partitions or
 * chunks), with text that must survive byte for byte (quotes, a newline, non-ASCII), and values
 * at the edge of their types (a uint256 payment amount, a 134-bucket histogram).
 */
const FIXTURE = `
DO $$
BEGIN
  IF to_regprocedure('lighthouse_ensure_check_history_partitions(date, date)') IS NOT NULL THEN
    PERFORM lighthouse_ensure_check_history_partitions(
      (now() AT TIME ZONE 'UTC')::date - 3, (now() AT TIME ZONE 'UTC')::date);
  END IF;
END
$$;

INSERT INTO users (wallet_address, email, language_preference, total_spent_usdc) VALUES
  ('${WALLETS[0]}', 'ops@example.com', 'en', 25.000000),
  ('${WALLETS[1]}', NULL, 'es', 0),
  ('${WALLETS[2]}', 'billing@example.com', 'en', 5.5);

INSERT INTO auth_nonces (nonce, used_at) VALUES ('nonce-used', now()), ('nonce-fresh', NULL);
INSERT INTO sessions (user_address, token_hash, expires_at, revoked_at) VALUES
  ('${WALLETS[0]}', sha256('session-a'::bytea), now() + interval '7 days', NULL),
  ('${WALLETS[1]}', sha256('session-b'::bytea), now() + interval '7 days', now());
INSERT INTO api_keys (user_address, name, prefix, key_hash, scope, last_used_at) VALUES
  ('${WALLETS[0]}', 'ci', 'lh_ci', sha256('key-a'::bytea), 'read_write', now()),
  ('${WALLETS[2]}', 'grafana', 'lh_gr', sha256('key-c'::bytea), 'read', NULL);

INSERT INTO subscriptions (id, user_address, name, target_type, target_config, target_secret, tier,
    check_frequency_seconds, alert_channels, state, state_changed_at, last_scheduled_at,
    last_check_at, next_check_at, expires_at, payment_tx, payment_chain,
    reminder_interval_minutes, flapping_threshold)
SELECT s.id::uuid, s.wallet, s.name, s.type, s.config::jsonb, 'v1:' || encode(sha256(s.id::bytea), 'base64'),
       s.tier, s.freq,
       jsonb_build_array(jsonb_build_object('id', 'ch-' || s.n, 'type', 'webhook', 'language', 'es',
         'config', jsonb_build_object('url', 'https://hooks.example.com/****'),
         'secret', 'v1:' || encode(sha256(('channel' || s.n)::bytea), 'base64'))),
       s.state::monitor_state, now() - interval '1 hour', date_trunc('minute', now()),
       date_trunc('minute', now()), now() + interval '1 minute', s.expires, s.tx, s.chain, s.reminder, NULL
  FROM (VALUES
    (1, '${SUBS[0]}', '${WALLETS[0]}', 'Homepage', 'http', '{"url":"https://example.com/","headers":{"Authorization":"****"}}', 'free', 300, 'up', NULL::timestamptz, NULL, NULL, NULL::int),
    (2, '${SUBS[1]}', '${WALLETS[0]}', 'API «prod»', 'http', '{"url":"https://api.example.com/health"}', 'pro', 10, 'down', now() + interval '20 days', '0xfeed', 'eip155:43113', 30),
    (3, '${SUBS[2]}', '${WALLETS[2]}', 'Heartbeat', 'heartbeat', '{"grace_seconds":60}', 'standard', 60, 'unknown', now() + interval '2 days', '0xbeef', 'eip155:43113', NULL)
  ) AS s(n, id, wallet, name, type, config, tier, freq, state, expires, tx, chain, reminder);

INSERT INTO check_history (time, subscription_id, status, http_status, response_time_ms, timings,
    error_category, error_message, body_excerpt, schedule_lag_ms, region, maintenance, value, value_text)
SELECT t, s.id::uuid,
       (CASE WHEN k % 17 = 0 THEN 'down' WHEN k % 11 = 0 THEN 'degraded' ELSE 'up' END)::check_status,
       CASE WHEN k % 17 = 0 THEN 503 ELSE 200 END,
       20 + (k * 37) % 900,
       jsonb_build_object('dns', k % 5, 'connect', k % 9, 'tls', k % 13, 'ttfb', 10 + k % 50),
       CASE WHEN k % 17 = 0 THEN 'status' END,
       CASE WHEN k % 17 = 0 THEN E'HTTP 503 "Service Unavailable"\\nretry: «mañana» ✓' END,
       CASE WHEN k % 17 = 0 THEN 'maintenance' END,
       k % 250, 'eu-west-1', CASE WHEN k % 29 = 0 THEN true END,
       CASE WHEN s.n = 2 THEN k * 1.5 END,
       CASE WHEN s.n = 2 THEN (k::numeric * 1000000000000000000)::text END
  FROM (VALUES (1, '${SUBS[0]}'), (2, '${SUBS[1]}'), (3, '${SUBS[2]}')) AS s(n, id),
       LATERAL (SELECT t, row_number() OVER (ORDER BY t) AS k
                  FROM generate_series(((now() AT TIME ZONE 'UTC')::date - 3)::timestamp AT TIME ZONE 'UTC',
                                       date_trunc('minute', now()), interval '10 minutes') AS t) AS g;

INSERT INTO canary_results (subscription_id, time, step_index, step_name, status, http_status,
    response_time_ms, timings, error_message, error_category)
SELECT '${SUBS[1]}', date_trunc('hour', now()) - make_interval(hours => h), i, 'step ' || i,
       'up', 200, 40 + i, '{"ttfb": 12}', NULL, NULL
  FROM generate_series(0, 5) AS h, generate_series(0, 2) AS i;

INSERT INTO check_rollups_hourly (subscription_id, bucket, total_count, up_count, down_count,
    degraded_count, latency_count, latency_sum, latency_min, latency_max, latency_histogram)
SELECT subscription_id, date_trunc('hour', time), count(*), count(*) FILTER (WHERE status = 'up'),
       count(*) FILTER (WHERE status = 'down'), count(*) FILTER (WHERE status = 'degraded'),
       count(response_time_ms), sum(response_time_ms), min(response_time_ms), max(response_time_ms),
       lighthouse_hist_from(ARRAY[1 + count(*)::int % 134], ARRAY[count(*)], 134)
  FROM check_history GROUP BY 1, 2;
INSERT INTO check_rollups_daily (subscription_id, bucket, total_count, up_count, down_count,
    degraded_count, latency_count, latency_sum, latency_min, latency_max, latency_histogram)
SELECT subscription_id, date_trunc('day', bucket), sum(total_count), sum(up_count), sum(down_count),
       sum(degraded_count), sum(latency_count), sum(latency_sum), min(latency_min), max(latency_max),
       lighthouse_hist_sum(latency_histogram)
  FROM check_rollups_hourly GROUP BY 1, 2;
INSERT INTO rollup_watermarks (name, watermark) VALUES ('hourly', date_trunc('hour', now()));
INSERT INTO rollup_dirty_hours (subscription_id, hour) VALUES ('${SUBS[0]}', date_trunc('hour', now()) - interval '2 hours');

INSERT INTO state_events (id, subscription_id, from_state, to_state, slot_time, "check", kind,
    published_at, handled_at) VALUES
  ('${EVENTS[0]}', '${SUBS[1]}', 'up', 'down', now() - interval '50 minutes',
   '{"status":"down","http_status":503,"error":"HTTP 503"}', 'transition', now(), now()),
  ('${EVENTS[1]}', '${SUBS[1]}', 'down', 'down', now() - interval '20 minutes', '{}', 'reminder', now(), NULL),
  ('${EVENTS[2]}', '${SUBS[2]}', 'unknown', 'unknown', now(), '{}', 'expiring', NULL, NULL);
INSERT INTO incidents (subscription_id, opened_event_id, closed_event_id, started_at, resolved_at,
    error_category, error_message) VALUES
  ('${SUBS[0]}', NULL, NULL, now() - interval '2 days', now() - interval '47 hours', 'timeout', 'timed out after 10 s'),
  ('${SUBS[1]}', '${EVENTS[0]}', NULL, now() - interval '50 minutes', NULL, 'status', 'HTTP 503');
INSERT INTO alerts (id, event_id, subscription_id, alert_type, severity, message, channels_sent,
    delivery_status, retry_count, language, suppressed_reason) VALUES
  ('${ALERTS[0]}', '${EVENTS[0]}', '${SUBS[1]}', 'down', 'critical', 'API «prod» está caído', '{ch-2}', 'sent', 0, 'es', NULL),
  ('${ALERTS[1]}', '${EVENTS[1]}', '${SUBS[1]}', 'reminder', 'critical', 'still down', '{}', 'pending', 1, 'en', NULL),
  ('${ALERTS[2]}', '${EVENTS[2]}', '${SUBS[2]}', 'expiring', 'info', 'expires in 2 days', '{}', 'suppressed', 0, 'en', 'maintenance');
INSERT INTO alert_deliveries (alert_id, channel_id, channel_type, status, attempts, last_error,
    last_attempt_at, delivered_at) VALUES
  ('${ALERTS[0]}', 'ch-2', 'webhook', 'sent', 1, NULL, now(), now()),
  ('${ALERTS[0]}', 'ch-2b', 'email', 'failed', 8, 'SMTP 550: mailbox unavailable', now(), NULL),
  ('${ALERTS[1]}', 'ch-2', 'webhook', 'pending', 2, 'HTTP 500', now(), NULL);

INSERT INTO payments (user_address, subscription_id, tier, network, asset, pay_to, payer,
    amount_atomic, amount_usdc, nonce, valid_before, tx_hash, settled_via, period_days, settled_at,
    status, purpose) VALUES
  ('${WALLETS[0]}', '${SUBS[1]}', 'pro', 'eip155:43113', '0x5425890298aed601595a70AB815c96711a31Bc65',
   '0x${'d'.repeat(40)}', '${WALLETS[0]}', 20000000, 20.000000, '0x${'1'.repeat(64)}',
   now() + interval '5 minutes', '0xfeed', 'facilitator', 30, now(), 'settled', 'create'),
  ('${WALLETS[2]}', NULL, 'standard', 'eip155:43113', '0x5425890298aed601595a70AB815c96711a31Bc65',
   '0x${'d'.repeat(40)}', '${WALLETS[2]}',
   115792089237316195423570985008687907853269984665640564039457584007913129639935, 5.000000,
   '0x${'2'.repeat(64)}', NULL, NULL, 'relayer', 30, NULL, 'pending', 'renew');

INSERT INTO audit_log (user_address, actor, api_key_id, action, resource_type, resource_id, details, ip)
SELECT '${WALLETS[0]}', 'session', NULL, a, 'subscription', '${SUBS[0]}', jsonb_build_object('n', n), '203.0.113.7'
  FROM unnest(ARRAY['subscription.create', 'subscription.pause', 'subscription.resume']) WITH ORDINALITY AS u(a, n);

INSERT INTO status_pages (user_address, slug, title, description) VALUES
  ('${WALLETS[0]}', 'acme', 'Acme status', 'Everything Acme runs.');
INSERT INTO status_page_subscriptions (page_id, subscription_id, position)
SELECT p.id, s.id, s.n FROM status_pages p,
  (VALUES ('${SUBS[0]}'::uuid, 1), ('${SUBS[1]}'::uuid, 2)) AS s(id, n);
INSERT INTO maintenance_windows (subscription_id, name, starts_at, ends_at, cron, duration_seconds, timezone) VALUES
  ('${SUBS[0]}', 'weekly patching', now() - interval '30 days', NULL, '0 2 * * 0', 5400, 'Europe/Madrid'),
  ('${SUBS[1]}', 'deploy', now() + interval '1 day', now() + interval '25 hours', NULL, NULL, 'UTC');
INSERT INTO heartbeats (subscription_id, token_hash, last_ping_at, last_status, last_message, ping_count) VALUES
  ('${SUBS[2]}', sha256('push-token'::bytea), now(), 'up', 'nightly job ok', 42);
INSERT INTO expiry_notices (subscription_id, expires_at, days_before, event_id)
SELECT id, expires_at, 3, '${EVENTS[2]}' FROM subscriptions WHERE id = '${SUBS[2]}';
INSERT INTO instance_owner (user_address) VALUES ('${WALLETS[2]}');
INSERT INTO sign_in_links (token_hash, user_address, expires_at, used_at) VALUES
  (sha256('link-used'::bytea), '${WALLETS[2]}', now() + interval '1 day', now()),
  (sha256('link-fresh'::bytea), '${WALLETS[2]}', now() + interval '1 day', NULL);
INSERT INTO user_wallets (wallet_address, user_address) VALUES ('0x${'d'.repeat(40)}', '${WALLETS[2]}');
INSERT INTO checkers (name, host, version, region, started_at, last_seen_at, checks_total,
    errors_total, checks_per_second) VALUES
  ('checker-a', 'host-a', '0.1.0', 'eu-west', now() - interval '1 hour', now(), 12345, 2, 3.5);
INSERT INTO probes (address, region, first_seen, last_seen) VALUES
  ('0x${'a'.repeat(40)}', 'eu-west', now() - interval '3 days', now());
INSERT INTO check_batches (probe, region, root, signature, digest, leaves, sealed_at, created_at,
    anchor_hour, hour_path) VALUES
  ('0x${'a'.repeat(40)}', 'eu-west', sha256('root'::bytea), sha256('sig'::bytea) || sha256('nature'::bytea),
   sha256('digest'::bytea), sha256('leaf-0'::bytea) || sha256('leaf-1'::bytea),
   now() - interval '2 hours', now() - interval '2 hours', date_trunc('hour', now()) - interval '2 hours',
   sha256('path'::bytea));
UPDATE check_history SET batch_id = 1, leaf_index = 0
 WHERE time = (SELECT max(time) FROM check_history) AND subscription_id = '${SUBS[0]}';
INSERT INTO check_anchors (hour, root, batches, chain_id, contract, tx_hash, block_number, published_at) VALUES
  (date_trunc('hour', now()) - interval '2 hours', sha256('hour'::bytea), 1, 43113,
   '0x${'c'.repeat(40)}', '0x${'e'.repeat(64)}', 12, now());
`;

interface TableState {
  rows: number;
  md5: string;
}

/**
 * Every table and partition in public (and TimescaleDB's chunks, where they live), not members of
 * an extension: its row count and an md5 of its rows as text, in a stable order.
 */
async function tableStates(url: string): Promise<Record<string, TableState>> {
  return withClient(url, async (c) => {
    const { rows: tables } = await c.query<{ name: string }>(`
      SELECT format('%I.%I', n.nspname, c.relname) AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p')
         AND n.nspname IN ('public', '_timescaledb_internal')
         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
       ORDER BY 1`);
    const states: Record<string, TableState> = {};
    for (const { name } of tables) {
      const { rows } = await c.query<{ n: number; md5: string }>(
        `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS md5
           FROM ${name} t`,
      );
      states[name] = { rows: rows[0]!.n, md5: rows[0]!.md5 };
    }
    return states;
  });
}

/** What else a restore must bring back: indexes, constraints, triggers, functions, sequences. */
async function schemaObjects(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query<{ object: string }>(`
      WITH ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e')
      SELECT 'index ' || indexname || ': ' || indexdef AS object FROM pg_indexes WHERE schemaname = 'public'
      UNION ALL
      SELECT 'constraint ' || conrelid::regclass || '.' || conname || ': ' || pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace
      UNION ALL
      SELECT 'trigger ' || tgrelid::regclass || '.' || tgname FROM pg_trigger WHERE NOT tgisinternal
      UNION ALL
      SELECT 'function ' || p.oid::regprocedure FROM pg_proc p
       WHERE p.pronamespace = 'public'::regnamespace
         AND NOT EXISTS (SELECT 1 FROM ext WHERE classid = 'pg_proc'::regclass AND objid = p.oid)
      UNION ALL
      SELECT 'sequence ' || sequencename || ' at ' || coalesce(last_value::text, 'unused')
        FROM pg_sequences WHERE schemaname = 'public'
      ORDER BY 1`);
    return rows.map((r) => r.object);
  });
}

/**
 * A database made from template0 (so without any extension, whatever the server's template1
 * holds), with `setup` run in it.
 */
async function bareDatabase(setup: string): Promise<TestDatabase> {
  const name = newDatabaseName('b');
  const url = await createDatabase(name, 'template0');
  const database = { name, url, drop: () => dropDatabase(name) };
  if (setup) await withClient(url, (c) => c.query(setup));
  return database;
}

const sha256File = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

let workDir: string;
let source: TestDatabase | undefined;
let target: TestDatabase | undefined;
let dumpFile: string;
let sourceStates: Record<string, TableState>;
let sourceObjects: string[];

describe(`scripts/backup.sh and scripts/restore.sh (${tools.label}; ${engine})`, () => {
  beforeAll(async () => {
    if (tools.problem) throw new Error(tools.problem);
    const serverMajor = await withClient(testEnv().databaseUrl, async (c) => {
      const { rows } = await c.query<{ v: string }>(
        `SELECT current_setting('server_version_num') AS v`,
      );
      return Math.floor(Number(rows[0]!.v) / 10000);
    });
    if (tools.dumpMajor < serverMajor) {
      throw new Error(
        `pg_dump on PATH is major ${tools.dumpMajor}, the server at DATABASE_URL is ${serverMajor}: ` +
          `pg_dump cannot dump a newer server; put the client tools of major ${serverMajor} first on PATH`,
      );
    }
    workDir = await mkdtemp(join(tmpdir(), 'lighthouse-backup-'));
    source = await createTestDatabase();
    target = await createEmptyDatabase();
    await withClient(source.url, async (c) => {
      await c.query(FIXTURE);
    });
    sourceStates = await tableStates(source.url);
    sourceObjects = await schemaObjects(source.url);
  });

  afterAll(async () => {
    await source?.drop();
    await target?.drop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('the fixture fills every table, and check_history spans four days of partitions', async () => {
    const empty = Object.entries(sourceStates)
      .filter(([name, s]) => s.rows === 0 && !/^public\.check_history_p\d{8}$/.test(name))
      .filter(([name]) => !name.startsWith('_timescaledb_internal.'))
      .map(([name]) => name);
    expect(empty).toEqual([]);
    const leaves = await withClient(source!.url, async (c) => {
      const { rows } = await c.query<{ n: number }>(
        'SELECT count(DISTINCT tableoid)::int AS n FROM check_history',
      );
      return rows[0]!.n;
    });
    expect(leaves).toBeGreaterThanOrEqual(4);
    expect(sourceStates['public.check_history']!.rows).toBeGreaterThan(1000);
  });

  it(`backs up: a custom-format dump, its manifest, the upload, and old dumps pruned`, async () => {
    const dir = join(workDir, 'backups');
    const bin = join(workDir, 'bin');
    await mkdir(dir, { recursive: true });
    await mkdir(bin, { recursive: true });
    for (const stamp of ['20200101T000000Z', '20200102T000000Z']) {
      await writeFile(join(dir, `lighthouse-${stamp}.dump`), 'old');
      await writeFile(join(dir, `lighthouse-${stamp}.manifest.json`), '{}');
    }
    // a stand-in aws CLI that records what it was asked to do
    const awsLog = join(workDir, 'aws.log');
    await writeFile(join(bin, 'aws'), `#!/bin/sh\necho "$*" >> "${awsLog}"\n`);
    await chmod(join(bin, 'aws'), 0o755);

    const result = await run(backupScript, [source!.url], {
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      BACKUP_DIR: dir,
      BACKUP_KEEP: '2',
      BACKUP_S3_URI: 's3://lighthouse-backups/prod/',
    });
    expect(result.code).toBe(0);

    const files = (await readdir(dir)).sort();
    const dumps = files.filter((f) => f.endsWith('.dump'));
    expect(dumps).toHaveLength(2);
    expect(dumps[0]).toBe('lighthouse-20200102T000000Z.dump');
    expect(files).not.toContain('lighthouse-20200101T000000Z.manifest.json');
    const name = dumps[1]!.replace(/\.dump$/, '');
    expect(name).toMatch(/^lighthouse-\d{8}T\d{6}Z$/);
    dumpFile = join(dir, `${name}.dump`);

    const bytes = await readFile(dumpFile);
    expect(bytes.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump's custom format
    const manifest = JSON.parse(
      await readFile(join(dir, `${name}.manifest.json`), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      file: `${name}.dump`,
      sha256: await sha256File(dumpFile),
      size_bytes: bytes.length,
      format: 'custom',
      database: source!.name,
      migration_head: MIGRATION_HEAD,
      timescaledb_version: timescale ? engine.split(' ')[1] : '',
    });
    expect(String(manifest.pg_dump_version).split('.')[0]).toBe(String(tools.dumpMajor));

    expect((await readFile(awsLog, 'utf8')).trim().split('\n')).toEqual([
      `s3 cp --only-show-errors ${dumpFile} s3://lighthouse-backups/prod/${name}.dump`,
      `s3 cp --only-show-errors ${join(dir, `${name}.manifest.json`)} s3://lighthouse-backups/prod/${name}.manifest.json`,
    ]);
  });

  // skipped only where aws sits in the same folder as pg_dump, so that no PATH can hide it alone
  (noAwsPath === null ? it.skip : it)(
    'fails, keeping the local dump, when BACKUP_S3_URI is set but the aws CLI is missing',
    async () => {
      const dir = join(workDir, 'no-aws');
      const result = await run(backupScript, [], {
        PATH: noAwsPath ?? '',
        DATABASE_URL: source!.url,
        BACKUP_DIR: dir,
        BACKUP_S3_URI: 's3://lighthouse-backups/prod',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('BACKUP_S3_URI is set');
      expect(result.stderr).toContain('aws CLI is not on PATH');
      expect((await readdir(dir)).filter((f) => f.endsWith('.dump'))).toHaveLength(1);
    },
  );

  it('restores into an empty database: every table and partition, row for row, and the schema', async () => {
    const result = await run(restoreScript, ['--jobs', '2', dumpFile, target!.url], {});
    expect({ code: result.code, out: explain(result) }).toMatchObject({ code: 0 });
    expect(result.stdout).toMatch(/check_history\s+\|\s+\d+/);
    expect(result.stdout).toContain(`migration head: ${MIGRATION_HEAD}`);
    if (timescale) expect(result.stdout).toContain('timescaledb_pre_restore');

    expect(await tableStates(target!.url)).toEqual(sourceStates);
    expect(await schemaObjects(target!.url)).toEqual(sourceObjects);
  });

  it('refuses a target that is not empty, and changes nothing there', async () => {
    const result = await run(restoreScript, [dumpFile], { DATABASE_URL: source!.url });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/is not empty \(\d+ relations, e\.g\. public\./);
    expect(result.stderr).toContain('--force');
    expect(await tableStates(source!.url)).toEqual(sourceStates);
  });

  it('names public tables first when it refuses a target that is not empty', async () => {
    // what a down migration of an older release left on TimescaleDB: chunks outside the catalog
    const busy = await bareDatabase(`
      CREATE SCHEMA _timescaledb_internal;
      CREATE TABLE _timescaledb_internal._hyper_1_1_chunk (x int);
      CREATE TABLE _timescaledb_internal._compressed_hyper_2_2_chunk (x int);
      CREATE SCHEMA archive;
      CREATE TABLE archive.checks_2025 (x int);
      CREATE TABLE public.users (x int);
      CREATE TABLE public.subscriptions (x int);`);
    try {
      const result = await run(restoreScript, [dumpFile, busy.url], {});
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'is not empty (5 relations, e.g. public.subscriptions, public.users, archive.checks_2025, ' +
          '_timescaledb_internal._compressed_hyper_2_2_chunk, _timescaledb_internal._hyper_1_1_chunk)',
      );
    } finally {
      await busy.drop();
    }
  });

  it("restores a dump holding TimescaleDB's catalog in one job, saying why, while a plain dump honours --jobs", async () => {
    // restore.sh reads the table of contents only, so a schema of that name on plain PostgreSQL
    // stands for TimescaleDB's catalog; a pg_restore on PATH before the real one records its calls
    const realRestore = execFileSync('bash', ['-c', 'command -v pg_restore'], {
      encoding: 'utf8',
    }).trim();
    const bin = join(workDir, 'recording-bin');
    const calls = join(workDir, 'pg_restore.calls');
    await mkdir(bin, { recursive: true });
    await writeFile(
      join(bin, 'pg_restore'),
      `#!/bin/sh\ncase " $* " in *" --dbname="*) echo "$*" >> "${calls}" ;; esac\nexec "${realRestore}" "$@"\n`,
    );
    await chmod(join(bin, 'pg_restore'), 0o755);
    const recording = { PATH: `${bin}:${process.env.PATH ?? ''}` };

    const timescaleLike = await bareDatabase(`
      CREATE SCHEMA _timescaledb_catalog;
      CREATE TABLE _timescaledb_catalog.hypertable (id int PRIMARY KEY, table_name text NOT NULL);
      INSERT INTO _timescaledb_catalog.hypertable VALUES (1, 'check_history');
      CREATE TABLE public.things (id int PRIMARY KEY);
      INSERT INTO public.things SELECT generate_series(1, 100);`);
    const plain = await bareDatabase(`
      CREATE TABLE public.things (id int PRIMARY KEY);
      INSERT INTO public.things SELECT generate_series(1, 100);`);
    const targets = [await bareDatabase(''), await bareDatabase('')];
    try {
      const dumps = [join(workDir, 'timescale-like.dump'), join(workDir, 'plain.dump')];
      execFileSync('pg_dump', ['-Fc', '-f', dumps[0]!, timescaleLike.url]);
      execFileSync('pg_dump', ['-Fc', '-f', dumps[1]!, plain.url]);

      const one = await run(restoreScript, ['--jobs', '3', dumps[0]!, targets[0]!.url], recording);
      expect({ code: one.code, out: explain(one) }).toMatchObject({ code: 0 });
      expect(one.stdout).toContain('restoring in 1 job, not 3: this is a TimescaleDB dump');
      expect(one.stdout).toContain(
        "its table of contents lists TimescaleDB's catalog (_timescaledb_catalog)",
      );
      expect(one.stdout).toMatch(/with pg_restore \S+, 1 job\(s\)/);

      const many = await run(restoreScript, ['--jobs', '3', dumps[1]!, targets[1]!.url], recording);
      expect({ code: many.code, out: explain(many) }).toMatchObject({ code: 0 });
      expect(many.stdout).not.toContain('restoring in 1 job');
      expect(many.stdout).toMatch(/with pg_restore \S+, 3 job\(s\)/);

      // what pg_restore was actually asked to do
      const asked = (await readFile(calls, 'utf8')).trim().split('\n');
      expect(asked).toHaveLength(2);
      expect(asked[0]).toContain('--jobs=1 ');
      expect(asked[0]).toContain(dumps[0]);
      expect(asked[1]).toContain('--jobs=3 ');
      expect(asked[1]).toContain(dumps[1]);
      for (const target of targets) {
        const rows = await withClient(target.url, async (c) => {
          const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM things');
          return rows[0]!.n;
        });
        expect(rows).toBe(100);
      }
      const catalog = await withClient(targets[0]!.url, async (c) => {
        const { rows } = await c.query<{ table_name: string }>(
          'SELECT table_name FROM _timescaledb_catalog.hypertable',
        );
        return rows;
      });
      expect(catalog).toEqual([{ table_name: 'check_history' }]);
    } finally {
      for (const db of [timescaleLike, plain, ...targets]) await db.drop();
    }
  });

  it('refuses a dump that does not match its manifest', async () => {
    const copy = join(workDir, 'lighthouse-20300101T000000Z.dump');
    const bytes = await readFile(dumpFile);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    await writeFile(copy, bytes);
    const manifest = await readFile(dumpFile.replace(/\.dump$/, '.manifest.json'), 'utf8');
    await writeFile(copy.replace(/\.dump$/, '.manifest.json'), manifest);
    // checked before the target is touched: any database will do
    const result = await run(restoreScript, [copy, target!.url], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('corrupted or not the same file');
  });

  it(`with RESTORE_FORCE=1 ${timescale ? 'refuses (a TimescaleDB dump)' : 'replaces a non-empty target'}, and the result is usable`, async () => {
    await withClient(target!.url, (c) =>
      c.query(`DELETE FROM check_history WHERE time > now() - interval '1 day'`),
    );
    const result = await run(restoreScript, [dumpFile, target!.url], { RESTORE_FORCE: '1' });
    if (timescale) {
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('--force is not supported for a TimescaleDB dump');
      return;
    }
    expect({ code: result.code, out: explain(result) }).toMatchObject({ code: 0 });
    expect(result.stdout).toContain('--force: the target is not empty');
    expect(await tableStates(target!.url)).toEqual(sourceStates);

    // what the services do next: new rows land in today's partition, identities go on
    await withClient(target!.url, async (c) => {
      await c.query(
        `INSERT INTO check_history (time, subscription_id, status) VALUES (now(), $1, 'up')`,
        [SUBS[0]],
      );
      const { rows } = await c.query<{ id: string }>(
        `INSERT INTO audit_log (user_address, actor, action, resource_type)
         VALUES ($1, 'system', 'restore.verify', 'database') RETURNING id::text`,
        [WALLETS[0]],
      );
      expect(Number(rows[0]!.id)).toBe(sourceStates['public.audit_log']!.rows + 1);
    });
  });

  it('says what it needs when called wrongly', async () => {
    const noArgs = await run(restoreScript, [], {});
    expect(noArgs.code).toBe(2);
    expect(noArgs.stderr).toContain('which dump?');
    const noUrl = await run(backupScript, [], {});
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('DATABASE_URL');

    // a URL's password never reaches the output
    const wrong = new URL(source!.url);
    wrong.password = 'never-printed-secret';
    wrong.pathname = '/lh_no_such_database';
    const unreachable = await run(backupScript, [wrong.toString()], {
      BACKUP_DIR: join(workDir, 'unreachable'),
    });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(':***@');
    expect(unreachable.stdout + unreachable.stderr).not.toContain('never-printed-secret');
    for (const script of [backupScript, restoreScript]) {
      const help = await run(script, ['--help'], {});
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: scripts\//);
    }
  });
});
