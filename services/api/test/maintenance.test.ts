import { randomWallet } from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

interface WindowJson {
  id: string;
  subscription_id: string;
  name: string;
  type: 'one-off' | 'recurring';
  starts_at: string;
  ends_at: string | null;
  cron: string | null;
  duration_minutes: number | null;
  timezone: string;
  active_now: boolean;
  next: { start: string; end: string } | null;
  created_at: string;
  updated_at: string;
}

interface SubscriptionJson {
  id: string;
  reminder_interval_minutes: number | null;
  flapping_threshold: number | null;
  flapping_window_minutes: number;
  flapping_since: string | null;
  in_maintenance: boolean;
}

interface ErrorJson {
  error: { code: string; message: string; details: { fields: { field: string }[] } };
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (offsetMs: number): string => new Date(Date.now() + offsetMs).toISOString();

async function newOwner(): Promise<string> {
  return signIn(api.http, randomWallet());
}

async function newSubscription(token: string, overrides: Record<string, unknown> = {}) {
  const res = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send(httpSubscription({ tier: 'team', ...overrides }))
    .expect(201);
  return res.body as SubscriptionJson;
}

const windowsPath = (subscriptionId: string): string =>
  `/v1/subscriptions/${subscriptionId}/maintenance-windows`;

async function addWindow(token: string, subscriptionId: string, body: object) {
  const res = await api.http
    .post(windowsPath(subscriptionId))
    .set(bearer(token))
    .send(body)
    .expect(201);
  return res.body as WindowJson;
}

async function listWindows(token: string, subscriptionId: string): Promise<WindowJson[]> {
  const res = await api.http.get(windowsPath(subscriptionId)).set(bearer(token)).expect(200);
  return (res.body as { items: WindowJson[] }).items;
}

async function getSubscription(token: string, id: string): Promise<SubscriptionJson> {
  const res = await api.http.get(`/v1/subscriptions/${id}`).set(bearer(token)).expect(200);
  return res.body as SubscriptionJson;
}

function fieldsOf(body: unknown): string[] {
  return (body as ErrorJson).error.details.fields.map((f) => f.field);
}

describe('maintenance windows', () => {
  it('creates, reads, lists, changes and deletes a one-off window', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    const startsAt = iso(-HOUR);
    const endsAt = iso(HOUR);

    const res = await api.http
      .post(windowsPath(sub.id))
      .set(bearer(token))
      .send({ name: 'Database upgrade', starts_at: startsAt, ends_at: endsAt })
      .expect(201);
    const created = res.body as WindowJson;
    expect(res.headers.location).toBe(`${windowsPath(sub.id)}/${created.id}`);
    expect(created).toMatchObject({
      subscription_id: sub.id,
      name: 'Database upgrade',
      type: 'one-off',
      starts_at: startsAt,
      ends_at: endsAt,
      cron: null,
      duration_minutes: null,
      timezone: 'UTC',
      active_now: true,
      next: { start: startsAt, end: endsAt },
    });

    const got = await api.http
      .get(res.headers.location ?? '')
      .set(bearer(token))
      .expect(200);
    expect(got.body).toEqual({ ...created, active_now: true });
    expect((await listWindows(token, sub.id)).map((w) => w.id)).toEqual([created.id]);
    expect((await getSubscription(token, sub.id)).in_maintenance).toBe(true);

    // moved to tomorrow: no longer covering now, and the subscription says so
    const tomorrow = { starts_at: iso(24 * HOUR), ends_at: iso(26 * HOUR) };
    const moved = await api.http
      .patch(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .send(tomorrow)
      .expect(200);
    expect(moved.body).toMatchObject({
      id: created.id,
      name: 'Database upgrade',
      type: 'one-off',
      ...tomorrow,
      active_now: false,
      next: { start: tomorrow.starts_at, end: tomorrow.ends_at },
    });
    expect((await getSubscription(token, sub.id)).in_maintenance).toBe(false);

    await api.http
      .delete(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .expect(204);
    await api.http
      .get(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .expect(404);
    await api.http
      .delete(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .expect(404);
    expect(await listWindows(token, sub.id)).toEqual([]);
  });

  it('creates, changes and deletes a recurring window; duration is stored in seconds', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    const before = Date.now();
    const created = await addWindow(token, sub.id, {
      name: 'Sunday backups',
      cron: '0 3 * * 0',
      duration_minutes: 120,
      timezone: 'Europe/Berlin',
    });
    expect(created).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * 0',
      duration_minutes: 120,
      timezone: 'Europe/Berlin',
      ends_at: null,
    });
    // starts_at defaults to now
    expect(Date.parse(created.starts_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(created.starts_at)).toBeLessThanOrEqual(Date.now() + 1000);
    const next = created.next ?? { start: '', end: '' };
    expect(Date.parse(next.end) - Date.parse(next.start)).toBe(120 * MINUTE);
    // 03:00 on a Sunday in Berlin (UTC+1 or +2)
    const start = new Date(next.start);
    expect(start.getUTCDay()).toBe(0);
    expect([1, 2]).toContain(start.getUTCHours());
    expect(start.getUTCMinutes()).toBe(0);

    const row = await api.ctx.db
      .selectFrom('maintenance_windows')
      .select(['duration_seconds', 'cron'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ duration_seconds: 7200, cron: '0 3 * * 0' });

    const endsAt = iso(90 * 24 * HOUR);
    const changed = await api.http
      .patch(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .send({ duration_minutes: 30, ends_at: endsAt })
      .expect(200);
    expect(changed.body).toMatchObject({
      type: 'recurring',
      cron: '0 3 * * 0',
      duration_minutes: 30,
      timezone: 'Europe/Berlin',
      starts_at: created.starts_at,
      ends_at: endsAt,
    });
    const changedNext = (changed.body as WindowJson).next ?? { start: '', end: '' };
    expect(Date.parse(changedNext.end) - Date.parse(changedNext.start)).toBe(30 * MINUTE);

    // null clears cron and duration: a one-off window from the stored start to ends_at
    const oneOff = await api.http
      .patch(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .send({ cron: null, duration_minutes: null })
      .expect(200);
    expect(oneOff.body).toMatchObject({
      type: 'one-off',
      cron: null,
      duration_minutes: null,
      starts_at: created.starts_at,
      ends_at: endsAt,
      active_now: true,
    });
    const stored = await api.ctx.db
      .selectFrom('maintenance_windows')
      .select(['duration_seconds', 'cron'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    expect(stored).toEqual({ duration_seconds: null, cron: null });

    await api.http
      .delete(`${windowsPath(sub.id)}/${created.id}`)
      .set(bearer(token))
      .expect(204);
    expect(await listWindows(token, sub.id)).toEqual([]);
  });

  it('lists windows by start', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    const late = await addWindow(token, sub.id, {
      starts_at: iso(48 * HOUR),
      ends_at: iso(49 * HOUR),
    });
    const early = await addWindow(token, sub.id, {
      starts_at: iso(-48 * HOUR),
      ends_at: iso(-47 * HOUR),
    });
    const middle = await addWindow(token, sub.id, { cron: '*/15 * * * *', duration_minutes: 5 });
    const items = await listWindows(token, sub.id);
    expect(items.map((w) => w.id)).toEqual([early.id, middle.id, late.id]);
    // a one-off window that is over has no next occurrence
    expect(items[0]).toMatchObject({ active_now: false, next: null });
  });

  it('shows in_maintenance on a subscription only while one of its windows covers now', async () => {
    const token = await newOwner();
    const covered = await newSubscription(token, { name: 'covered' });
    const recurring = await newSubscription(token, { name: 'recurring' });
    const later = await newSubscription(token, { name: 'later' });
    const bare = await newSubscription(token, { name: 'bare' });
    await addWindow(token, covered.id, { starts_at: iso(-MINUTE), ends_at: iso(HOUR) });
    // every minute, for five minutes: always covering
    await addWindow(token, recurring.id, {
      cron: '* * * * *',
      duration_minutes: 5,
      starts_at: iso(-HOUR),
    });
    await addWindow(token, later.id, { starts_at: iso(HOUR), ends_at: iso(2 * HOUR) });

    expect((await getSubscription(token, covered.id)).in_maintenance).toBe(true);
    expect((await getSubscription(token, recurring.id)).in_maintenance).toBe(true);
    expect((await getSubscription(token, later.id)).in_maintenance).toBe(false);
    expect((await getSubscription(token, bare.id)).in_maintenance).toBe(false);

    const list = await api.http.get('/v1/subscriptions').set(bearer(token)).expect(200);
    const byId = new Map(
      (list.body as { items: SubscriptionJson[] }).items.map((s) => [s.id, s.in_maintenance]),
    );
    expect(Object.fromEntries(byId)).toEqual({
      [covered.id]: true,
      [recurring.id]: true,
      [later.id]: false,
      [bare.id]: false,
    });

    const paused = await api.http
      .post(`/v1/subscriptions/${covered.id}/pause`)
      .set(bearer(token))
      .expect(200);
    expect(paused.body).toMatchObject({ in_maintenance: true });
  });

  it("keeps a stranger out of another wallet's windows (404, nothing changed)", async () => {
    const owner = await newOwner();
    const stranger = await newOwner();
    const sub = await newSubscription(owner);
    const window = await addWindow(owner, sub.id, { starts_at: iso(HOUR), ends_at: iso(2 * HOUR) });
    const one = `${windowsPath(sub.id)}/${window.id}`;
    const body = { starts_at: iso(-HOUR), ends_at: iso(HOUR) };

    await api.http.get(windowsPath(sub.id)).set(bearer(stranger)).expect(404);
    await api.http.post(windowsPath(sub.id)).set(bearer(stranger)).send(body).expect(404);
    await api.http.get(one).set(bearer(stranger)).expect(404);
    await api.http.patch(one).set(bearer(stranger)).send(body).expect(404);
    await api.http.delete(one).set(bearer(stranger)).expect(404);
    // the stranger's own subscription does not open someone else's window either
    const theirs = await newSubscription(stranger);
    await api.http
      .get(`${windowsPath(theirs.id)}/${window.id}`)
      .set(bearer(stranger))
      .expect(404);
    await api.http
      .delete(`${windowsPath(theirs.id)}/${window.id}`)
      .set(bearer(stranger))
      .expect(404);

    // unknown and malformed ids, and no token at all
    const unknown = '00000000-0000-4000-8000-000000000000';
    await api.http.get(windowsPath(unknown)).set(bearer(owner)).expect(404);
    await api.http
      .get(`${windowsPath(sub.id)}/${unknown}`)
      .set(bearer(owner))
      .expect(404);
    await api.http
      .get(`${windowsPath(sub.id)}/not-a-uuid`)
      .set(bearer(owner))
      .expect(404);
    await api.http.get(windowsPath('not-a-uuid')).set(bearer(owner)).expect(404);
    await api.http.get(windowsPath(sub.id)).expect(401);

    const still = await api.http.get(one).set(bearer(owner)).expect(200);
    expect(still.body).toEqual({ ...window, active_now: false });
    expect(await listWindows(owner, sub.id)).toHaveLength(1);
    const count = await api.ctx.db
      .selectFrom('maintenance_windows')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('subscription_id', 'in', [sub.id, theirs.id])
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);

    // a deleted subscription's windows are gone from the API
    await api.http.delete(`/v1/subscriptions/${sub.id}`).set(bearer(owner)).expect(204);
    await api.http.get(windowsPath(sub.id)).set(bearer(owner)).expect(404);
    await api.http.get(one).set(bearer(owner)).expect(404);
  });

  it('allows at most 50 windows per subscription', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    for (let i = 0; i < 50; i += 1) {
      await addWindow(token, sub.id, {
        name: `w${i}`,
        starts_at: iso((i + 1) * HOUR),
        ends_at: iso((i + 2) * HOUR),
      });
    }
    const over = await api.http
      .post(windowsPath(sub.id))
      .set(bearer(token))
      .send({ starts_at: iso(HOUR), ends_at: iso(2 * HOUR) })
      .expect(409);
    expect(over.body).toMatchObject({ error: { code: 'conflict', details: { limit: 50 } } });
    expect((over.body as ErrorJson).error.message).toContain('50');
    expect(await listWindows(token, sub.id)).toHaveLength(50);
  });
});

describe('malformed maintenance windows', () => {
  let token: string;
  let subscriptionId: string;
  beforeAll(async () => {
    token = await newOwner();
    subscriptionId = (await newSubscription(token)).id;
  });

  /** [what, body, the field the answer must name] */
  const cases: [string, unknown, string][] = [
    ['body is a list', [{ cron: '0 3 * * *' }], '(body)'],
    ['cron that is not one', { cron: 'every sunday', duration_minutes: 60 }, 'cron'],
    ['cron out of range', { cron: '61 3 * * *', duration_minutes: 60 }, 'cron'],
    [
      'unknown time zone',
      { cron: '0 3 * * *', duration_minutes: 60, timezone: 'Mars/Olympus_Mons' },
      'timezone',
    ],
    ['ends_at before starts_at', { starts_at: iso(2 * HOUR), ends_at: iso(HOUR) }, 'ends_at'],
    ['ends_at equal to starts_at', { starts_at: iso(HOUR), ends_at: iso(HOUR) }, 'ends_at'],
    ['cron without duration', { cron: '0 3 * * *' }, 'duration_minutes'],
    [
      'duration without cron',
      { starts_at: iso(HOUR), ends_at: iso(2 * HOUR), duration_minutes: 30 },
      'duration_minutes',
    ],
    ['one-off without ends_at', { starts_at: iso(HOUR) }, 'ends_at'],
    ['one-off without starts_at', { ends_at: iso(HOUR) }, 'starts_at'],
    ['unknown field', { starts_at: iso(HOUR), ends_at: iso(2 * HOUR), repeat: 'weekly' }, 'repeat'],
    ['starts_at not a time', { starts_at: 'tomorrow', ends_at: iso(2 * HOUR) }, 'starts_at'],
    [
      'starts_at without a zone',
      { starts_at: '2030-01-01T00:00:00', ends_at: iso(HOUR) },
      'starts_at',
    ],
    ['duration of zero', { cron: '0 3 * * *', duration_minutes: 0 }, 'duration_minutes'],
    ['duration over a week', { cron: '0 3 * * *', duration_minutes: 10_081 }, 'duration_minutes'],
    ['fractional duration', { cron: '0 3 * * *', duration_minutes: 1.5 }, 'duration_minutes'],
    [
      'one-off longer than a year',
      { starts_at: iso(HOUR), ends_at: iso(400 * 24 * HOUR) },
      'ends_at',
    ],
  ];

  it.each(cases)('%s → 400 naming the field', async (_what, body, field) => {
    const res = await api.http
      .post(windowsPath(subscriptionId))
      .set(bearer(token))
      .send(body as object)
      .expect(400);
    expect((res.body as ErrorJson).error.code).toBe('validation_error');
    expect(fieldsOf(res.body)).toContain(field);
    expect((res.body as ErrorJson).error.message).toContain(field);
  });

  it('names every bad field at once', async () => {
    const res = await api.http
      .post(windowsPath(subscriptionId))
      .set(bearer(token))
      .send({ cron: '0 3 * * *', timezone: 'Nowhere/Land' })
      .expect(400);
    expect(fieldsOf(res.body)).toEqual(expect.arrayContaining(['timezone', 'duration_minutes']));
  });

  it('wrote no window for any of them', async () => {
    expect(await listWindows(token, subscriptionId)).toEqual([]);
  });

  it('checks an update merged into the stored window and leaves it unchanged when bad', async () => {
    const stored = await addWindow(token, subscriptionId, {
      name: 'nightly',
      cron: '0 2 * * *',
      duration_minutes: 60,
      timezone: 'America/New_York',
    });
    const one = `${windowsPath(subscriptionId)}/${stored.id}`;
    const updates: [object, string][] = [
      [{ name: 'renamed', timezone: 'Nowhere/Land' }, 'timezone'],
      [{ name: 'renamed', cron: '0 25 * * *' }, 'cron'],
      // duration is required while cron stays
      [{ name: 'renamed', duration_minutes: null }, 'duration_minutes'],
      // a one-off window needs an end
      [{ name: 'renamed', cron: null, duration_minutes: null }, 'ends_at'],
      // cron cleared, duration kept: duration only applies with cron
      [{ name: 'renamed', cron: null, ends_at: iso(HOUR) }, 'duration_minutes'],
      [{ name: 'renamed', ends_at: iso(-24 * HOUR) }, 'ends_at'],
      [{ name: 'renamed', starts_at: null }, 'starts_at'],
      [{ name: 'renamed', type: 'one-off' }, 'type'],
    ];
    for (const [body, field] of updates) {
      const res = await api.http.patch(one).set(bearer(token)).send(body).expect(400);
      expect({ body, fields: fieldsOf(res.body) }).toEqual({
        body,
        fields: expect.arrayContaining([field]) as unknown,
      });
    }
    const after = await api.http.get(one).set(bearer(token)).expect(200);
    expect(after.body).toMatchObject({
      name: 'nightly',
      cron: '0 2 * * *',
      duration_minutes: 60,
      timezone: 'America/New_York',
      ends_at: null,
      updated_at: stored.updated_at,
    });
  });
});

describe('alert rules on a subscription', () => {
  it('defaults to no reminders, no flapping detection and a 30 minute window', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token);
    expect(sub).toMatchObject({
      reminder_interval_minutes: null,
      flapping_threshold: null,
      flapping_window_minutes: 30,
      flapping_since: null,
      in_maintenance: false,
    });
  });

  it('round-trips through create and PATCH; null turns a rule off', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token, {
      reminder_interval_minutes: 60,
      flapping_threshold: 5,
      flapping_window_minutes: 15,
    });
    expect(sub).toMatchObject({
      reminder_interval_minutes: 60,
      flapping_threshold: 5,
      flapping_window_minutes: 15,
    });
    expect(await getSubscription(token, sub.id)).toMatchObject({
      reminder_interval_minutes: 60,
      flapping_threshold: 5,
      flapping_window_minutes: 15,
    });

    const changed = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ reminder_interval_minutes: 10_080, flapping_window_minutes: 1_440 })
      .expect(200);
    expect(changed.body).toMatchObject({
      reminder_interval_minutes: 10_080,
      flapping_threshold: 5,
      flapping_window_minutes: 1_440,
    });

