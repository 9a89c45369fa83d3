import { startStack, webhook, type Stack } from './alerting-stack';

// Retries, end to end (api, scheduler, checker, alerter as processes): after a failed check
// below the failure threshold the target is checked again retry_interval_seconds later, not at
// its next slot; the outage is dated from its first failed check; nothing is alerted before
// the threshold, and a passing confirmation cancels it. The interval is an hour, so every
// check after the first is a confirmation.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

interface CheckJson {
  time: string;
  status: string;
  confirmation: boolean;
}

const checksOf = async (id: string): Promise<CheckJson[]> =>
  (
    (await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=100`)).body as {
      items: CheckJson[];
    }
  ).items.reverse();

async function watchRetrying(path: string, failureThreshold: number): Promise<string> {
  const created = await stack.call('POST', '/v1/subscriptions', {
    name: path,
    target_type: 'http',
    target_config: { url: stack.targetUrl(path) },
    tier: 'team',
    check_frequency_seconds: 3_600,
    failure_threshold: failureThreshold,
    retry_interval_seconds: 5,
    alert_channels: [webhook(stack, `/hook${path}`)],
  });
  if (created.status !== 201) throw new Error(JSON.stringify(created.body));
  return (created.body as { id: string }).id;
}

it('confirms an outage with two retries 5 s apart, alerts at the threshold, dates it from the first failure', async () => {
  stack.setTarget('/outage', false);
  const id = await watchRetrying('/outage', 3);

  // after two failures: still not down, and nothing sent
  const two = await stack.until('two failed checks', async () => {
    const checks = await checksOf(id);
    return checks.length >= 2 ? checks : undefined;
  });
  const [first, second] = two as [CheckJson, CheckJson];
  const state = (await stack.call('GET', `/v1/subscriptions/${id}`)).body as { state: string };
  const early = await stack.alertsOf(id);
  if ((await checksOf(id)).length === 2) {
    expect(state.state).toBe('unknown');
    expect(early).toEqual([]);
    expect(stack.calls.filter((c) => c.path === '/hook/outage')).toEqual([]);
  }
  expect(first).toMatchObject({ status: 'down', confirmation: false });
  expect(second).toMatchObject({ status: 'down', confirmation: true });
  const gap = Date.parse(second.time) - Date.parse(first.time);
  expect(gap).toBeGreaterThanOrEqual(5_000);
  expect(gap).toBeLessThan(9_000);

  // the third failure takes it down, and the alert goes out
  const alert = await stack.alertOf(
    id,
    'down',
    'the down alert',
    (a) => a.delivery_status === 'sent',
  );
  expect(alert.delivery_status).toBe('sent');
  const checks = await checksOf(id);
  expect(checks.map((c) => [c.status, c.confirmation])).toEqual([
    ['down', false],
    ['down', true],
    ['down', true],
  ]);
  const hook = stack.calls.find((c) => c.path === '/hook/outage');
  expect(hook?.body).toMatchObject({
    event: 'subscription.down',
    since: first.time,
    check: { time: checks[2]?.time },
  });
  const incidents = (await stack.call('GET', `/v1/subscriptions/${id}/incidents`)).body as {
    items: { started_at: string; open: boolean }[];
  };
  expect(incidents.items).toEqual([
    expect.objectContaining({ started_at: first.time, open: true }),
  ]);
  // down now: no more confirmations, the next check is the hourly slot
  await new Promise((r) => setTimeout(r, 7_000));
  expect(await checksOf(id)).toHaveLength(3);
  // metrics count slots, not confirmations
  const metrics = (await stack.call('GET', `/v1/subscriptions/${id}/metrics`)).body as {
    total_checks: number;
  };
  expect(metrics.total_checks).toBeLessThanOrEqual(1);
}, 60_000);

it('a passing confirmation cancels the alert: no down, no incident, back to the slot', async () => {
  stack.setTarget('/blip', false);
  const id = await watchRetrying('/blip', 2);
  await stack.until('the first failed check', async () =>
    (await checksOf(id)).length >= 1 ? true : undefined,
  );
  stack.setTarget('/blip', true);
  await stack.until('up after the confirmation', async () =>
    ((await stack.call('GET', `/v1/subscriptions/${id}`)).body as { state: string }).state === 'up'
      ? true
      : undefined,
  );
  const checks = await checksOf(id);
  expect(checks.map((c) => [c.status, c.confirmation])).toEqual([
    ['down', false],
    ['up', true],
  ]);
  await new Promise((r) => setTimeout(r, 7_000));
  expect(await checksOf(id)).toHaveLength(2);
  expect((await stack.alertsOf(id)).filter((a) => a.alert_type === 'down')).toEqual([]);
  expect(stack.calls.filter((c) => c.path === '/hook/blip')).toEqual([]);
  const incidents = (await stack.call('GET', `/v1/subscriptions/${id}/incidents`)).body as {
    items: unknown[];
  };
  expect(incidents.items).toEqual([]);
}, 60_000);
