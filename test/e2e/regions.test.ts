import { startService, type ServiceProcess } from '@lighthouse/testing';
import { createServer, type Server } from 'node:http';
import { startStack, webhook, watch, type Stack } from './alerting-stack';

// Three regions on one machine: each region's checker connects from its own loopback address
// (CHECKER_SOURCE_ADDRESS 127.0.0.2, .3, .4), and the target refuses the addresses of the
// regions a test "partitions" from it. A monitor checked from the three with a majority
// quorum: one region partitioned → no alert, its rows down; two → one alert naming both; a
// region's checker killed → its slots missing, nothing alerts, and the operator is told.

jest.setTimeout(120_000);

const REGIONS = [
  { region: 'r-a', address: '127.0.0.2' },
  { region: 'r-b', address: '127.0.0.3' },
  { region: 'r-c', address: '127.0.0.4' },
];

let stack: Stack;
let target: Server;
let targetUrl: string;
const partitioned = new Set<string>();
const checkers = new Map<string, ServiceProcess>();
let id: string;

beforeAll(async () => {
  // a target that drops connections from partitioned source addresses
  target = createServer((_req, res) => res.writeHead(200).end('ok'));
  target.on('connection', (socket) => {
    if (partitioned.has(socket.remoteAddress?.replace(/^::ffff:/, '') ?? '')) socket.destroy();
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const address = target.address();
  targetUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;

  stack = await startStack({
    mode: 'self-hosted',
    scheduler: { VERDICT_GRACE_SECONDS: '1', REGION_DARK_AFTER_SECONDS: '5' },
    api: { REGION_DARK_AFTER_SECONDS: '5', LIGHTHOUSE_MIN_INTERVAL_SECONDS: '1' },
  });
  for (const { region, address } of REGIONS) {
    const checker = startService('checker', {
      ...stack.env,
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
      SUBSCRIPTION_CACHE_MS: '500',
      CHECKER_HEARTBEAT_MS: '500',
      CHECKER_REGION: region,
      CHECKER_SOURCE_ADDRESS: address,
      CHECKER_NAME: `checker-${region}`,
    });
    checkers.set(region, checker);
    stack.services.push(checker);
  }
  await Promise.all([...checkers.values()].map((c) => c.waitFor(/checker running/)));
  await stack.until('three live regions', async () => {
    const { body } = await stack.call('GET', '/v1/regions');
    const names = (body.items as { region: string }[]).map((r) => r.region);
    return REGIONS.every((r) => names.includes(r.region)) ? names : undefined;
  });
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => target?.close(r));
});

/** Each region's rows since `since`, by region: statuses in slot order. */
async function rowsSince(since: Date): Promise<Map<string, string[]>> {
  const { body } = await stack.call(
    'GET',
    `/v1/subscriptions/${id}/checks?limit=500&from=${encodeURIComponent(since.toISOString())}`,
  );
  const byRegion = new Map<string, string[]>();
  for (const row of [...(body.items as { region: string; status: string }[])].reverse()) {
    byRegion.set(row.region, [...(byRegion.get(row.region) ?? []), row.status]);
  }
  return byRegion;
}

const downAlerts = async () => (await stack.alertsOf(id)).filter((a) => a.alert_type === 'down');

it('checks a majority-of-three monitor from every region', async () => {
  ({ id } = await watch(stack, '/regions', [webhook(stack, '/hook')], {
    target_config: { url: targetUrl, timeout_ms: 2_000 },
    regions: REGIONS.map((r) => r.region),
    quorum: 'majority',
  }));
  const since = new Date();
  const rows = await stack.until('a row from each region', async () => {
    const byRegion = await rowsSince(since);
    return REGIONS.every((r) => (byRegion.get(r.region)?.length ?? 0) >= 2) ? byRegion : undefined;
  });
  for (const { region } of REGIONS) expect(rows.get(region)).not.toContain('down');
});

it('one region partitioned from the target: no alert, and that region rows are down', async () => {
  const since = new Date();
  partitioned.add('127.0.0.2');
  const rows = await stack.until('three down rows from r-a', async () => {
    const byRegion = await rowsSince(since);
    return (byRegion.get('r-a') ?? []).filter((s) => s === 'down').length >= 3
      ? byRegion
      : undefined;
  });
  // the other regions kept seeing it up
  expect(rows.get('r-b')).not.toContain('down');
  expect(rows.get('r-c')).not.toContain('down');
  const { body } = await stack.call('GET', `/v1/subscriptions/${id}`);
  expect(body.state).toBe('up');
  expect(await downAlerts()).toEqual([]);
});

it('two regions partitioned: one alert, naming both and their errors', async () => {
  partitioned.add('127.0.0.3');
  const alert = await stack.alertOf(
    id,
    'down',
    'the down alert',
    (a) => a.delivery_status === 'sent',
  );
  expect(alert.message).toMatch(/2 of 3 regions/);
  expect(alert.message).toMatch(/r-a \(/);
  expect(alert.message).toMatch(/r-b \(/);
  expect(alert.message).not.toMatch(/r-c \(/);
  // the webhook says which regions failed, and how
  const hook = await stack.until('the webhook call', () =>
    Promise.resolve(
      stack.calls.find((c) => c.path === '/hook' && c.body.event === 'subscription.down'),
    ),
  );
  const regions = hook.body.regions as { region: string; status: string; error: string | null }[];
  expect(regions.map((r) => [r.region, r.status])).toEqual([
    ['r-a', 'down'],
    ['r-b', 'down'],
    ['r-c', 'up'],
  ]);
  expect(regions[0]!.error).toBeTruthy();
  // it stays one alert while the partition lasts
  await new Promise((r) => setTimeout(r, 3_000));
  expect(await downAlerts()).toHaveLength(1);

  partitioned.clear();
  await stack.alertOf(id, 'up', 'the recovery', (a) => a.delivery_status === 'sent');
  expect(await downAlerts()).toHaveLength(1);
});

it("a region's checker killed: its slots are missing, nothing alerts, and the operator is told", async () => {
  const scheduler = stack.services.find((s) => s.name === 'scheduler')!;
  await checkers.get('r-c')!.stop('SIGKILL');
  await scheduler.waitFor(/"message":"region dark[^"]*".*?"region":"r-c"/, 30_000);
  const { body: live } = await stack.call('GET', '/v1/regions');
  expect((live.items as { region: string }[]).map((r) => r.region)).not.toContain('r-c');
  const { body: console } = await stack.call('GET', '/v1/admin/regions');
  expect(console.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ region: 'r-c', dark: true, live_checkers: 0, subscriptions: 1 }),
    ]),
  );

  // one of the two regions left partitioned: one down of three is no majority, and r-c is
  // missing, not down
  const since = new Date();
  partitioned.add('127.0.0.2');
  const rows = await stack.until('verdicts without r-c', async () => {
    const byRegion = await rowsSince(since);
    return (byRegion.get('r-a') ?? []).length >= 4 ? byRegion : undefined;
  });
  expect(rows.get('r-c') ?? []).toEqual([]);
  expect(rows.get('r-b')).not.toContain('down');
  // the slots are still decided (by the scheduler, at their deadline), and stay up
  const before = (await stack.call('GET', `/v1/subscriptions/${id}`)).body.last_check_at;
  await new Promise((r) => setTimeout(r, 5_000));
  const { body } = await stack.call('GET', `/v1/subscriptions/${id}`);
  expect(body.state).toBe('up');
  expect(body.last_check_at).not.toBe(before);
  expect(await downAlerts()).toHaveLength(1);
  partitioned.clear();
});
