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

it('expiry notices reach every channel in its language, in a maintenance window and while flapping too', async () => {
  const { id } = await watch(
    stack,
    '/expiring',
    [webhook(stack, '/expiring-hook'), webhook(stack, '/expiring-hook-es', 'es')],
    { name: 'Billing API' },
  );
  // health alerts are held now, billing notices are not
  const window = await stack.call('POST', `/v1/subscriptions/${id}/maintenance-windows`, {
    name: 'deploy',
    starts_at: new Date(Date.now() - 60_000).toISOString(),
    ends_at: new Date(Date.now() + 3_600_000).toISOString(),
  });
  expect(window.status).toBe(201);
  await pg.query(
    `UPDATE subscriptions SET flapping_since = now(), flapping_window_minutes = 60 WHERE id = $1`,
    [id],
  );

  // the paid period ends in a little under 3 days
  const expiresAt = new Date(Date.now() + 3 * 86_400_000 - 60_000);
  await pg.query(`UPDATE subscriptions SET expires_at = $2 WHERE id = $1`, [id, expiresAt]);
  const notice = await stack.alertOf(id, 'expiring', 'the 3-day notice', sent);
  expect(notice).toMatchObject({ suppressed_reason: null, delivery_status: 'sent' });
  expect(notice.deliveries.map((d) => d.status)).toEqual(['sent', 'sent']);
  const when = (language: string) =>
    `${expiresAt.toLocaleDateString(language === 'es' ? 'es-ES' : 'en-GB', {
      timeZone: 'UTC',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
    })}, ${expiresAt.toISOString().slice(11, 16)} UTC`;
  const [en] = hooks('/expiring-hook');
  const [es] = hooks('/expiring-hook-es');
  const common = {
    event_id: notice.event_id,
    event: 'subscription.expiring',
    kind: 'expiring',
    subscription_id: id,
    name: 'Billing API',
    from_state: 'up',
    to_state: 'up',
    expires_at: expiresAt.toISOString(),
    days_left: 3,
    tier: 'team',
  };
  expect(en?.body).toMatchObject({ ...common, language: 'en' });
  expect(String(en?.body.message).split('\n').slice(0, 2)).toEqual([
    '⏳ Billing API expires in 3 days',
    `Billing API (team tier) expires in 3 days, on ${when('en')}; renew it to keep it checked.`,
  ]);
  expect(es?.body).toMatchObject({ ...common, language: 'es' });
  expect(String(es?.body.message).split('\n').slice(0, 2)).toEqual([
    '⏳ Billing API caduca en 3 días',
    `Billing API (plan team) caduca en 3 días, el ${when('es')}; renueva la suscripción para que se siga comprobando.`,
  ]);

  // a notice raised just before a renewal moved the end is dropped, not sent
  const { rows } = await pg.query<{ id: string }>(
    `INSERT INTO state_events (subscription_id, from_state, to_state, slot_time, kind, "check")
     VALUES ($1, 'up', 'up', now(), 'expiring', $2) RETURNING id`,
    [id, { expires_at: new Date(Date.now() + 3_600_000).toISOString(), days_left: 1 }],
  );
  await stack.until('the stale notice published', async () => {
    const published = await pg.query(
      `SELECT 1 FROM state_events WHERE id = $1 AND published_at IS NOT NULL`,
      [rows[0]!.id],
    );
    return published.rowCount === 1 ? true : undefined;
  });

  // the period has ended: one more notice
  const endedAt = new Date(Date.now() - 1_000);
  await pg.query(`UPDATE subscriptions SET expires_at = $2 WHERE id = $1`, [id, endedAt]);
  const expiredOn = (path: string) => () =>
    Promise.resolve(hooks(path).find((h) => h.body.event === 'subscription.expired'));
  const expired = await stack.until('the expired notice', expiredOn('/expiring-hook'));
  expect(expired.body).toMatchObject({
    kind: 'expiring',
    expires_at: endedAt.toISOString(),
    days_left: 0,
  });
  expect(String(expired.body.message).split('\n')[1]).toMatch(
    /^Billing API \(team tier\) expired on .*; it is no longer checked until it is renewed\.$/,
  );
  await stack.until('the Spanish expired notice', expiredOn('/expiring-hook-es'));
  await sleep(1_000);
  expect((await stack.alertsOf(id)).map((a) => a.event_id)).not.toContain(rows[0]!.id);
  // each notice once per channel, and nothing else: health alerts stay held
  for (const path of ['/expiring-hook', '/expiring-hook-es']) {
    expect(hooks(path).map((h) => h.body.event)).toEqual([
      'subscription.expiring',
      'subscription.expired',
    ]);
  }
}, 90_000);
