import { applyResult, type MonitorSnapshot } from '@lighthouse/domain';
import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  signInOverHttp,
  startService,
  testEnv,
  type ServiceProcess,
  type TestDatabase,
  TEST_METRICS_TOKEN,
} from '@lighthouse/testing';
import { verifyReport, type RecordsReport } from '@lighthouse/verify';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';

// api, scheduler and two checkers as separate processes against a target on loopback
// that is switched up → down → up; then a checker is killed mid-probe.

const root = join(__dirname, '..', '..');
let database: TestDatabase;
let prefix: string;
let pg: Client;
let target: Server;
let targetUrl: string;
let mode: 'up' | 'down' = 'up';
const services: ServiceProcess[] = [];
let api: string;
let token: string;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = newQueuePrefix();
  pg = new Client({ connectionString: database.url });
  await pg.connect();

  target = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200).end('slow but fine'), 2_500);
      return;
    }
    if (mode === 'up')
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    else res.writeHead(503).end('maintenance');
  });
  await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  const address = target.address();
  targetUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const common = {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv().redisUrl,
    QUEUE_PREFIX: prefix,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    LIGHTHOUSE_MODE: 'service',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
  };
  const apiProcess = startService('api', {
    ...common,
    PORT: '0',
    HOST: '127.0.0.1',
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    SIWE_DOMAIN: 'lighthouse.test',
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    LIGHTHOUSE_TIERS: join(root, 'packages', 'testing', 'tiers.test.json'),
  });
  const scheduler = startService('scheduler', {
    ...common,
    SCHEDULER_TICK_MS: '100',
    RELAY_INTERVAL_MS: '100',
  });
  const checkerEnv = {
    ...common,
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    CHECKER_CONCURRENCY: '20',
    CHECKER_LOCK_MS: '2000',
    CHECKER_STALLED_INTERVAL_MS: '500',
    SUBSCRIPTION_CACHE_MS: '500',
  };
  services.push(
    apiProcess,
    scheduler,
    startService('checker', { ...checkerEnv, CHECKER_NAME: 'checker-0' }),
    startService('checker', { ...checkerEnv, CHECKER_NAME: 'checker-1' }),
  );
  const port = (await apiProcess.waitFor(/"message":"api listening".*?"port":(\d+)/))[1];
  api = `http://127.0.0.1:${port}`;
  await Promise.all([
    scheduler.waitFor(/scheduler running/),
    ...services.slice(2).map((c) => c.waitFor(/checker running/)),
  ]);

  token = await signInOverHttp(api, 'lighthouse.test');
}, 60_000);

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop('SIGKILL')));
  await new Promise((resolve) => target.close(resolve));
  await pg.end();
  await database.drop();
  await deleteQueuePrefix(prefix);
});

async function createSubscription(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${api}/v1/subscriptions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      target_type: 'http',
      tier: 'team',
      check_frequency_seconds: 1,
      ...body,
    }),
  });
  const json = (await res.json()) as { id: string };
  expect(res.status).toBe(201);
  return json.id;
}

