import { results, type CheckRow } from '@lighthouse/db';
import {
  prepareCheckHistory,
  randomWallet,
  responseSchema,
  schemaProblems,
  type OpenApiDocument,
} from '@lighthouse/testing';
import { bearer, signIn, startTestApi, type TestApi } from './helpers';

// Heartbeat push URLs (public, per-token rate limit, shown once, rotatable) and canary
// subscriptions (masked steps, steps in the check history).

const PUSH_LIMIT = 5;
let api: TestApi;
let token: string;

beforeAll(async () => {
  api = await startTestApi({ RATE_LIMIT_PUSH_PER_MINUTE: String(PUSH_LIMIT) });
  token = await signIn(api.http, randomWallet());
  await prepareCheckHistory(api.ctx.db, -1, 0);
});

afterAll(async () => {
  await api.close();
});

interface Created {
  id: string;
  target_config: Record<string, unknown>;
  push_token?: string;
  push_url?: string;
}

async function create(body: Record<string, unknown>): Promise<Created> {
  const res = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send({ tier: 'team', check_frequency_seconds: 60, alert_channels: [], ...body });
  expect({ status: res.status, body: res.body as unknown }).toMatchObject({ status: 201 });
  return res.body as Created;
}

const heartbeat = () =>
  create({ name: 'nightly backup', target_type: 'heartbeat', target_config: {} });

async function lastPing(id: string) {
  return api.ctx.db
    .selectFrom('heartbeats')
    .select(['last_status', 'last_message', 'ping_count'])
    .where('subscription_id', '=', id)
    .executeTakeFirstOrThrow();
}