    const off = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ reminder_interval_minutes: null, flapping_threshold: null })
      .expect(200);
    expect(off.body).toMatchObject({
      reminder_interval_minutes: null,
      flapping_threshold: null,
      flapping_window_minutes: 1_440,
    });

    // a PATCH that does not name them keeps them
    const renamed = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ name: 'renamed', flapping_threshold: 2 })
      .expect(200);
    expect(renamed.body).toMatchObject({
      name: 'renamed',
      reminder_interval_minutes: null,
      flapping_threshold: 2,
      flapping_window_minutes: 1_440,
    });
    const row = await api.ctx.db
      .selectFrom('subscriptions')
      .select(['reminder_interval_minutes', 'flapping_threshold', 'flapping_window_minutes'])
      .where('id', '=', sub.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      reminder_interval_minutes: null,
      flapping_threshold: 2,
      flapping_window_minutes: 1_440,
    });
  });

  it('shows flapping_since but does not take it', async () => {
    const token = await newOwner();
    const sub = await newSubscription(token, { flapping_threshold: 3 });
    const since = new Date(Date.now() - 5 * MINUTE);
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ flapping_since: since })
      .where('id', '=', sub.id)
      .execute();
    expect((await getSubscription(token, sub.id)).flapping_since).toBe(since.toISOString());

    const res = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ flapping_since: null })
      .expect(400);
    expect(fieldsOf(res.body)).toEqual(['flapping_since']);
    expect((await getSubscription(token, sub.id)).flapping_since).toBe(since.toISOString());
  });

  /** [field, bad value] */
  const outOfRange: [string, unknown][] = [
    ['reminder_interval_minutes', 0],
    ['reminder_interval_minutes', 10_081],
    ['reminder_interval_minutes', 2.5],
    ['reminder_interval_minutes', '60'],
    ['flapping_threshold', 1],
    ['flapping_threshold', 101],
    ['flapping_threshold', 'often'],
    ['flapping_window_minutes', 0],
    ['flapping_window_minutes', 1_441],
    ['flapping_window_minutes', null],
  ];

  it.each(outOfRange)('%s = %p → 400 naming it, on create and on PATCH', async (field, value) => {
    const wallet = randomWallet();
    const token = await signIn(api.http, wallet);
    const create = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ [field]: value }))
      .expect(400);
    expect(fieldsOf(create.body)).toEqual([field]);
    expect((create.body as ErrorJson).error.message).toContain(field);

    const sub = await newSubscription(token, {
      reminder_interval_minutes: 30,
      flapping_threshold: 4,
      flapping_window_minutes: 20,
    });
    const patch = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ name: 'changed', [field]: value })
      .expect(400);
    expect(fieldsOf(patch.body)).toEqual([field]);
    expect(await getSubscription(token, sub.id)).toMatchObject({
      name: 'Example API',
      reminder_interval_minutes: 30,
      flapping_threshold: 4,
      flapping_window_minutes: 20,
    });
    // the refused create wrote nothing: only the one made after it exists
    const owned = await api.ctx.db
      .selectFrom('subscriptions')
      .select('id')
      .where('user_address', '=', wallet.address.toLowerCase())
      .execute();
    expect(owned.map((r) => r.id)).toEqual([sub.id]);
  });
});

describe('the OpenAPI document', () => {
  it('describes the window routes and the alert-rule fields', async () => {
    const res = await api.http.get('/openapi.json').expect(200);
    const doc = res.body as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths['/v1/subscriptions/{id}/maintenance-windows'] ?? {})).toEqual([
      'get',
      'post',
    ]);
    expect(
      Object.keys(doc.paths['/v1/subscriptions/{id}/maintenance-windows/{windowId}'] ?? {}),
    ).toEqual(['get', 'patch', 'delete']);
    const { schemas } = doc.components;
    expect(Object.keys(schemas.MaintenanceWindowInput?.properties ?? {})).toEqual(
      expect.arrayContaining(['starts_at', 'ends_at', 'cron', 'duration_minutes', 'timezone']),
    );
    expect(Object.keys(schemas.MaintenanceWindow?.properties ?? {})).toEqual(
      expect.arrayContaining(['type', 'active_now', 'next']),
    );
    for (const name of ['SubscriptionCreate', 'SubscriptionUpdate']) {
      expect(Object.keys(schemas[name]?.properties ?? {})).toEqual(
        expect.arrayContaining([
          'reminder_interval_minutes',
          'flapping_threshold',
          'flapping_window_minutes',
        ]),
      );
    }
  });
});
