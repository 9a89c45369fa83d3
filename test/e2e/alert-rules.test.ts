import { Client } from 'pg';
import { sent, sleep, startStack, watch, webhook, type Stack } from './alerting-stack';

// Alert rules end to end, all four services as processes: maintenance windows,
// flapping and reminders. Rules counted in minutes are brought forward by moving
// the recorded times back in the database; the services' own loops do the rest.

let stack: Stack;
let pg: Client;

beforeAll(async () => {
  stack = await startStack({ scheduler: { ALERT_RULES_INTERVAL_MS: '200' } });
  pg = new Client({ connectionString: stack.database.url });
  await pg.connect();
}, 60_000);

afterAll(async () => {
  await pg.end();
  await stack.stop();
});

const hooks = (path: string) => stack.calls.filter((c) => c.path === path);

it('a maintenance window holds alerts while checks go on; the first check after it alerts', async () => {
  const { id } = await watch(stack, '/maint', [webhook(stack, '/maint-hook')]);
  const created = await stack.call('POST', `/v1/subscriptions/${id}/maintenance-windows`, {
    name: 'deploy',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  expect(created.status).toBe(201);
  expect((await stack.call('GET', `/v1/subscriptions/${id}`)).body.in_maintenance).toBe(true);

  stack.setTarget('/maint', false);
  const marked = await stack.until('three failed checks in the window', async () => {
    const { rows } = await pg.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM check_history
       WHERE subscription_id = $1 AND status = 'down' AND maintenance`,
      [id],
    );
    return rows[0]!.n >= 3 ? rows[0]!.n : undefined;
  });
  expect(marked).toBeGreaterThanOrEqual(3);
  await sleep(500);
  const held = await stack.call('GET', `/v1/subscriptions/${id}`);
  expect(held.body.state).toBe('up');
  expect(await stack.alertsOf(id)).toEqual([]);
  expect(hooks('/maint-hook')).toEqual([]);

  // ending the window now: the next check takes it down and alerts
  const windowId = (created.body as { id: string }).id;
  const ended = await stack.call(
    'PATCH',
    `/v1/subscriptions/${id}/maintenance-windows/${windowId}`,
    { ends_at: new Date().toISOString() },
  );
  expect(ended.status).toBe(200);
  const down = await stack.alertOf(id, 'down', 'the down alert after the window', sent);
  expect(hooks('/maint-hook').map((h) => h.body.event_id)).toEqual([down.event_id]);
  stack.setTarget('/maint', true);
}, 90_000);

it('flapping sends one alert, holds the changes after it, and says when it is stable', async () => {
  const { id } = await watch(stack, '/flap', [webhook(stack, '/flap-hook')], {
    flapping_threshold: 4,
    flapping_window_minutes: 1,
  });
  // up → down → up → down: the fourth change is the flapping one (unknown → up counts too)
  for (const up of [false, true, false, true, false]) {
    stack.setTarget('/flap', up);
    const want = up ? 'up' : 'down';
    await stack.until(`state ${want}`, async () =>
      (await stack.call('GET', `/v1/subscriptions/${id}`)).body.state === want ? true : undefined,
    );
  }
  const flapping = await stack.alertOf(id, 'flapping', 'the flapping alert', sent);
  await stack.until('the held changes recorded', async () => {
    const list = await stack.alertsOf(id);
    return list.filter((a) => a.suppressed_reason === 'flapping').length >= 2 ? true : undefined;
  });
  const list = await stack.alertsOf(id);
  expect(list.filter((a) => a.alert_type === 'flapping')).toHaveLength(1);
  for (const held of list.filter((a) => a.suppressed_reason === 'flapping')) {
    expect(held).toMatchObject({ delivery_status: 'suppressed', deliveries: [] });
  }
  const events = hooks('/flap-hook').map((h) => h.body.event);
  expect(events).toEqual(['subscription.down', 'subscription.up', 'subscription.flapping']);
  expect(hooks('/flap-hook')[2]?.body).toMatchObject({
    event_id: flapping.event_id,
    kind: 'flapping',
    flapping: { transitions: 4, window_minutes: 1 },
  });

  // a window without a change: move the changes back past it
  stack.setTarget('/flap', true);
  await stack.until('up again', async () =>
    (await stack.call('GET', `/v1/subscriptions/${id}`)).body.state === 'up' ? true : undefined,
  );
  await pg.query(
    `UPDATE state_events SET slot_time = slot_time - interval '2 minutes' WHERE subscription_id = $1`,
    [id],
  );
  const stable = await stack.alertOf(id, 'stable', 'the stable alert', sent);
  const last = hooks('/flap-hook').at(-1);
  expect(last?.body).toMatchObject({
    event_id: stable.event_id,
    event: 'subscription.stable',
    to_state: 'up',
  });
  expect((await stack.call('GET', `/v1/subscriptions/${id}`)).body.flapping_since).toBeNull();
}, 120_000);

it('reminds every interval while down, naming how long it has been down', async () => {
  const { id } = await watch(stack, '/remind', [webhook(stack, '/remind-hook')], {
    reminder_interval_minutes: 1,
  });
  stack.setTarget('/remind', false);
  await stack.alertOf(id, 'down', 'the down alert', sent);
  for (let n = 1; n <= 2; n++) {
    // an interval passes
    await pg.query(
      `UPDATE subscriptions SET state_changed_at = state_changed_at - interval '1 minute',
         reminded_at = reminded_at - interval '1 minute' WHERE id = $1`,
      [id],
    );
    await stack.until(`reminder ${n}`, async () =>
      (await stack.alertsOf(id)).filter((a) => a.alert_type === 'reminder' && sent(a)).length >= n
        ? true
        : undefined,
    );
  }
  await sleep(1_000);
  const reminders = hooks('/remind-hook').filter((h) => h.body.event === 'subscription.reminder');
  expect(reminders).toHaveLength(2);
  expect(reminders[0]?.body).toMatchObject({
    kind: 'reminder',
    from_state: 'down',
    to_state: 'down',
  });
  expect(String(reminders[0]?.body.message)).toMatch(/still down/i);

  stack.setTarget('/remind', true);
  await stack.alertOf(id, 'up', 'the recovery', sent);
  const count = (await stack.alertsOf(id)).filter((a) => a.alert_type === 'reminder').length;
  await pg.query(
    `UPDATE subscriptions SET state_changed_at = state_changed_at - interval '5 minutes',
       reminded_at = reminded_at - interval '5 minutes' WHERE id = $1`,
    [id],
  );
  await sleep(1_000);
  // up again: no more reminders
  expect((await stack.alertsOf(id)).filter((a) => a.alert_type === 'reminder')).toHaveLength(count);
}, 90_000);
