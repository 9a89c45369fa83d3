import { results, rollups, type CheckRow } from '@lighthouse/db';
import {
  prepareCheckHistory,
  randomWallet,
  responseSchema,
  schemaProblems,
  type OpenApiDocument,
} from '@lighthouse/testing';
import { sql } from 'kysely';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
  await prepareCheckHistory(api.ctx.db, -40, 0);
});
afterAll(async () => {
  await api.close();
});

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Summary {
  total_checks: number;
  up_checks: number;
  down_checks: number;
  degraded_checks: number;
  uptime_pct: number | null;
  avg_latency_ms: number | null;
  min_latency_ms: number | null;
  max_latency_ms: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
  expected_checks: number | null;
  coverage_pct: number | null;
}

interface MetricsJson extends Summary {
  subscription_id: string;
  from: string;
  to: string;
  bucket: '1h' | '1d';
  region: string | null;
  regions: string[];
  series: (Summary & { time: string })[];
}

interface CheckJson {
  time: string;
  status: string;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Record<string, number> | null;
  error_category: string | null;
  error_message: string | null;
  schedule_lag_ms: number | null;
  region: string;
  maintenance: boolean;
  value: number | null;
  value_text: string | null;
}

interface IncidentJson {
  id: string;
  started_at: string;
  resolved_at: string | null;
  open: boolean;
  duration_seconds: number;
  error_category: string | null;
  error_message: string | null;
}

interface ListJson<T> {
  items: T[];
  next_cursor: string | null;
}

interface ErrorJson {
  error: { code: string; message: string; details: { fields: { field: string }[] } };
}

// a seeded generator, so a failure can be replayed
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const hourStart = (t: number): number => Math.floor(t / HOUR) * HOUR;

async function newOwner(): Promise<string> {
  return signIn(api.http, randomWallet());
}

async function newSubscription(token: string): Promise<string> {
  const res = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send(httpSubscription({ tier: 'team', check_frequency_seconds: 60 }))
    .expect(201);
  return (res.body as { id: string }).id;
}

/** Replaces the subscription's schedule log (as the trigger would have written it over time). */
async function setSchedule(
  id: string,
  changes: { at: number; scheduled: boolean; seconds?: number }[],
): Promise<void> {
  const db = api.ctx.db;
  await db.deleteFrom('schedule_changes').where('subscription_id', '=', id).execute();
  await db
    .insertInto('schedule_changes')
    .values(
      changes.map((c) => ({
        subscription_id: id,
        changed_at: new Date(c.at),
        scheduled: c.scheduled,
        check_frequency_seconds: c.seconds ?? 60,
      })),
    )
    .execute();
  await db
    .updateTable('subscriptions')
    .set({ created_at: new Date(changes[0]!.at) })
    .where('id', '=', id)
    .execute();
}

function checkRow(subscriptionId: string, time: number, fields: Partial<CheckRow> = {}): CheckRow {
  return {
    time: new Date(time),
    subscription_id: subscriptionId,
    status: 'up',
    http_status: 200,
    response_time_ms: 100,
    timings: null,
    error_category: null,
    error_message: null,
    body_excerpt: null,
    schedule_lag_ms: null,
    region: 'local',
    ...fields,
  };
}

/** Rollup rounds until the watermark is as close to now as the fold delay lets it be. */
async function catchUp(): Promise<Date> {
  for (let i = 0; i < 500; i++) {
    const round = await rollups.rollUp(api.ctx.db);
    if (round.watermark.getTime() > Date.now() - (rollups.FOLD_DELAY_SECONDS + 30) * 1000) {
      return round.watermark;
    }
  }
  throw new Error('rollups did not catch up in 500 rounds');
}

async function getMetrics(token: string, id: string, query: Record<string, string> = {}) {
  const res = await api.http
    .get(`/v1/subscriptions/${id}/metrics`)
    .query(query)
    .set(bearer(token))
    .expect(200);
  return res.body as MetricsJson;
}

function fieldsOf(body: unknown): string[] {
  return (body as ErrorJson).error.details.fields.map((f) => f.field);
}

