import { readFileSync } from 'node:fs';
import { randomWallet, TEST_METRICS_TOKEN, withAdmin } from '@lighthouse/testing';
import { TEST_TIERS, bearer, signIn, startTestApi, type TestApi } from './helpers';

describe('health, metrics, OpenAPI, Bull Board, CORS', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ CORS_ORIGINS: 'https://dash.example.com' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('/health reports both dependencies connected', async () => {
    const res = await api.http.get('/health').expect(200);
    expect(res.body).toMatchObject({ status: 'ok', database: 'connected', redis: 'connected' });
    expect(Number.isNaN(Date.parse((res.body as { timestamp: string }).timestamp))).toBe(false);
  });

  it('/metrics serves Prometheus text including request counts, with METRICS_TOKEN only', async () => {
    await api.http.get('/health').expect(200);
    await api.http.get('/metrics').expect(401);
    await api.http.get('/metrics').set('Authorization', 'Bearer not-the-token-at-all').expect(401);
    const res = await api.http
      .get('/metrics')
      .set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(
      /lighthouse_http_requests_total\{[^}]*route="\/health"[^}]*status="200"[^}]*\} \d+/,
    );
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('/v1/tiers lists the tiers file without sign-in, cheapest first', async () => {
    const file = JSON.parse(readFileSync(TEST_TIERS, 'utf8')) as {
      tiers: Record<string, Record<string, unknown>>;
    };
    const res = await api.http.get('/v1/tiers').expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=300');
    const body = res.body as { items: Record<string, unknown>[]; next_cursor: null };
    expect(body.next_cursor).toBeNull();
    // free tiers by name, then the paid one
    expect(body.items.map((t) => t.name)).toEqual(['free', 'hourly', 'none', 'team', 'pro']);
    for (const item of body.items) {
      const { name, paid, ...rest } = item;
      expect(rest).toEqual(file.tiers[name as string]);
      expect(paid).toBe(name === 'pro');
    }
  });

  it('/openapi.json describes the routes with schemas generated from validation', async () => {
    const res = await api.http.get('/openapi.json').expect(200);
    const doc = res.body as {
      openapi: string;
      paths: Record<string, unknown>;
      components: {
        schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }>;
      };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/auth/nonce',
        '/v1/auth/verify',
        '/v1/subscriptions',
        '/v1/subscriptions/{id}',
        '/health',
      ]),
    );
    expect(doc.components.schemas.SubscriptionCreate?.required).toEqual(
      expect.arrayContaining(['target_type', 'target_config']),
    );
    expect(doc.components.schemas.Target_http?.properties).toHaveProperty('valid_status_codes');
    expect(doc.components.schemas.Channel_telegram?.required).toEqual(
      expect.arrayContaining(['bot_token', 'chat_id']),
    );
  });

  it('Bull Board needs ADMIN_TOKEN: 401 without, 200 with bearer or basic auth', async () => {
    const denied = await api.http.get('/admin/queues').expect(401);
    expect(denied.headers['www-authenticate']).toMatch(/^Basic/);
    await api.http
      .get('/admin/queues')
      .set('Authorization', 'Bearer wrong-token-wrong-token')
      .expect(401);
    const page = await api.http
      .get('/admin/queues')
      .set('Authorization', `Bearer ${api.ctx.config.ADMIN_TOKEN}`)
      .expect(200);
    expect(page.text).toMatch(/<html/i);
    const basic = Buffer.from(`admin:${api.ctx.config.ADMIN_TOKEN}`).toString('base64');
    const queues = await api.http
      .get('/admin/queues/api/queues')
      .set('Authorization', `Basic ${basic}`)
      .expect(200);
    const names = (queues.body as { queues: { name: string }[] }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['alerts', 'checks', 'deliveries']);
  });

  it('answers CORS preflights for configured origins only', async () => {
    const allowed = await api.http
      .options('/v1/subscriptions')
      .set('Origin', 'https://dash.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .expect(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://dash.example.com');
    const other = await api.http
      .options('/v1/subscriptions')
      .set('Origin', 'https://evil.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await api.http.get('/v1/nothing-here').expect(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: 'no route for GET /v1/nothing-here', details: null },
    });
  });
});

describe('/health with Redis down', () => {
  let api: TestApi;
  beforeAll(async () => {
    // a port nothing listens on
    api = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await api.close();
    // ioredis arms a 2 s timer on disconnect to destroy a socket that never connected;
    // let it run out rather than have jest report a leaked worker.
    await new Promise((r) => setTimeout(r, 2_100));
  });

  it('answers 503 naming Redis, quickly, and the database still connected', async () => {
    const res = await api.http.get('/health').expect(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      database: 'connected',
      redis: 'disconnected',
    });
    // named, not explained: a driver's error text (hosts, ports, users) stays in the log
    expect(res.body).not.toHaveProperty('errors');
    expect(res.text).not.toContain('127.0.0.1');
    expect(api.logs.join('')).toContain('health check failed');
  });
});

describe('with the database gone', () => {
  let api: TestApi;
  let token: string;
  beforeAll(async () => {
    api = await startTestApi();
    token = await signIn(api.http, randomWallet());
    // every session of this database ends, and new ones are refused, as when PostgreSQL restarts
    await withAdmin(async (c) => {
      await c.query(`ALTER DATABASE "${api.database.name}" WITH ALLOW_CONNECTIONS false`);
      await c.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [
        api.database.name,
      ]);
    });
  });
  afterAll(async () => {
    await withAdmin((c) =>
      c.query(`ALTER DATABASE "${api.database.name}" WITH ALLOW_CONNECTIONS true`),
    );
    await api.close();
  });

  it('answers 503 naming the database, with Retry-After, for health and for a route', async () => {
    const health = await api.http.get('/health').expect(503);
    expect(health.body).toMatchObject({ database: 'disconnected', redis: 'connected' });
    const res = await api.http.get('/v1/subscriptions').set(bearer(token)).expect(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toEqual({
      error: {
        code: 'dependency_unavailable',
        message: 'the database is not reachable; try again shortly',
        details: { dependency: 'database' },
      },
    });
    expect(api.logs.join('\n')).toMatch(/"level":"warn".*not reachable/);
  });
});
