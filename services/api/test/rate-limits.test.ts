import { createRedis } from '@lighthouse/queue';
import { randomWallet } from '@lighthouse/testing';
import request from 'supertest';
import { createApp } from '../src/app';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// Limits small enough to reach; counters live in this file's own Redis prefix.
let api: TestApi;
beforeAll(async () => {
  api = await startTestApi({
    RATE_LIMIT_SIGN_IN_PER_MINUTE: '6',
    RATE_LIMIT_CREATE_PER_MINUTE: '3',
    RATE_LIMIT_TEST_ALERT_PER_MINUTE: '2',
  });
});
afterAll(async () => {
  await api.close();
});

interface ErrorBody {
  error: { code: string; message: string; details: { limit: number; retry_after_seconds: number } };
}

function expectLimited(res: { status: number; headers: Record<string, string>; body: unknown }) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  const body = res.body as ErrorBody;
  expect(body.error.code).toBe('rate_limited');
  expect(body.error.details.retry_after_seconds).toBe(retryAfter);
}

it('limits sign-in per client address, nonce and verify counted together', async () => {
  // two sign-ins are four requests; the sixth request is the last one allowed
  await signIn(api.http, randomWallet());
  await signIn(api.http, randomWallet());
  await api.http.get('/v1/auth/nonce').expect(200);
  await api.http.get('/v1/auth/nonce').expect(200);
  expectLimited(await api.http.get('/v1/auth/nonce'));
  expectLimited(await api.http.post('/v1/auth/verify').send({ message: 'x', signature: '0x' }));
  // other routes are not limited by it
  await api.http.get('/health').expect(200);
});

describe('per wallet', () => {
  let first: string;
  let second: string;
  beforeAll(async () => {
    // the first test used up this address's sign-in budget: clear this file's counters
    const keys = await api.ctx.redis.keys(`${api.ctx.config.QUEUE_PREFIX}:ratelimit:sign-in:*`);
    if (keys.length > 0) await api.ctx.redis.del(...keys);
    first = await signIn(api.http, randomWallet());
    second = await signIn(api.http, randomWallet());
  });

  it('limits creations per wallet, and a refused one writes nothing', async () => {
    for (let i = 0; i < 3; i++) {
      await api.http
        .post('/v1/subscriptions')
        .set(bearer(first))
        .send(httpSubscription({ name: `s${i}` }))
        .expect(201);
    }
    const before = await api.ctx.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expectLimited(
      await api.http
        .post('/v1/subscriptions')
        .set(bearer(first))
        .send(httpSubscription({ name: 'one too many' })),
    );
    // the same limit covers the other creation routes
    expectLimited(await api.http.post('/v1/api-keys').set(bearer(first)).send({ name: 'k' }));
    const after = await api.ctx.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
    // reads are not limited, and another wallet has its own budget
    await api.http.get('/v1/subscriptions').set(bearer(first)).expect(200);
    // a channel the SSRF guard refuses at once, so test alerts answer without network
    const hook = {
      type: 'webhook',
      config: { url: 'http://127.0.0.1:9/hook', secret: 's'.repeat(16) },
    };
    await api.http
      .post('/v1/subscriptions')
      .set(bearer(second))
      .send(httpSubscription({ alert_channels: [hook] }))
      .expect(201);
  });

  it('limits test alerts per wallet', async () => {
    const list = await api.http.get('/v1/subscriptions').set(bearer(second)).expect(200);
    const id = (list.body as { items: { id: string }[] }).items[0]!.id;
    // the channel's answer does not matter: requests are what is counted
    for (let i = 0; i < 2; i++) {
      const res = await api.http.post(`/v1/subscriptions/${id}/test-alert`).set(bearer(second));
      expect(res.status).not.toBe(429);
    }
    expectLimited(await api.http.post(`/v1/subscriptions/${id}/test-alert`).set(bearer(second)));
  });
});

it('sends security headers, and lets badges load on other sites', async () => {
  const res = await api.http.get('/health').expect(200);
  expect(res.headers['x-content-type-options']).toBe('nosniff');
  expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
  expect(res.headers['x-powered-by']).toBeUndefined();
});

it('limits from the first request even when the app was built before Redis was ready', async () => {
  const redis = createRedis({ url: api.ctx.config.REDIS_URL, role: 'producer' });
  expect(redis.status).not.toBe('ready');
  const config = {
    ...api.ctx.config,
    QUEUE_PREFIX: `${api.ctx.config.QUEUE_PREFIX}-early`,
    RATE_LIMIT_SIGN_IN_PER_MINUTE: 2,
  };
  const app = createApp({ ...api.ctx, config, redis });
  try {
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const http = request(app);
    await http.get('/v1/auth/nonce').expect(200);
    await http.get('/v1/auth/nonce').expect(200);
    expectLimited(await http.get('/v1/auth/nonce'));
  } finally {
    const keys = await redis.keys(`${config.QUEUE_PREFIX}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
});

it('limits creations per client address too, whichever wallets make them', async () => {
  const config = {
    ...api.ctx.config,
    QUEUE_PREFIX: `${api.ctx.config.QUEUE_PREFIX}-ip`,
    RATE_LIMIT_SIGN_IN_PER_MINUTE: 100,
    RATE_LIMIT_CREATE_PER_MINUTE: 100,
    RATE_LIMIT_CREATE_PER_IP_PER_MINUTE: 4,
  };
  const http = request(createApp({ ...api.ctx, config }));
  try {
    // four wallets from one address, one creation each: the fifth wallet is refused
    for (let i = 0; i < 4; i++) {
      const token = await signIn(http, randomWallet());
      await http
        .post('/v1/subscriptions')
        .set(bearer(token))
        .send(httpSubscription({ name: `from one address ${i}` }))
        .expect(201);
    }
    const fifth = await signIn(http, randomWallet());
    const refused = await http
      .post('/v1/subscriptions')
      .set(bearer(fifth))
      .send(httpSubscription({ name: 'one wallet too many' }));
    expectLimited(refused);
    expect((refused.body as ErrorBody).error.message).toContain('creations from one address');
    const { n } = await api.ctx.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('name', '=', 'one wallet too many')
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  } finally {
    const keys = await api.ctx.redis.keys(`${config.QUEUE_PREFIX}:*`);
    if (keys.length > 0) await api.ctx.redis.del(...keys);
  }
});

it('limits single paid checks per client address, before their input is even read', async () => {
  const config = {
    ...api.ctx.config,
    QUEUE_PREFIX: `${api.ctx.config.QUEUE_PREFIX}-probe`,
    RATE_LIMIT_PROBES_PER_IP_PER_MINUTE: 2,
  };
  const http = request(createApp({ ...api.ctx, config }));
  try {
    // bad input still counts: a client cannot probe the validator for free at any rate
    await http.post('/v1/probe').send({ target_type: 'nope' }).expect(400);
    await http.post('/v1/probe').send({ target_type: 'nope' }).expect(400);
    const refused = await http.post('/v1/probe').send({ target_type: 'nope' });
    expectLimited(refused);
    expect((refused.body as ErrorBody).error.message).toContain('single checks from one address');
  } finally {
    const keys = await api.ctx.redis.keys(`${config.QUEUE_PREFIX}:*`);
    if (keys.length > 0) await api.ctx.redis.del(...keys);
  }
});