async function stateOf(id: string): Promise<string> {
  const res = await fetch(`${api}/v1/subscriptions/${id}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  return ((await res.json()) as { state: string }).state;
}

async function waitForState(id: string, state: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await stateOf(id)) === state) return;
    await sleep(200);
  }
  throw new Error(
    `subscription never became ${state} (is ${await stateOf(id)})\n${services.map((s) => s.output().slice(-1500)).join('\n')}`,
  );
}

it('follows a target up → down → up: rows with timings, thresholds, one event per transition', async () => {
  const id = await createSubscription({
    name: 'flipping target',
    target_config: {
      url: `${targetUrl}/health`,
      json_assertion: { path: '$.status', operator: 'eq', value: 'ok' },
    },
    failure_threshold: 2,
    recovery_threshold: 2,
  });
  await waitForState(id, 'up');
  mode = 'down';
  await waitForState(id, 'down');
  mode = 'up';
  await waitForState(id, 'up');

  const { rows } = await pg.query<{
    time: Date;
    status: 'up' | 'down' | 'degraded';
    http_status: number;
    timings: Record<string, number>;
    error_category: string | null;
  }>(
    'SELECT time, status, http_status, timings, error_category FROM check_history WHERE subscription_id = $1 ORDER BY time',
    [id],
  );
  expect(rows.length).toBeGreaterThanOrEqual(5);
  const up = rows.find((r) => r.status === 'up');
  expect(up?.http_status).toBe(200);
  expect(up?.timings.total).toBeGreaterThan(0);
  expect(up?.timings).toHaveProperty('first_byte');
  const down = rows.find((r) => r.status === 'down');
  expect(down).toMatchObject({ http_status: 503, error_category: 'status' });

  // replaying the stored rows through the state machine gives exactly the recorded events
  let snapshot: MonitorSnapshot = {
    state: 'unknown',
    consecutive_failures: 0,
    consecutive_successes: 0,
    last_scheduled_at: null,
  };
  const expected: string[] = [];
  for (const row of rows) {
    const r = applyResult(
      snapshot,
      { failure_threshold: 2, recovery_threshold: 2 },
      { status: row.status, slot: row.time },
    );
    if (r.transition) expected.push(`${r.transition.from}->${r.transition.to}`);
    snapshot = r.next;
  }
  const events = await pg.query<{
    id: string;
    from_state: string;
    to_state: string;
    published_at: Date | null;
  }>(
    'SELECT id, from_state, to_state, published_at FROM state_events WHERE subscription_id = $1 ORDER BY slot_time',
    [id],
  );
  const recorded = events.rows.map((e) => `${e.from_state}->${e.to_state}`);
  expect(recorded).toEqual(expected.slice(0, recorded.length));
  expect(recorded.slice(0, 3)).toEqual(['unknown->up', 'up->down', 'down->up']);

  // every event reaches the alerts queue under its own id
  const alerts = new Queue('alerts', { connection: { url: testEnv().redisUrl }, prefix });
  try {
    const until = Date.now() + 10_000;
    let published = events.rows.slice(0, 3);
    while (Date.now() < until) {
      const check = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM state_events WHERE subscription_id = $1 AND published_at IS NULL',
        [id],
      );
      if (Number(check.rows[0]?.n) === 0) break;
      await sleep(100);
    }
    for (const e of published) expect(await alerts.getJob(e.id)).toBeDefined();
    published = [];
  } finally {
    await alerts.close();
  }

  const incidents = await pg.query<{ started_at: Date; resolved_at: Date | null }>(
    'SELECT started_at, resolved_at FROM incidents WHERE subscription_id = $1',
    [id],
  );
  expect(incidents.rows).toHaveLength(1);
  expect(incidents.rows[0]?.resolved_at).not.toBeNull();
}, 90_000);

it("signs what the checkers write: every row is in a probe's batch, and the SLA report verifies", async () => {
  const id = await createSubscription({ target_config: { url: `${targetUrl}/` }, name: 'signed' });
  await waitForState(id, 'up');
  const unsigned = await pg.query<{ n: string }>(
    'SELECT count(*) AS n FROM check_history WHERE batch_id IS NULL',
  );
  expect(Number(unsigned.rows[0]?.n)).toBe(0);
  const res = await fetch(`${api}/v1/subscriptions/${id}/sla-report`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status).toBe(200);
  const report = (await res.json()) as RecordsReport;
  expect(report.rows.length).toBeGreaterThan(0);
  const verified = await verifyReport(report);
  expect(verified.uptime.total).toBe(report.rows.length);
  // both checkers run in the default region with its test key: one probe
  expect(verified.probes).toEqual([report.probes[0]!.address]);
  expect(verified.batches_unanchored).toBe(report.batches.length);
}, 30_000);

it('retries the slot of a checker killed mid-probe, without a duplicate row', async () => {
  const id = await createSubscription({
    name: 'slow target',
    target_config: { url: `${targetUrl}/slow`, timeout_ms: 10_000 },
  });
  const checks = new Queue('checks', { connection: { url: testEnv().redisUrl }, prefix });
  try {
    // wait until a checker holds probes for the slow target, then kill that checker
    type Batch = { slots: { subscriptionId: string; scheduledAt: string }[] };
    const holds = (data: Batch): Date[] =>
      data.slots.filter((s) => s.subscriptionId === id).map((s) => new Date(s.scheduledAt));
    let inFlight: { id: string; by: string; slots: Date[] }[] = [];
    for (let i = 0; i < 100 && inFlight.length === 0; i += 1) {
      await sleep(100);
      inFlight = (await checks.getActive())
        .filter((j) => j.processedBy && holds(j.data as Batch).length > 0)
        .map((j) => ({
          id: String(j.id),
          by: String(j.processedBy),
          slots: holds(j.data as Batch),
        }));
    }
    expect(inFlight.length).toBeGreaterThan(0);
    const victimName = inFlight[0]!.by;
    const victim = services[2 + Number(victimName.split('-')[1])]!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const orphaned = inFlight.filter((j) => j.by === victimName);

    // the surviving checker picks the stalled slots up; each gets exactly one row
    const slots = orphaned.flatMap((j) => j.slots);
    const until = Date.now() + 30_000;
    let found = 0;
    while (Date.now() < until) {
      const { rows } = await pg.query<{ n: string }>(
        'SELECT count(*) AS n FROM check_history WHERE subscription_id = $1 AND time = ANY($2::timestamptz[])',
        [id, slots],
      );
      found = Number(rows[0]?.n);
      if (found === slots.length) break;
      await sleep(250);
    }
    expect(found).toBe(slots.length);
    // and they were taken over: the job moved to the other checker
    for (const job of orphaned)
      expect((await checks.getJob(job.id))?.processedBy ?? 'removed').not.toBe(victimName);
    const dupes = await pg.query(
      'SELECT time FROM check_history GROUP BY subscription_id, time HAVING count(*) > 1',
    );
    expect(dupes.rows).toHaveLength(0);
  } finally {
    await checks.close();
  }
}, 90_000);

it('drains on SIGTERM: every service exits 0', async () => {
  const codes = await Promise.all(
    services
      .filter((s) => s.child.exitCode === null && s.child.signalCode === null)
      .map((s) => s.stop('SIGTERM')),
  );
  expect(codes.every((c) => c === 0)).toBe(true);
}, 60_000);