interface Direct {
  total: number;
  up: number;
  down: number;
  degraded: number;
  latency_count: number;
  latency_sum: number;
  latency_min: number | null;
  latency_max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** The range's figures straight from the raw rows (of every region, or one), overall and per hour. */
async function direct(id: string, from: string, to: string, region?: string) {
  const figures = sql`
    count(*)::int AS total,
    (count(*) FILTER (WHERE status = 'up'))::int AS up,
    (count(*) FILTER (WHERE status = 'down'))::int AS down,
    (count(*) FILTER (WHERE status = 'degraded'))::int AS degraded,
    count(response_time_ms)::int AS latency_count,
    coalesce(sum(response_time_ms), 0)::float8 AS latency_sum,
    min(response_time_ms) AS latency_min,
    max(response_time_ms) AS latency_max,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms) AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY response_time_ms) AS p95,
    percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) AS p99`;
  const range = sql`subscription_id = ${id} AND time >= ${from} AND time < ${to}
    AND confirmation IS NOT TRUE ${region === undefined ? sql`` : sql`AND region = ${region}`}`;
  const overall = await sql<Direct>`SELECT ${figures} FROM check_history WHERE ${range}`.execute(
    api.ctx.db,
  );
  const hours = await sql<Direct & { hour: Date }>`
    SELECT date_trunc('hour', time, 'UTC') AS hour, ${figures}
    FROM check_history WHERE ${range} GROUP BY 1`.execute(api.ctx.db);
  return {
    overall: overall.rows[0]!,
    byHour: new Map(hours.rows.map((r) => [r.hour.toISOString(), r])),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Counts, uptime and latency equal the raw rows' exactly; percentiles within 5 %. */
function expectMatches(summary: Summary, want: Direct) {
  expect(summary.total_checks).toBe(want.total);
  expect(summary.up_checks).toBe(want.up);
  expect(summary.down_checks).toBe(want.down);
  expect(summary.degraded_checks).toBe(want.degraded);
  expect(summary.uptime_pct).toBe(
    want.total === 0 ? null : round(((want.up + want.degraded) / want.total) * 100, 3),
  );
  expect(summary.avg_latency_ms).toBe(
    want.latency_count === 0 ? null : round(want.latency_sum / want.latency_count, 1),
  );
  expect(summary.min_latency_ms).toBe(want.latency_min);
  expect(summary.max_latency_ms).toBe(want.latency_max);
  for (const [got, exact] of [
    [summary.p50_latency_ms, want.p50],
    [summary.p95_latency_ms, want.p95],
    [summary.p99_latency_ms, want.p99],
  ] as const) {
    if (exact === null) {
      expect(got).toBeNull();
      continue;
    }
    expect(got).not.toBeNull();
    expect(Math.abs(got! - exact)).toBeLessThanOrEqual(Math.max(exact * 0.05, 0.1));
  }
}

const STATUSES = ['up', 'up', 'up', 'up', 'up', 'degraded', 'down'] as const;

// Must run before anything in this file starts a rollup round: its rows are written
// once, before the first round, so they are read raw first and folded later.
describe('GET /v1/subscriptions/:id/metrics', () => {
  let token: string;
  let id: string;
  /** start of the current UTC hour when the data was written */
  let h0: number;
  const at = (hours: number) => new Date(h0 + hours * HOUR).toISOString();
  // hours (relative to h0) without rows: scheduled but unchecked, and paused
  const GAP = [-20, -19];
  const PAUSED = [-12, -11];

  beforeAll(async () => {
    expect(await rollups.watermark(api.ctx.db)).toBeNull();
    token = await newOwner();
    id = await newSubscription(token);
    const now = Date.now();
    h0 = hourStart(now);
    await setSchedule(id, [
      { at: h0 - 30 * HOUR, scheduled: true },
      { at: h0 - 12 * HOUR, scheduled: false },
      { at: h0 - 10 * HOUR, scheduled: true },
    ]);
    // a check every minute for 30 hours, up to two minutes ago: slots of the last minute are not
    // due yet, so these figures are the expected ones exactly (see the test of totals agreeing)
    const rand = rng(7);
    const rows: CheckRow[] = [];
    for (let t = h0 - 30 * HOUR; t < now - 2 * MINUTE; t += MINUTE) {
      const hour = Math.floor((t - h0) / HOUR);
      if (GAP.includes(hour) || PAUSED.includes(hour)) continue;
      const status = STATUSES[Math.floor(rand() * STATUSES.length)]!;
      // heavy-tailed latencies across the histogram's linear and log parts
      const ms = status === 'down' && rand() < 0.5 ? null : Math.floor(1 + rand() ** 3 * 5_000);
      rows.push(checkRow(id, t, { status, response_time_ms: ms }));
    }
    await results.insertCheckRows(api.ctx.db, rows);
  });

  it('from raw rows: totals, uptime and percentiles match SQL, one bucket per hour', async () => {
    const from = at(-30);
    const to = at(1);
    const before = Date.now();
    const body = await getMetrics(token, id, { from, to, bucket: '1h' });
    const after = Date.now();
    expect(body).toMatchObject({ subscription_id: id, from, to, bucket: '1h' });

    const want = await direct(id, from, to);
    expect(want.overall.total).toBeGreaterThan(1_000);
    expectMatches(body, want.overall);

    // every hour from `from` to the current one, including those without rows
    expect(body.series.map((b) => b.time)).toEqual(
      Array.from({ length: 31 }, (_, i) => at(i - 30)),
    );
    for (const bucket of body.series) {
      const hour = want.byHour.get(bucket.time);
      if (hour) expectMatches(bucket, hour);
      else expect(bucket.total_checks).toBe(0);
    }

    // a full hour: 60 slots due, 60 checked
    expect(body.series[5]).toMatchObject({ expected_checks: 60, coverage_pct: 100 });
    // overall: 28 scheduled past hours plus the current one so far (a minute's grace)
    const dueNow = (t: number) => Math.min(Math.max((t - MINUTE - h0) / MINUTE, 0), 60);
    expect(body.expected_checks).toBeGreaterThanOrEqual(Math.floor(28 * 60 + dueNow(before)));
    expect(body.expected_checks).toBeLessThanOrEqual(Math.ceil(28 * 60 + dueNow(after)));
    // coverage: checked over due, below 100 because of the gap
    const coverage = (t: number) => (body.total_checks / (28 * 60 + dueNow(t))) * 100;
    expect(body.coverage_pct).toBeGreaterThanOrEqual(round(coverage(after), 2) - 0.01);
    expect(body.coverage_pct).toBeLessThanOrEqual(round(coverage(before), 2) + 0.01);
    expect(body.coverage_pct).toBeLessThan(100);
  });

  it('never counts more checked than due: a check of the last minute was due, confirmations are no slots', async () => {
    const mine = await newSubscription(token);
    const now = Date.now();
    const start = now - 2 * HOUR;
    await setSchedule(mine, [{ at: start, scheduled: true }]);
    const rows: CheckRow[] = [];
    for (let t = start; t < now - 1_000; t += MINUTE) rows.push(checkRow(mine, t));
    // two failures confirmed by retries 20 s later: stored, but no slot of the schedule
    rows.push(
      checkRow(mine, start + 30 * MINUTE + 20_000, { status: 'down', confirmation: true }),
      checkRow(mine, start + 31 * MINUTE + 20_000, { status: 'up', confirmation: true }),
    );
    await results.insertCheckRows(api.ctx.db, rows);
    const body = await getMetrics(token, mine, {
      from: new Date(start).toISOString(),
      to: new Date(hourStart(now) + HOUR).toISOString(),
      bucket: '1h',
    });
    // every slot's check counts, the last minute's too: the figures are fresh
    expect(body.total_checks).toBe(rows.length - 2);
    expect(body.expected_checks).toBeGreaterThanOrEqual(body.total_checks);
    expect(body.coverage_pct).toBeLessThanOrEqual(100);
    expect(body.coverage_pct).toBeGreaterThan(98);
    expect(body.down_checks).toBe(0);
    expect(body.up_checks).toBe(body.total_checks);
    // the buckets add up to the totals
    const sum = (k: 'total_checks' | 'expected_checks') =>
      body.series.reduce((n, b) => n + (b[k] ?? 0), 0);
    expect(sum('total_checks')).toBe(body.total_checks);
    expect(sum('expected_checks')).toBeCloseTo(body.expected_checks ?? 0, 6);
    // the history shows the confirmation checks, marked
    const checks = await api.http
      .get(`/v1/subscriptions/${mine}/checks`)
      .query({ limit: 1000 })
      .set(bearer(token))
      .expect(200);
    const marked = (checks.body as { items: { confirmation: boolean }[] }).items.filter(
      (c) => c.confirmation,
    );
    expect(marked).toHaveLength(2);
  });

  it('shows a stretch without checks as a gap, and a paused stretch as not due', async () => {
    const body = await getMetrics(token, id, { from: at(-30), to: at(1), bucket: '1h' });
    const byTime = new Map(body.series.map((b) => [b.time, b]));
    for (const hour of GAP) {
      // scheduled, nothing checked: coverage 0 and no uptime, never 100
      expect(byTime.get(at(hour))).toMatchObject({
        total_checks: 0,
        uptime_pct: null,
        expected_checks: 60,
        coverage_pct: 0,
        p50_latency_ms: null,
      });
    }
    for (const hour of PAUSED) {
      expect(byTime.get(at(hour))).toMatchObject({
        total_checks: 0,
        uptime_pct: null,
        expected_checks: 0,
        coverage_pct: null,
      });
    }
    // the hours around the pause are whole again
    expect(byTime.get(at(-13))).toMatchObject({ expected_checks: 60, coverage_pct: 100 });
    expect(byTime.get(at(-10))).toMatchObject({ expected_checks: 60, coverage_pct: 100 });
  });

  it('gives the same figures after rollup rounds: folded rows plus the fresh raw tail', async () => {
    const hourly = { from: at(-30), to: at(1), bucket: '1h' };
    const daily = { from: at(-30), to: at(1), bucket: '1d' };
    const rawHourly = await getMetrics(token, id, hourly);
    const rawDaily = await getMetrics(token, id, daily);

    const watermark = await catchUp();
    const folded = await api.ctx.db
      .selectFrom('check_rollups_hourly')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('subscription_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(Number(folded.n)).toBeGreaterThan(20);
    // some rows are newer than the watermark, so they are still read raw
    const tail = await api.ctx.db
      .selectFrom('check_history')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('subscription_id', '=', id)
      .where('time', '>', watermark)
      .executeTakeFirstOrThrow();
    expect(Number(tail.n)).toBeGreaterThan(0);

    // what is due in the current bucket grows with the clock; everything else must agree
    const stable = (m: MetricsJson) => ({
      ...m,
      expected_checks: undefined,
      coverage_pct: undefined,
      series: m.series.map((b, i) =>
        i === m.series.length - 1
          ? { ...b, expected_checks: undefined, coverage_pct: undefined }
          : b,
      ),
    });
    const rolledHourly = await getMetrics(token, id, hourly);
    expect(stable(rolledHourly)).toEqual(stable(rawHourly));
    expect(stable(await getMetrics(token, id, daily))).toEqual(stable(rawDaily));
    expectMatches(rolledHourly, (await direct(id, hourly.from, hourly.to)).overall);

    // daily buckets: from floored to the UTC day
    const dayStart = new Date(Math.floor((h0 - 30 * HOUR) / DAY) * DAY).toISOString();
    expect(rawDaily.from).toBe(dayStart);
    expect(rawDaily.series[0]!.time).toBe(dayStart);
    expect(rawDaily.total_checks).toBe(rawHourly.total_checks);
  });

  it('aligns from and to to the bucket and picks the bucket from the range', async () => {
    const unaligned = await getMetrics(token, id, {
      from: new Date(h0 - 5 * HOUR - 17 * MINUTE).toISOString(),
      to: new Date(h0 - 2 * HOUR - 3 * MINUTE).toISOString(),
    });
    expect(unaligned).toMatchObject({ from: at(-6), to: at(-2), bucket: '1h' });
    expect(unaligned.series.map((b) => b.time)).toEqual([at(-6), at(-5), at(-4), at(-3)]);

    // default: the last 24 hours, hourly, up to the current hour
    const latest = await getMetrics(token, id);
    expect(latest.bucket).toBe('1h');
    const from = Date.parse(latest.from);
    const to = Date.parse(latest.to);
    expect(from % HOUR).toBe(0);
    expect(to % HOUR).toBe(0);
    expect([24 * HOUR, 25 * HOUR]).toContain(to - from);
    // buckets entirely in the future are left out
    expect(latest.series).toHaveLength((to - from) / HOUR);
    expect(Date.parse(latest.series[latest.series.length - 1]!.time)).toBeLessThanOrEqual(
      Date.now(),
    );

    // longer than a week: daily by default; hourly when asked, up to 31 days
    const today = Math.floor(h0 / DAY) * DAY;
    const tenDays = {
      from: new Date(today - 9 * DAY).toISOString(),
      to: new Date(today + DAY).toISOString(),
    };
    const daily = await getMetrics(token, id, tenDays);
    expect(daily.bucket).toBe('1d');
    expect(daily.series.every((b) => Date.parse(b.time) % DAY === 0)).toBe(true);
    expect(daily.total_checks).toBeGreaterThan(0);
    const hourly = await getMetrics(token, id, { ...tenDays, bucket: '1h' });
    expect(hourly.series.length).toBeGreaterThan(daily.series.length);
    expect(daily.total_checks).toBe(hourly.total_checks);

    // a range in the future has no buckets yet
    const future = await getMetrics(token, id, {
      from: new Date(h0 + 2 * HOUR).toISOString(),
      to: new Date(h0 + 5 * HOUR).toISOString(),
    });
    expect(future).toMatchObject({ total_checks: 0, uptime_pct: null, series: [] });
  });
});

describe('regions: the metrics and checks of one region, or of all', () => {
  let token: string;
  let id: string;
  let h0: number;
  const at = (hours: number) => new Date(h0 + hours * HOUR).toISOString();
  const CHOSEN = ['eu-west', 'us-east', 'ap-south'];
  /** ap-south's checker is gone from this hour on (relative to h0) */
  const AP_GONE = -3;

  beforeAll(async () => {
    token = await newOwner();
    id = await newSubscription(token);
    const now = Date.now();
    h0 = hourStart(now);
    await setSchedule(id, [{ at: h0 - 6 * HOUR, scheduled: true }]);
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ regions: CHOSEN })
      .where('id', '=', id)
      .execute();
    // every slot from every region, with latencies of their own, until ap-south goes quiet
    const rand = rng(11);
    const rows: CheckRow[] = [];
    for (let t = h0 - 6 * HOUR; t < now - 2 * MINUTE; t += MINUTE) {
      rows.push(
        checkRow(id, t, { region: 'eu-west', response_time_ms: 20 + Math.floor(rand() * 30) }),
      );
      const down = rand() < 0.1;
      rows.push(
        checkRow(id, t, {
          region: 'us-east',
          status: down ? 'down' : 'up',
          response_time_ms: down ? null : 150 + Math.floor(rand() * 100),
        }),
      );
      if (t < h0 + AP_GONE * HOUR) {
        rows.push(
          checkRow(id, t, { region: 'ap-south', response_time_ms: 400 + Math.floor(rand() * 400) }),
        );
      }
    }
    await results.insertCheckRows(api.ctx.db, rows);
    // rows behind the watermark of earlier rounds count once a round has recomputed their hours
    await catchUp();
  });

  const range = () => ({ from: at(-6), to: at(1), bucket: '1h' });

  it('gives one region’s figures with ?region=, and all regions’ as the sum of theirs', async () => {
    const all = await getMetrics(token, id, range());
    expect(all).toMatchObject({ region: null, regions: ['ap-south', 'eu-west', 'us-east'] });
    expectMatches(all, (await direct(id, range().from, range().to)).overall);

    let total = 0;
    const p50 = new Map<string, number | null>();
    for (const region of CHOSEN) {
      const one = await getMetrics(token, id, { ...range(), region });
      // the list names every region with checks, whichever is asked for
      expect(one).toMatchObject({ region, regions: all.regions });
      const want = await direct(id, range().from, range().to, region);
      expectMatches(one, want.overall);
      for (const bucket of one.series) {
        const hour = want.byHour.get(bucket.time);
        if (hour) expectMatches(bucket, hour);
        else expect(bucket.total_checks).toBe(0);
      }
      total += one.total_checks;
      p50.set(region, one.p50_latency_ms);
    }
    expect(all.total_checks).toBe(total);
    // each region's latency is its own
    expect(p50.get('eu-west')!).toBeLessThan(60);
    expect(p50.get('us-east')!).toBeGreaterThan(140);
    expect(p50.get('ap-south')!).toBeGreaterThan(390);

    // a region without checks: nothing, and the list still names those with checks
    const none = await getMetrics(token, id, { ...range(), region: 'sa-east' });
    expect(none).toMatchObject({
      region: 'sa-east',
      regions: all.regions,
      total_checks: 0,
      uptime_pct: null,
    });

    // the same figures once rolled up
    await catchUp();
    const rolled = await getMetrics(token, id, { ...range(), region: 'us-east' });
    expectMatches(rolled, (await direct(id, range().from, range().to, 'us-east')).overall);
    expect((await getMetrics(token, id, range())).total_checks).toBe(all.total_checks);
  });

  it('counts every region in coverage: a slot checked from 3 regions is 3 checks due', async () => {
    const all = await getMetrics(token, id, range());
    const byTime = new Map(all.series.map((b) => [b.time, b]));
    // all three regions at work: 3 × 60 due, 3 × 60 made
    expect(byTime.get(at(-5))).toMatchObject({
      total_checks: 180,
      expected_checks: 180,
      coverage_pct: 100,
    });
    // ap-south gone: two regions of three
    expect(byTime.get(at(-2))).toMatchObject({
      total_checks: 120,
      expected_checks: 180,
      coverage_pct: 66.67,
    });
    // one region's figures: its own slots are due once
    const eu = await getMetrics(token, id, { ...range(), region: 'eu-west' });
    expect(eu.series.find((b) => b.time === at(-2))).toMatchObject({
      total_checks: 60,
      expected_checks: 60,
      coverage_pct: 100,
    });
    const ap = await getMetrics(token, id, { ...range(), region: 'ap-south' });
    expect(ap.series.find((b) => b.time === at(-2))).toMatchObject({
      total_checks: 0,
      expected_checks: 60,
      coverage_pct: 0,
    });
    expect(all.expected_checks).toBeGreaterThan(eu.expected_checks! * 2.9);

    // a subscription of the default region (regions NULL) is due once per slot, as before
    await api.ctx.db
      .updateTable('subscriptions')
      .set({ regions: null })
      .where('id', '=', id)
      .execute();
    try {
      const single = await getMetrics(token, id, range());
      expect(single.series.find((b) => b.time === at(-5))).toMatchObject({
        total_checks: 180,
        expected_checks: 180,
        coverage_pct: 100,
      });
      expect(single.series.find((b) => b.time === at(-2))).toMatchObject({
        total_checks: 120,
        // never fewer due than made
        expected_checks: 120,
      });
    } finally {
      await api.ctx.db
        .updateTable('subscriptions')
        .set({ regions: CHOSEN })
        .where('id', '=', id)
        .execute();
    }
  });

  it('lists one region’s checks with ?region=, and pages through a slot’s regions', async () => {
    const window = { from: at(-4), to: new Date(h0 - 4 * HOUR + 5 * MINUTE).toISOString() };
    // five slots, three regions each: newest first, regions Z to A within a slot
    const walked: CheckJson[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.http
        .get(`/v1/subscriptions/${id}/checks`)
        .query({ ...window, limit: '2', ...(cursor ? { cursor } : {}) })
        .set(bearer(token))
        .expect(200);
      const page = res.body as ListJson<CheckJson>;
      walked.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    const slots = Array.from({ length: 5 }, (_, i) =>
      new Date(h0 - 4 * HOUR + (4 - i) * MINUTE).toISOString(),
    );
    expect(walked.map((c) => `${c.time} ${c.region}`)).toEqual(
      slots.flatMap((t) => ['us-east', 'eu-west', 'ap-south'].map((r) => `${t} ${r}`)),
    );

    const only = await api.http
      .get(`/v1/subscriptions/${id}/checks`)
      .query({ ...window, region: 'us-east', limit: '3' })
      .set(bearer(token))
      .expect(200);
    const page = only.body as ListJson<CheckJson>;
    expect(page.items.map((c) => `${c.time} ${c.region}`)).toEqual(
      slots.slice(0, 3).map((t) => `${t} us-east`),
    );
    // its cursor goes on within the region
    const next = await api.http
      .get(`/v1/subscriptions/${id}/checks`)
      .query({ ...window, region: 'us-east', cursor: page.next_cursor! })
      .set(bearer(token))
      .expect(200);
    expect((next.body as ListJson<CheckJson>).items.map((c) => `${c.time} ${c.region}`)).toEqual(
      slots.slice(3).map((t) => `${t} us-east`),
    );
    expect((next.body as ListJson<CheckJson>).next_cursor).toBeNull();
  });

  it('answers as the document describes', async () => {
    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    const metrics = await getMetrics(token, id, { ...range(), region: 'eu-west' });
    expect(
      schemaProblems(doc, responseSchema(doc, '/v1/subscriptions/{id}/metrics', 'get'), metrics),
    ).toEqual([]);
    const params = (
      doc.paths['/v1/subscriptions/{id}/metrics']?.get as { parameters: { name: string }[] }
    ).parameters.map((p) => p.name);
    expect(params).toContain('region');
  });
});

describe('GET /v1/subscriptions/:id/checks', () => {
  it('walks every row exactly once, newest first', async () => {
    const token = await newOwner();
    const id = await newSubscription(token);
    const end = hourStart(Date.now()) - 2 * HOUR;
    const rows = Array.from({ length: 250 }, (_, i) =>
      checkRow(id, end - i * 10_000, { response_time_ms: i }),
    );
    await results.insertCheckRows(api.ctx.db, rows);

    const seen: CheckJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api.http
        .get(`/v1/subscriptions/${id}/checks`)
        .query({ limit: '37', ...(cursor ? { cursor } : {}) })
        .set(bearer(token))
        .expect(200);
      const page = res.body as ListJson<CheckJson>;
      expect(page.items.length).toBeLessThanOrEqual(37);
      seen.push(...page.items);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(7);
    expect(seen.map((c) => c.time)).toEqual(rows.map((r) => r.time.toISOString()));
    expect(seen.map((c) => c.response_time_ms)).toEqual(rows.map((_, i) => i));

    // the default page is 100 rows
    const first = await api.http
      .get(`/v1/subscriptions/${id}/checks`)
      .set(bearer(token))
      .expect(200);
    expect((first.body as ListJson<CheckJson>).items).toHaveLength(100);

    // from (inclusive) and to (exclusive)
    const window = await api.http
      .get(`/v1/subscriptions/${id}/checks`)
      .query({
        from: new Date(end - 50_000).toISOString(),
        to: new Date(end - 10_000).toISOString(),
      })
      .set(bearer(token))
      .expect(200);
    expect((window.body as ListJson<CheckJson>).items.map((c) => c.response_time_ms)).toEqual([
      2, 3, 4, 5,
    ]);
    expect((window.body as ListJson<CheckJson>).next_cursor).toBeNull();
  });

  it('keeps rows of one millisecond apart across pages, and shows every field', async () => {
    const token = await newOwner();
    const id = await newSubscription(token);
    const t = new Date(hourStart(Date.now()) - HOUR).toISOString().replace('Z', '');
    // three rows within one millisecond: only the microseconds tell them apart
    await sql`
      INSERT INTO check_history (time, subscription_id, status, error_message)
      VALUES (${`${t}100Z`}::timestamptz, ${id}, 'down', 'first'),
             (${`${t}500Z`}::timestamptz, ${id}, 'degraded', 'second'),
             (${`${t}900Z`}::timestamptz, ${id}, 'up', 'third')`.execute(api.ctx.db);
    await results.insertCheckRows(api.ctx.db, [
      checkRow(id, Date.parse(`${t}Z`) + 60_000, {
        http_status: 503,
        response_time_ms: 812,
        timings: { dns: 3, connect: 12, tls: 40, ttfb: 750 },
        error_category: 'http_status',
        error_message: 'unexpected status 503',
        body_excerpt: 'never shown here',
        schedule_lag_ms: 45,
        region: 'eu-west',
        status: 'down',
        maintenance: true,
      }),
    ]);

    const messages: (string | null)[] = [];
    const items: CheckJson[] = [];
    let cursor: string | null = null;
    do {
      const res = await api.http
        .get(`/v1/subscriptions/${id}/checks`)
        .query({ limit: '1', ...(cursor ? { cursor } : {}) })
        .set(bearer(token))
        .expect(200);
      const page = res.body as ListJson<CheckJson>;
      items.push(...page.items);
      messages.push(...page.items.map((c) => c.error_message));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(messages).toEqual(['unexpected status 503', 'third', 'second', 'first']);
    expect(items[0]).toEqual({
      time: new Date(Date.parse(`${t}Z`) + 60_000).toISOString(),
      status: 'down',
      http_status: 503,
      response_time_ms: 812,
      timings: { dns: 3, connect: 12, tls: 40, ttfb: 750 },
      error_category: 'http_status',
      error_message: 'unexpected status 503',
      schedule_lag_ms: 45,
      region: 'eu-west',
      maintenance: true,
      confirmation: false,
      value: null,
      value_text: null,
    });
    // no maintenance flag stored: false
    expect(items[1]).toMatchObject({ status: 'up', maintenance: false, http_status: null });
  });

  it('returns the value each check measured, as the document describes', async () => {
    const token = await newOwner();
    const id = await newSubscription(token);
    const t = hourStart(Date.now()) - HOUR;
    // a balance, a block height with its exact reading, and a check that measures nothing
    const uint256Max =
      '115792089237316195423570985008687907853269984665640564039457584007913129639935';
    await results.insertCheckRows(api.ctx.db, [
      checkRow(id, t, { value: 1234.5678 }),
      checkRow(id, t + MINUTE, { value: 1.157920892373162e77, value_text: uint256Max }),
      checkRow(id, t + 2 * MINUTE, { value: 0 }),
      checkRow(id, t + 3 * MINUTE),
    ]);

    const res = await api.http.get(`/v1/subscriptions/${id}/checks`).set(bearer(token)).expect(200);
    const items = (res.body as ListJson<CheckJson>).items;
    expect(items.map((c) => [c.value, c.value_text])).toEqual([
      [null, null],
      [0, null],
      [1.157920892373162e77, uint256Max],
      [1234.5678, null],
    ]);
    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    const schema = responseSchema(doc, '/v1/subscriptions/{id}/checks', 'get');
    expect(schemaProblems(doc, schema, res.body)).toEqual([]);
  });
});

describe('GET /v1/subscriptions/:id/incidents', () => {
  it('lists newest first with duration and open flag, filtered and paginated', async () => {
    const token = await newOwner();
    const id = await newSubscription(token);
    const now = Date.now();
    const tie = new Date(now - 3 * HOUR);
    await api.ctx.db
      .insertInto('incidents')
      .values([
        {
          subscription_id: id,
          started_at: new Date(now - 30 * MINUTE),
          resolved_at: null,
          error_category: 'timeout',
          error_message: 'no answer in 10000 ms',
        },
        {
          subscription_id: id,
          started_at: new Date(now - 5 * HOUR),
          resolved_at: new Date(now - 4 * HOUR),
          error_category: 'http_status',
          error_message: 'unexpected status 500',
        },
        // two incidents starting together: the id breaks the tie
        { subscription_id: id, started_at: tie, resolved_at: new Date(tie.getTime() + 90_000) },
        { subscription_id: id, started_at: tie, resolved_at: new Date(tie.getTime() + 30_000) },
      ])
      .execute();

    const res = await api.http
      .get(`/v1/subscriptions/${id}/incidents`)
      .set(bearer(token))
      .expect(200);
    const after = Date.now();
    const list = res.body as ListJson<IncidentJson>;
    expect(list.next_cursor).toBeNull();
    expect(list.items.map((i) => i.started_at)).toEqual([
      new Date(now - 30 * MINUTE).toISOString(),
      tie.toISOString(),
      tie.toISOString(),
      new Date(now - 5 * HOUR).toISOString(),
    ]);
    const [open, tieA, tieB, old] = list.items as [
      IncidentJson,
      IncidentJson,
      IncidentJson,
      IncidentJson,
    ];
    expect(open).toMatchObject({
      open: true,
      resolved_at: null,
      error_category: 'timeout',
      error_message: 'no answer in 10000 ms',
    });
    // still open: counted up to the answer
    expect(open.duration_seconds).toBeGreaterThanOrEqual(30 * 60);
    expect(open.duration_seconds).toBeLessThanOrEqual(Math.floor((after - now) / 1000) + 30 * 60);
    expect(old).toMatchObject({
      open: false,
      resolved_at: new Date(now - 4 * HOUR).toISOString(),
      duration_seconds: 3600,
      error_category: 'http_status',
    });
    expect(tieA.id > tieB.id).toBe(true);
    expect([tieA.duration_seconds, tieB.duration_seconds].sort()).toEqual([30, 90]);

    const only = async (status: string) => {
      const r = await api.http
        .get(`/v1/subscriptions/${id}/incidents`)
        .query({ status })
        .set(bearer(token))
        .expect(200);
      return (r.body as ListJson<IncidentJson>).items.map((i) => i.id);
    };
    expect(await only('open')).toEqual([open.id]);
    expect(await only('resolved')).toEqual([tieA.id, tieB.id, old.id]);

    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const r = await api.http
        .get(`/v1/subscriptions/${id}/incidents`)
        .query({ limit: '1', ...(cursor ? { cursor } : {}) })
        .set(bearer(token))
        .expect(200);
      const page = r.body as ListJson<IncidentJson>;
      walked.push(...page.items.map((i) => i.id));
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(walked).toEqual(list.items.map((i) => i.id));
  });
});

describe('history endpoints: validation and access', () => {
  let token: string;
  let id: string;
  beforeAll(async () => {
    token = await newOwner();
    id = await newSubscription(token);
  });

  const rejects = async (path: string, query: Record<string, string>, field: string) => {
    const res = await api.http
      .get(`/v1/subscriptions/${id}/${path}`)
      .query(query)
      .set(bearer(token))
      .expect(400);
    expect((res.body as ErrorJson).error.code).toBe('validation_error');
    expect(fieldsOf(res.body)).toEqual([field]);
  };

  it('names the bad field of a metrics query', async () => {
    const now = Date.now();
    const iso = (offset: number) => new Date(now + offset).toISOString();
    await rejects('metrics', { from: iso(0), to: iso(-HOUR) }, 'from');
    await rejects('metrics', { from: iso(0), to: iso(0) }, 'from');
    await rejects('metrics', { bucket: '5m' }, 'bucket');
    await rejects('metrics', { from: iso(-32 * DAY), to: iso(0), bucket: '1h' }, 'bucket');
    await rejects('metrics', { from: iso(-731 * DAY), to: iso(0) }, 'from');
    await rejects('metrics', { from: 'yesterday' }, 'from');
    await rejects('metrics', { to: '2026-01-31' }, 'to');
    for (const region of ['EU-West', 'eu west', '', '-eu', 'x'.repeat(33)]) {
      await rejects('metrics', { region }, 'region');
      await rejects('checks', { region }, 'region');
    }
    // twice is not one region
    const twice = await api.http
      .get(`/v1/subscriptions/${id}/metrics?region=eu-west&region=us-east`)
      .set(bearer(token))
      .expect(400);
    expect(fieldsOf(twice.body)).toEqual(['region']);
    // 31 days hourly and 730 days daily are allowed
    await getMetrics(token, id, { from: iso(-31 * DAY), to: iso(0), bucket: '1h' });
    await getMetrics(token, id, { from: iso(-730 * DAY), to: iso(0) });
  });

  it('names the bad field of a checks or incidents query', async () => {
    await rejects('checks', { limit: '0' }, 'limit');
    await rejects('checks', { limit: '1001' }, 'limit');
    await rejects('checks', { limit: 'many' }, 'limit');
    await rejects('checks', { cursor: 'not-a-cursor' }, 'cursor');
    await rejects(
      'checks',
      { from: new Date().toISOString(), to: new Date(Date.now() - HOUR).toISOString() },
      'from',
    );
    await rejects('incidents', { cursor: 'not-a-cursor' }, 'cursor');
    await rejects('incidents', { status: 'closed' }, 'status');
    await rejects('incidents', { limit: '0' }, 'limit');

    // a cursor of another subscription's checks does not fit this one
    const other = await newSubscription(token);
    await results.insertCheckRows(api.ctx.db, [
      checkRow(other, hourStart(Date.now()) - HOUR),
      checkRow(other, hourStart(Date.now()) - 2 * HOUR),
    ]);
    const page = await api.http
      .get(`/v1/subscriptions/${other}/checks`)
      .query({ limit: '1' })
      .set(bearer(token))
      .expect(200);
    const cursor = (page.body as ListJson<CheckJson>).next_cursor;
    expect(cursor).not.toBeNull();
    await rejects('checks', { cursor: cursor! }, 'cursor');
  });

  it('answers 404 for another wallet, a deleted subscription or a malformed id', async () => {
    const stranger = await newOwner();
    for (const path of ['metrics', 'checks', 'incidents']) {
      const res = await api.http
        .get(`/v1/subscriptions/${id}/${path}`)
        .set(bearer(stranger))
        .expect(404);
      expect((res.body as ErrorJson).error.code).toBe('not_found');
      await api.http.get(`/v1/subscriptions/not-a-uuid/${path}`).set(bearer(token)).expect(404);
      await api.http.get(`/v1/subscriptions/${id}/${path}`).expect(401);
    }
    const gone = await newSubscription(token);
    await api.http.delete(`/v1/subscriptions/${gone}`).set(bearer(token)).expect(204);
    for (const path of ['metrics', 'checks', 'incidents']) {
      await api.http.get(`/v1/subscriptions/${gone}/${path}`).set(bearer(token)).expect(404);
    }
  });
});