describe('a heartbeat subscription', () => {
  it('shows its push URL once, in the 201, and never again', async () => {
    const sub = await heartbeat();
    expect(sub.target_config).toEqual({ grace_seconds: 60 });
    expect(sub.push_token).toMatch(/^lhp_[A-Za-z0-9_-]{43}$/);
    expect(sub.push_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/push\/lhp_/);
    expect(sub.push_url?.endsWith(`/v1/push/${sub.push_token}`)).toBe(true);
    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    const schema = responseSchema(doc, '/v1/subscriptions', 'post', '201');
    expect(schemaProblems(doc, schema, sub)).toEqual([]);
    const secret = sub.push_token as string;

    // only its hash is stored
    const stored = await api.ctx.db
      .selectFrom('heartbeats')
      .selectAll()
      .where('subscription_id', '=', sub.id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toHaveLength(32);
    expect(JSON.stringify(stored)).not.toContain(secret);

    await api.http.get(`/v1/push/${secret}`).expect(200);
    for (const path of [
      '/v1/subscriptions',
      `/v1/subscriptions/${sub.id}`,
      `/v1/subscriptions/${sub.id}/checks`,
      `/v1/subscriptions/${sub.id}/alerts`,
      '/v1/audit-log',
    ]) {
      const res = await api.http.get(path).set(bearer(token)).expect(200);
      expect({ path, leaks: res.text.includes(secret) }).toEqual({ path, leaks: false });
    }
    expect(api.logs.join('\n')).not.toContain(secret);
  });

  it('takes pings without auth, by GET or POST, with status and message in the query or body', async () => {
    const sub = await heartbeat();
    const url = `/v1/push/${sub.push_token}`;
    const res = await api.http.get(url).expect(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(await lastPing(sub.id)).toEqual({
      last_status: 'up',
      last_message: null,
      ping_count: '1',
    });

    await api.http.get(`${url}?status=down&message=disk%20full`).expect(200);
    expect(await lastPing(sub.id)).toMatchObject({
      last_status: 'down',
      last_message: 'disk full',
    });

    await api.http
      .post(url)
      .send({ status: 'DOWN', message: 'exit code 2:\n  rsync failed', exit_code: 2 })
      .expect(200);
    expect(await lastPing(sub.id)).toMatchObject({
      last_status: 'down',
      last_message: 'exit code 2: rsync failed',
    });

    // curl -d status=up: a form body
    await api.http.post(url).type('form').send('status=up&message=ok').expect(200);
    expect(await lastPing(sub.id)).toMatchObject({
      last_status: 'up',
      last_message: 'ok',
      ping_count: '4',
    });
  });

  it('refuses a status other than up or down, and writes nothing', async () => {
    const sub = await heartbeat();
    const url = `/v1/push/${sub.push_token}`;
    const bad = await api.http.get(`${url}?status=maybe`).expect(400);
    expect(bad.body).toMatchObject({
      error: { code: 'validation_error', details: { fields: [{ field: 'status' }] } },
    });
    await api.http.post(url).send({ message: 42 }).expect(400);
    await api.http
      .post(url)
      .send([{ status: 'up' }])
      .expect(400);
    expect(await lastPing(sub.id)).toMatchObject({ ping_count: '0', last_status: null });
  });

  it('answers 404 for a token that was never issued, or whose subscription is deleted', async () => {
    const unknown = `lhp_${'A'.repeat(43)}`;
    for (const path of [`/v1/push/${unknown}`, '/v1/push/not-a-token', '/v1/push/%E2%9C%93']) {
      const res = await api.http.get(path).expect(404);
      expect(res.body).toEqual({
        error: { code: 'not_found', message: 'push URL not found', details: null },
      });
    }
    const sub = await heartbeat();
    await api.http.delete(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(204);
    await api.http.post(`/v1/push/${sub.push_token}`).expect(404);
    expect(api.logs.join('\n')).not.toContain(unknown);
  });

  it('rotates its push URL: the new one works, the old one is gone', async () => {
    const sub = await heartbeat();
    const old = sub.push_token as string;
    const res = await api.http
      .post(`/v1/subscriptions/${sub.id}/push-token`)
      .set(bearer(token))
      .expect(200);
    const body = res.body as { subscription_id: string; push_token: string; push_url: string };
    expect(body.subscription_id).toBe(sub.id);
    expect(body.push_token).not.toBe(old);
    expect(body.push_url.endsWith(`/v1/push/${body.push_token}`)).toBe(true);
    await api.http.get(`/v1/push/${old}`).expect(404);
    await api.http.get(`/v1/push/${body.push_token}`).expect(200);

    const audit = await api.http.get('/v1/audit-log').set(bearer(token)).expect(200);
    const actions = (audit.body as { items: { action: string; resource_id: string }[] }).items
      .filter((e) => e.resource_id === sub.id)
      .map((e) => e.action);
    expect(actions).toContain('subscription.push_token.rotate');
    expect(audit.text).not.toContain(body.push_token);
    expect(api.logs.join('\n')).not.toContain(body.push_token);
  });

  it("rotates only the caller's heartbeat subscriptions", async () => {
    const sub = await heartbeat();
    const stranger = await signIn(api.http, randomWallet());
    await api.http.post(`/v1/subscriptions/${sub.id}/push-token`).set(bearer(stranger)).expect(404);
    await api.http.post(`/v1/subscriptions/${sub.id}/push-token`).expect(401);
    const http = await create({
      target_type: 'http',
      target_config: { url: 'https://example.com/health' },
    });
    const res = await api.http
      .post(`/v1/subscriptions/${http.id}/push-token`)
      .set(bearer(token))
      .expect(409);
    expect((res.body as { error: { message: string } }).error.message).toBe(
      'only heartbeat subscriptions have a push URL (this one is http)',
    );
    // the stranger's attempt changed nothing
    await api.http.get(`/v1/push/${sub.push_token}`).expect(200);
  });

  it('limits pings per push URL, not across URLs', async () => {
    const [a, b] = [await heartbeat(), await heartbeat()];
    for (let i = 0; i < PUSH_LIMIT; i += 1)
      await api.http.get(`/v1/push/${a.push_token}`).expect(200);
    const limited = await api.http.post(`/v1/push/${a.push_token}`).expect(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await api.http.get(`/v1/push/${b.push_token}`).expect(200);
    expect((await lastPing(a.id)).ping_count).toBe(String(PUSH_LIMIT));
    // the limiter's keys hold the token's hash, not the token
    const keys = await api.ctx.redis.keys(`${api.ctx.config.QUEUE_PREFIX}:ratelimit:pings:*`);
    expect(keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.join()).not.toContain(a.push_token as string);
  });

  it('cannot change to or from another type', async () => {
    const sub = await heartbeat();
    const res = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ target_type: 'http', target_config: { url: 'https://example.com/' } })
      .expect(400);
    expect(res.body).toMatchObject({
      error: { details: { fields: [{ field: 'target_type' }] } },
    });
    await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ target_config: { grace_seconds: 300 } })
      .expect(200);
  });
});

