import { createDb, recordResults, records, type CheckRow, type Db } from '@lighthouse/db';
import {
  compileContract,
  createTestDatabase,
  newQueuePrefix,
  prepareCheckHistory,
  startEvmNode,
  startService,
  testEnv,
  testProbeKey,
  type EvmNode,
  type ServiceProcess,
  type TestDatabase,
} from '@lighthouse/testing';
import {
  ANCHOR_BYTECODE,
  batchDigest,
  buildTreeYielding,
  createSealer,
  gapsOf,
  pathInTree,
  uptimeOf,
  type RecordsReport,
} from '@lighthouse/verify';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The "done when": a monitor on a published status page has a month of signed records;
// the scheduler (a real process) folds them into an hour's root and anchors it on a local chain;
// a visitor follows the page's link to the SLA report and checks it with lighthouse-verify
// against that chain. A forged anchor does not verify.

const root = join(__dirname, '..', '..');
const CLI = join(root, 'packages', 'verify', 'dist', 'cli.js');
const DAY = 86_400_000;
const INTERVAL_S = 600;

let database: TestDatabase;
let db: Db;
let chain: EvmNode;
let dir: string;
const services: ServiceProcess[] = [];
let api: string;
let subscriptionId: string;
let contract: string;

function cli(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A month of a monitor's checks every 10 minutes, with another's in the same batches. */
async function seedMonth(owner: string, other: string): Promise<void> {
  const sealer = await createSealer({
    privateKey: testProbeKey('local'),
    instanceId: await records.instanceId(db),
    region: 'local',
  });
  await records.registerProbe(db, { address: sealer.address, region: 'local' });
  // listed since before the month began, as a probe that has run all along
  await db
    .updateTable('probes')
    .set({ first_seen: new Date(Date.now() - 40 * DAY) })
    .where('address', '=', sealer.address)
    .execute();
  await prepareCheckHistory(db, -32, 0);
  const start = Math.floor((Date.now() - 31 * DAY) / 3_600_000) * 3_600_000;
  for (let h = 0; h < 30 * 24; h += 1) {
    const rows: CheckRow[] = [];
    for (let m = 0; m < 60; m += INTERVAL_S / 60) {
      for (const id of [owner, other]) {
        const down = id === owner && h % 50 === 7;
        rows.push({
          time: new Date(start + h * 3_600_000 + m * 60_000),
          subscription_id: id,
          status: down ? 'down' : 'up',
          http_status: down ? 503 : 200,
          response_time_ms: 30 + (h % 40),
          timings: null,
          error_category: down ? 'http_status' : null,
          error_message: down ? 'HTTP 503' : null,
          body_excerpt: null,
          schedule_lag_ms: 5,
          region: 'local',
        });
      }
    }
    const batch = sealer.seal(
      rows.map((r) => ({ ...r, time: r.time.toISOString() })),
      start + (h + 1) * 3_600_000,
    );
    await recordResults(db, rows, { graceMs: null, batch });
  }
  // written back then, as they were signed (the scheduler folds batches by when they were written)
  await db
    .updateTable('check_batches')
    .set((eb) => ({ created_at: eb.ref('sealed_at') }))
    .execute();
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 2 });
  dir = mkdtempSync(join(tmpdir(), 'lh-records-'));
  chain = await startEvmNode({ chainId: 31337 });
  const deployer = chain.accounts[0]!;

  // the contract, deployed as the README says
  const deployed = await cli(['deploy-anchor', '--rpc', chain.url], {
    ANCHOR_PRIVATE_KEY: deployer,
  });
  expect(deployed.code).toBe(0);
  contract = /at (0x[0-9a-fA-F]{40})/.exec(deployed.stdout)![1]!;

  const owner = `0x${randomBytes(20).toString('hex')}`;
  await db.insertInto('users').values({ wallet_address: owner }).execute();
  const subscription = (name: string) =>
    db
      .insertInto('subscriptions')
      .values({
        user_address: owner,
        name,
        target_type: 'http',
        target_config: '{}',
        target_secret: 'v1:x',
        tier: 'free',
        check_frequency_seconds: INTERVAL_S,
        next_check_at: new Date(Date.now() + DAY),
        active: false,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  subscriptionId = (await subscription('Public API')).id;
  const other = (await subscription('Private thing')).id;
  const page = await db
    .insertInto('status_pages')
    .values({ user_address: owner, slug: 'acme', title: 'Acme status' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('status_page_subscriptions')
    .values({ page_id: page.id, subscription_id: subscriptionId, position: 0 })
    .execute();
  await seedMonth(subscriptionId, other);

  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv().redisUrl,
    QUEUE_PREFIX: newQueuePrefix(),
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
  };
  const scheduler = startService('scheduler', {
    ...common,
    ANCHOR_GRACE_SECONDS: '0',
    ANCHOR_RPC_URL: chain.url,
    ANCHOR_PRIVATE_KEY: deployer,
    ANCHOR_CONTRACT: contract,
  });
  const apiProcess = startService('api', {
    ...common,
    PORT: '0',
    HOST: '127.0.0.1',
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
  });
  services.push(scheduler, apiProcess);
  const port = (await apiProcess.waitFor(/"message":"api listening".*?"port":(\d+)/))[1];
  api = `http://127.0.0.1:${port}`;
  // the first round folds every batch written before this hour, and publishes it
  await scheduler.waitFor(/hour published on chain/, 60_000);
}, 180_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await db?.destroy();
  await chain?.stop();
  await database?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const getJson = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const res = await fetch(`${api}${path}`);
  return { status: res.status, body: (await res.json()) as T };
};

describe('verifiable records, end to end', () => {
  let reportFile: string;
  let report: RecordsReport;

  it('the deployed contract is the one its source compiles to', async () => {
    const compiled = await compileContract(
      join(root, 'packages', 'verify', 'contracts', 'LighthouseAnchor.sol'),
      'LighthouseAnchor',
    );
    expect(compiled.bytecode).toBe(ANCHOR_BYTECODE);
  });

  it('lists the probe and the anchored hour publicly', async () => {
    const probes = await getJson<{ items: { address: string; region: string }[] }>('/v1/probes');
    expect(probes.body.items.map((p) => p.region)).toEqual(['local']);
    const anchors = await getJson<{
      items: { batches: number; tx_hash: string; contract: string }[];
    }>('/v1/anchors');
    expect(anchors.body.items).toHaveLength(1);
    expect(anchors.body.items[0]).toMatchObject({ batches: 720, contract });
    expect(anchors.body.items[0]!.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
  });

  it("downloads the month's SLA report from the status page's link, and it verifies on chain", async () => {
    const page = await getJson<{ subscriptions: { id: string; sla_report_url: string }[] }>(
      '/v1/status/acme',
    );
    const link = page.body.subscriptions[0]!.sla_report_url;
    const to = new Date().toISOString();
    const from = new Date(Date.now() - 32 * DAY).toISOString();
    const res = await fetch(`${api}${link}?from=${from}&to=${to}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="lighthouse-sla-/);
    report = (await res.json()) as RecordsReport;
    expect(report.rows).toHaveLength(30 * 24 * 6);
    expect(report.unsigned).toBe(0);
    reportFile = join(dir, 'report.json');
    writeFileSync(reportFile, JSON.stringify(report));

    const verified = await cli([reportFile, '--rpc', chain.url]);
    expect(verified.stderr).toBe('');
    expect(verified.code).toBe(0);
    const down = report.rows.filter((r) => r.status === 'down').length;
    expect(down).toBeGreaterThan(0);
    expect(verified.stdout).toContain(`verified: Public API (${subscriptionId})`);
    expect(verified.stdout).toContain(`${4320 - down} up, 0 degraded, ${down} down of 4320 checks`);
    expect(verified.stdout).toContain('1 hour root(s) found on chain');
  });

  it('a proof of one check verifies too', async () => {
    const slot = report.rows[100]!.time;
    const res = await getJson<RecordsReport>(
      `/v1/subscriptions/${subscriptionId}/checks/${slot}/proof`,
    );
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([report.rows[100]]);
    const file = join(dir, 'proof.json');
    writeFileSync(file, JSON.stringify(res.body));
    expect((await cli([file, '--rpc', chain.url])).code).toBe(0);
  });

  it('hiding an hour of downtime, with a forged anchor that fits the file, is caught by the chain', async () => {
    // the operator takes out the batch that holds a down check, with its rows, declares the gap,
    // recomputes the uptime, and rebuilds the hour's root over the batches left
    const forged = JSON.parse(JSON.stringify(report)) as RecordsReport;
    const down = forged.rows.findIndex((r) => r.status === 'down');
    const at = forged.batches.findIndex((b) => b.rows.includes(down));
    const dropped = new Set(forged.batches[at]!.rows);
    const keep = forged.rows.map((_, i) => i).filter((i) => !dropped.has(i));
    const renumber = new Map(keep.map((old, i) => [old, i]));
    forged.rows = keep.map((i) => forged.rows[i]!);
    forged.batches.splice(at, 1);
    for (const b of forged.batches) b.rows = b.rows.map((r) => renumber.get(r)!);
    forged.gaps = gapsOf(forged.rows, forged.subscription.interval_seconds);
    forged.uptime = uptimeOf(forged.rows);
    const digests = forged.batches.map((b) =>
      batchDigest(forged.instance, {
        root: b.root,
        leaves: b.leaves,
        region: b.region,
        sealed_at: b.sealed_at,
      }),
    );
    const tree = await buildTreeYielding(digests);
    forged.anchors[0]!.root = tree[0]!;
    forged.batches.forEach((b, i) => {
      b.hour_path = pathInTree(tree, digests.length, i);
    });
    expect(forged.uptime.down).toBeLessThan(report.uptime.down);
    const file = join(dir, 'forged.json');
    writeFileSync(file, JSON.stringify(forged));
    // without a chain the file holds together (the gap shows); the chain refuses it
    const offline = await cli([file]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain('1 stretch(es) without records');
    const checked = await cli([file, '--rpc', chain.url]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /NOT VERIFIED: hour .*: the chain holds root 0x[0-9a-f]{64} at 0x[0-9a-fA-F]{40}, and the report says 0x/,
    );
  });

  it('names a changed row, and refuses bad input with a 400 naming the field', async () => {
    const tampered = JSON.parse(JSON.stringify(report)) as RecordsReport;
    tampered.rows[3]!.response_time_ms = 1;
    const file = join(dir, 'tampered.json');
    writeFileSync(file, JSON.stringify(tampered));
    const checked = await cli([file]);
    expect(checked.code).toBe(1);
    expect(checked.stderr).toMatch(
      /NOT VERIFIED: batch \d+: its rows do not give its signed root: .*row 3 /,
    );

    const bad = await getJson<{ error: { details: { fields: { field: string }[] } } }>(
      `/v1/subscriptions/${subscriptionId}/sla-report?from=yesterday`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0]!.field).toBe('from');
    const long = await getJson<{ error: { details: { fields: { field: string }[] } } }>(
      `/v1/subscriptions/${subscriptionId}/sla-report?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z`,
    );
    expect(long.status).toBe(400);
    expect(long.body.error.details.fields[0]!.field).toBe('from');
  });
});
