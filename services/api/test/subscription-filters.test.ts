import { randomWallet } from '@lighthouse/testing';
import { sql } from 'kysely';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// GET /v1/subscriptions narrows by state, status, target type and a text search, on the
// server and across pages: what the dashboard's filters and search box send.

let api: TestApi;
let token: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  api = await startTestApi();
  token = await signIn(api.http, randomWallet());
  const create = async (key: string, body: Record<string, unknown>) => {
    const res = await api.http.post('/v1/subscriptions').set(bearer(token)).send(body);
    expect(res.status).toBe(201);
    ids[key] = (res.body as { id: string }).id;
  };
  await create('alpha', httpSubscription({ name: 'Alpha API' }));
  await create(
    'beta',
    httpSubscription({
      name: 'Marketing site',
      target_config: { url: 'https://beta.example.org/', method: 'GET', valid_status_codes: [200] },
    }),
  );
  await create(
    'db',
    httpSubscription({
      name: 'Database port',
      target_type: 'tcp',
      target_config: { host: 'db.internal.example', port: 5432 },
      tier: 'team',
    }),
  );
  await create('percent', httpSubscription({ name: '100% uptime_goal' }));
  await api.http.post(`/v1/subscriptions/${ids.db}/pause`).set(bearer(token)).expect(200);
  // states are the checker's to write; set them as it would
  await sql`update subscriptions set state = 'down' where id = ${ids.alpha}`.execute(api.ctx.db);
  await sql`update subscriptions set state = 'up' where id in (${ids.beta}, ${ids.percent})`.execute(
    api.ctx.db,
  );
  // someone else's subscription never shows, whatever the filter
  const other = await signIn(api.http, randomWallet());
  await api.http
    .post('/v1/subscriptions')
    .set(bearer(other))
    .send(httpSubscription({ name: 'Alpha API' }))
    .expect(201);
});
afterAll(async () => {
  await api.close();
});

async function names(query: string): Promise<string[]> {
  const res = await api.http.get(`/v1/subscriptions?${query}`).set(bearer(token)).expect(200);
  return (res.body as { items: { name: string }[] }).items.map((s) => s.name).sort();
}

describe('subscription list filters', () => {
  it('lists everything without a filter', async () => {
    expect(await names('')).toEqual([
      '100% uptime_goal',
      'Alpha API',
      'Database port',
      'Marketing site',
    ]);
  });

  it('filters by one or several states', async () => {
    expect(await names('state=down')).toEqual(['Alpha API']);
    expect(await names('state=up,down')).toEqual([
      '100% uptime_goal',
      'Alpha API',
      'Marketing site',
    ]);
    expect(await names('state=up&state=unknown')).toEqual([
      '100% uptime_goal',
      'Database port',
      'Marketing site',
    ]);
  });

  it('filters by status: active, paused, expired', async () => {
    expect(await names('status=paused')).toEqual(['Database port']);
    expect(await names('status=active')).toEqual([
      '100% uptime_goal',
      'Alpha API',
      'Marketing site',
    ]);
    await sql`update subscriptions set expires_at = now() - interval '1 hour' where id = ${ids.percent}`.execute(
      api.ctx.db,
    );
    try {
      expect(await names('status=expired')).toEqual(['100% uptime_goal']);
      expect(await names('status=active')).toEqual(['Alpha API', 'Marketing site']);
    } finally {
      await sql`update subscriptions set expires_at = null where id = ${ids.percent}`.execute(
        api.ctx.db,
      );
    }
  });

  it('filters by target type', async () => {
    expect(await names('target_type=tcp')).toEqual(['Database port']);
    expect(await names('target_type=tcp,http&state=up')).toEqual([
      '100% uptime_goal',
      'Marketing site',
    ]);
  });

  it('searches the name and the target, case-insensitively, with % and _ taken literally', async () => {
    expect(await names('q=alpha')).toEqual(['Alpha API']);
    expect(await names('q=BETA.EXAMPLE')).toEqual(['Marketing site']);
    expect(await names('q=db.internal')).toEqual(['Database port']);
    expect(await names(`q=${encodeURIComponent('100%')}`)).toEqual(['100% uptime_goal']);
    expect(await names(`q=${encodeURIComponent('%')}`)).toEqual(['100% uptime_goal']);
    expect(await names('q=a_i')).toEqual([]); // would match "API" if _ were a wildcard
    expect(await names('q=nothing-matches')).toEqual([]);
    // a blank search is no search
    expect(await names('q=%20%20')).toHaveLength(4);
  });

  it('pages through a filtered list with the cursor', async () => {
    const first = await api.http
      .get('/v1/subscriptions?state=up,down&limit=2')
      .set(bearer(token))
      .expect(200);
    const page1 = first.body as { items: { name: string }[]; next_cursor: string };
    expect(page1.items).toHaveLength(2);
    const second = await api.http
      .get(
        `/v1/subscriptions?state=up,down&limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`,
      )
      .set(bearer(token))
      .expect(200);
    const page2 = second.body as { items: { name: string }[]; next_cursor: string | null };
    expect(page2.next_cursor).toBeNull();
    expect([...page1.items, ...page2.items].map((s) => s.name).sort()).toEqual([
      '100% uptime_goal',
      'Alpha API',
      'Marketing site',
    ]);
  });

  it('pages through rows that share one created_at, to the microsecond, without skipping', async () => {
    // rows written by one transaction share created_at exactly; a millisecond cursor lost them
    await sql`update subscriptions set created_at = '2026-11-22T10:00:00.123456Z'
              where id in (${ids.alpha}, ${ids.beta}, ${ids.db})`.execute(api.ctx.db);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await api.http
        .get(`/v1/subscriptions?limit=1${query}`)
        .set(bearer(token))
        .expect(200);
      const body = res.body as { items: { name: string }[]; next_cursor: string | null };
      seen.push(...body.items.map((s) => s.name));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([
      '100% uptime_goal',
      'Alpha API',
      'Database port',
      'Marketing site',
    ]);
  });

  it("pages through a subscription's alerts written by one transaction", async () => {
    // one statement: every alert shares its created_at, to the microsecond
    await sql`
      with events as (
        insert into state_events (subscription_id, from_state, to_state, slot_time)
        select ${ids.alpha}::uuid, 'up', 'down', now() from generate_series(1, 3)
        returning id
      )
      insert into alerts (event_id, subscription_id, alert_type, severity, message)
      select id, ${ids.alpha}::uuid, 'down', 'critical', 'down' from events`.execute(api.ctx.db);
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 0; page < 10; page++) {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await api.http
        .get(`/v1/subscriptions/${ids.alpha}/alerts?limit=1${query}`)
        .set(bearer(token))
        .expect(200);
      const body = res.body as { items: { id: string }[]; next_cursor: string | null };
      for (const item of body.items) seen.add(item.id);
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(seen.size).toBe(3);
  });

  it('answers 400 naming the field for a bad filter', async () => {
    for (const [query, field] of [
      ['state=sideways', 'state'],
      ['status=up', 'status'],
      ['target_type=ftp', 'target_type'],
      [`q=${'x'.repeat(201)}`, 'q'],
    ] as const) {
      const res = await api.http.get(`/v1/subscriptions?${query}`).set(bearer(token)).expect(400);
      const fields = (res.body as { error: { details: { fields: { field: string }[] } } }).error
        .details.fields;
      expect(fields.map((f) => f.field.split(/[.[]/)[0])).toContain(field);
    }
  });
});