const flow = {
  steps: [
    {
      name: 'login',
      method: 'POST',
      url: 'https://bot:s3cret-pass@api.example.com/login',
      headers: { 'Content-Type': 'application/json', 'X-Api-Key': 'key-0123456789abcdefghij' },
      body: '{"user":"bot","password":"hunter2-correct-horse"}',
      extract: [{ var: 'token', from: 'json', path: '$.token' }],
    },
    {
      name: 'orders',
      url: 'https://api.example.com/orders',
      headers: { Authorization: 'Bearer {{token}}' },
      assert: { status: 200, json: [{ path: '$.count', operator: 'gte', value: 1 }] },
    },
  ],
};

describe('a canary subscription', () => {
  it('masks its secrets, and keeps them through an update of the masked view', async () => {
    const sub = await create({ target_type: 'canary', target_config: flow });
    const text = JSON.stringify(sub);
    for (const secret of ['s3cret-pass', 'hunter2', '0123456789'])
      expect(text).not.toContain(secret);
    const masked = sub.target_config as typeof flow;
    // a step added in front: secrets follow their step by name, not by position
    const patched = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({
        target_config: {
          ...masked,
          steps: [{ name: 'home', url: 'https://api.example.com/' }, ...masked.steps],
        },
      })
      .expect(200);
    expect((patched.body as Created).target_config).toMatchObject({
      steps: [{ name: 'home' }, { name: 'login', body: '****' }, { name: 'orders' }],
    });
    const row = await api.ctx.db
      .selectFrom('subscriptions')
      .select('target_secret')
      .where('id', '=', sub.id)
      .executeTakeFirstOrThrow();
    const stored = api.ctx.secrets.openJson<typeof flow>(row.target_secret);
    expect(stored.steps[1]).toMatchObject({
      url: 'https://bot:s3cret-pass@api.example.com/login',
      body: flow.steps[0]?.body,
      headers: flow.steps[0]?.headers,
    });
    expect(stored.steps[2]?.headers).toEqual({ Authorization: 'Bearer {{token}}' });
  });

  it('lists its checks with their steps', async () => {
    const sub = await create({ target_type: 'canary', target_config: flow });
    const time = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const row: CheckRow = {
      time,
      subscription_id: sub.id,
      status: 'down',
      http_status: 500,
      response_time_ms: 40,
      timings: { total: 40 },
      error_category: 'status',
      error_message: "step 2 'orders': unexpected status 500, expected 200",
      body_excerpt: null,
      schedule_lag_ms: 2,
      region: 'local',
      canary_steps: [
        {
          step_index: 0,
          step_name: 'login',
          status: 'up',
          http_status: 200,
          response_time_ms: 25,
          timings: { total: 25 },
          error_category: null,
          error_message: null,
        },
        {
          step_index: 1,
          step_name: 'orders',
          status: 'down',
          http_status: 500,
          response_time_ms: 15,
          timings: { total: 15 },
          error_category: 'status',
          error_message: 'unexpected status 500, expected 200',
        },
      ],
    };
    await api.ctx.db.transaction().execute(async (tx) => {
      await results.insertCheckRows(tx, [row]);
      await results.insertCanarySteps(tx, [row]);
    });
    const res = await api.http
      .get(`/v1/subscriptions/${sub.id}/checks`)
      .set(bearer(token))
      .expect(200);
    expect((res.body as { items: unknown[] }).items).toEqual([
      expect.objectContaining({
        time: time.toISOString(),
        status: 'down',
        error_message: "step 2 'orders': unexpected status 500, expected 200",
        steps: [
          {
            step: 1,
            name: 'login',
            status: 'up',
            http_status: 200,
            response_time_ms: 25,
            timings: { total: 25 },
            error_category: null,
            error_message: null,
          },
          expect.objectContaining({ step: 2, name: 'orders', status: 'down', http_status: 500 }),
        ],
      }),
    ]);
  });
});
