import { checkers } from '@lighthouse/db';
import { randomWallet } from '@lighthouse/testing';
import { sql } from 'kysely';
import { issueOwnerLink } from '../src/services/owner';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// Regions: GET /v1/regions lists the regions with live checkers; a subscription chooses among
// them, with a quorum; an unknown or dark region, a quorum larger than the regions, or more
// regions than the tier allows is a 400 naming the field, and changes nothing.

const beat = (api: TestApi, name: string, region: string) =>
  checkers.beat(api.ctx.db, {
    name,
    host: 'test-host',
    version: '0.1.0',
    region,
    startedAt: new Date(),
    checksTotal: 10,
    errorsTotal: 0,
    checksPerSecond: 1.5,
    heartbeatMs: 10_000,
  });

async function silence(api: TestApi, region: string, seconds: number): Promise<void> {
  await sql`
    UPDATE checkers SET last_seen_at = now() - make_interval(secs => ${seconds})
     WHERE region = ${region}`.execute(api.ctx.db);
}

const count = async (api: TestApi): Promise<number> =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM subscriptions`.execute(api.ctx.db)).rows[0]!
      .n,
  );

function expectField(res: { body: unknown }, field: string, message: RegExp): void {
  const { error } = res.body as {
    error: { code: string; details: { fields: { field: string; message: string }[] } };
  };
  expect(error.code).toBe('validation_error');
  const named = error.details.fields.filter((f) => f.field === field);
  expect(named.map((f) => f.message)).toEqual([expect.stringMatching(message)]);
}

describe('self-hosted, default region local', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi({
      LIGHTHOUSE_MODE: 'self-hosted',
      PUBLIC_URL: 'http://localhost:3000',
    });
    const { url } = await issueOwnerLink(api.ctx.db, api.ctx.config);
    const link = /#token=(lhl_[A-Za-z0-9_-]+)$/.exec(url)?.[1] ?? '';
    const res = await api.http.post('/v1/auth/link').send({ token: link }).expect(200);
    token = (res.body as { token: string }).token;
    await beat(api, 'eu-1', 'eu-west');
    await beat(api, 'eu-2', 'eu-west');
    await beat(api, 'us-1', 'us-east');
    await beat(api, 'ap-1', 'ap-south');
    await beat(api, 'old-1', 'sa-east');
    // sa-east's only checker was last heard from five minutes ago: dark
    await silence(api, 'sa-east', 300);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('GET /v1/regions lists the regions with live checkers, without sign-in', async () => {
    const res = await api.http.get('/v1/regions').expect(200);
    const { items } = res.body as { items: Record<string, unknown>[] };
    expect(items.map((r) => r.region)).toEqual(['ap-south', 'eu-west', 'us-east']);
    expect(items.find((r) => r.region === 'eu-west')).toMatchObject({
      live_checkers: 2,
      checks_per_second: 3,
      default: false,
    });
  });

  it('a subscription naming no region is checked from the default one, by majority', async () => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ alert_channels: [] }))
      .expect(201);
    expect(res.body).toMatchObject({ regions: ['local'], quorum: 'majority' });
    const stored = await sql<{ regions: string[] | null }>`
      SELECT regions FROM subscriptions WHERE id = ${(res.body as { id: string }).id}`.execute(
      api.ctx.db,
    );
    // stored as "the default", so that changing DEFAULT_REGION moves it
    expect(stored.rows[0]!.regions).toBeNull();
  });

  it('chooses live regions and a quorum, and changes them', async () => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ alert_channels: [], regions: ['us-east', 'eu-west'], quorum: 2 }))
      .expect(201);
    const { id } = res.body as { id: string };
    expect(res.body).toMatchObject({ regions: ['us-east', 'eu-west'], quorum: 2 });

    const patched = await api.http
      .patch(`/v1/subscriptions/${id}`)
      .set(bearer(token))
      .send({ regions: ['us-east', 'eu-west', 'ap-south'], quorum: 'all' })
      .expect(200);
    expect(patched.body).toMatchObject({
      regions: ['us-east', 'eu-west', 'ap-south'],
      quorum: 'all',
    });
    // null goes back to the default region
    const reset = await api.http
      .patch(`/v1/subscriptions/${id}`)
      .set(bearer(token))
      .send({ regions: null, quorum: 'any' })
      .expect(200);
    expect(reset.body).toMatchObject({ regions: ['local'], quorum: 'any' });
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['an unknown region', { regions: ['mars-1'] }, 'regions', /no live checker in "mars-1"/],
    [
      'a dark region',
      { regions: ['eu-west', 'sa-east'] },
      'regions',
      /no live checker in "sa-east".*ap-south, eu-west, us-east/,
    ],
    ['a name that is no region', { regions: ['EU West'] }, 'regions[0]', /region name/],
    ['a region twice', { regions: ['eu-west', 'eu-west'] }, 'regions', /twice/],
    ['no region at all', { regions: [] }, 'regions', /at least one/],
    ['regions that are no list', { regions: 'eu-west' }, 'regions', /list of region names/],
    [
      'a quorum larger than the regions',
      { regions: ['eu-west', 'us-east'], quorum: 3 },
      'quorum',
      /at most the number of regions \(2\)/,
    ],
    ['a quorum that is no quorum', { quorum: 'most' }, 'quorum', /"any", "majority", "all"/],
    [
      'a heartbeat from two regions',
      {
        target_type: 'heartbeat',
        target_config: { grace_seconds: 60 },
        regions: ['eu-west', 'us-east'],
      },
      'regions',
      /heartbeat/,
    ],
  ])(
    'refuses %s with a 400 naming the field, and writes nothing',
    async (_, body, field, message) => {
      const before = await count(api);
      const res = await api.http
        .post('/v1/subscriptions')
        .set(bearer(token))
        .send(httpSubscription({ alert_channels: [], ...body }))
        .expect(400);
      expectField(res, field, message);
      expect(await count(api)).toBe(before);
    },
  );

  it('refuses a dark region in a change, and keeps the subscription as it was', async () => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ alert_channels: [], regions: ['eu-west', 'us-east'] }))
      .expect(201);
    const { id } = res.body as { id: string };
    const refused = await api.http
      .patch(`/v1/subscriptions/${id}`)
      .set(bearer(token))
      .send({ regions: ['eu-west', 'sa-east'], name: 'renamed' })
      .expect(400);
    expectField(refused, 'regions', /sa-east/);
    const after = await api.http.get(`/v1/subscriptions/${id}`).set(bearer(token)).expect(200);
    expect(after.body).toMatchObject({ regions: ['eu-west', 'us-east'], name: 'Example API' });
  });

  it('tells the operator which regions are dark, and how many subscriptions use each', async () => {
    // a subscription that chose sa-east while it was live
    await beat(api, 'old-1', 'sa-east');
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ alert_channels: [], regions: ['sa-east', 'eu-west'] }))
      .expect(201);
    expect(res.body).toMatchObject({ regions: ['sa-east', 'eu-west'] });
    await silence(api, 'sa-east', 300);

    const console = await api.http.get('/v1/admin/regions').set(bearer(token)).expect(200);
    const items = (console.body as { items: Record<string, unknown>[] }).items;
    const byName = new Map(items.map((r) => [r.region, r]));
    expect(byName.get('sa-east')).toMatchObject({ dark: true, live_checkers: 0, subscriptions: 1 });
    expect(byName.get('eu-west')).toMatchObject({ dark: false, live_checkers: 2 });
    // the default region has no checker here at all, and subscriptions that name none use it
    expect(byName.get('local')).toMatchObject({ dark: true, default: true, checkers: 0 });
    expect((byName.get('local')!.subscriptions as number) > 0).toBe(true);
    // a region nothing uses any more is idle, not dark
    await beat(api, 'gone-1', 'retired');
    await silence(api, 'retired', 3_600);
    const again = await api.http.get('/v1/admin/regions').set(bearer(token)).expect(200);
    const retired = (again.body as { items: Record<string, unknown>[] }).items.find(
      (r) => r.region === 'retired',
    );
    expect(retired).toMatchObject({ dark: false, subscriptions: 0 });
  });
});

describe('service mode: the tier limits the regions', () => {
  let api: TestApi;
  let token: string;

  beforeAll(async () => {
    api = await startTestApi();
    token = await signIn(api.http, randomWallet());
    await beat(api, 'eu-1', 'eu-west');
    await beat(api, 'us-1', 'us-east');
  });
  afterAll(async () => {
    await api?.close();
  });

  it('refuses more regions than the tier allows, and allows them on a tier that does', async () => {
    const refused = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ tier: 'free', regions: ['eu-west', 'us-east'] }))
      .expect(400);
    expectField(refused, 'regions', /at most 1 region on the free tier \(got 2\)/);

    const tiers = await api.http.get('/v1/tiers').expect(200);
    const team = (tiers.body as { items: { name: string; max_regions: number }[] }).items.find(
      (t) => t.name === 'team',
    );
    expect(team?.max_regions).toBe(3);
    await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ tier: 'team', regions: ['eu-west', 'us-east'] }))
      .expect(201);
  });
});
