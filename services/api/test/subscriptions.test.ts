import {
  randomWallet,
  responseSchema,
  schemaProblems,
  type OpenApiDocument,
} from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

interface SubscriptionJson {
  id: string;
  subscription_id: string;
  status: string;
  active: boolean;
  state: string;
  tier: string;
  name: string;
  next_check_at: string | null;
  target_config: { url: string; headers: Record<string, string> };
  alert_channels: {
    id: string;
    type: string;
    language: string | null;
    config: Record<string, unknown>;
  }[];
}

const SECRETS = {
  header: 'Bearer super-secret-target-token-0001',
  webhookUrl: 'https://hooks.example.com/services/T000/B000/very-secret-path',
  webhookSecret: 'webhook-signing-secret-0002',
  discord: 'https://discord.com/api/webhooks/123/secret-discord-token-0003',
  telegram: '123456789:AAExampleSecretTelegramTokenValue0004',
};

function withSecrets(): Record<string, unknown> {
  return httpSubscription({
    target_config: {
      url: 'https://user:p4ssw0rd-secret@example.com/health',
      headers: { Authorization: SECRETS.header },
    },
    alert_channels: [
      {
        type: 'webhook',
        config: { url: SECRETS.webhookUrl, secret: SECRETS.webhookSecret },
        language: 'es',
      },
      { type: 'discord', config: { webhook_url: SECRETS.discord } },
    ],
    tier: 'team',
  });
}

describe('subscriptions', () => {
  it('creates, reads, lists, updates, pauses, resumes and deletes', async () => {
    const token = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription())
      .expect(201);
    const sub = created.body as SubscriptionJson;
    expect(sub).toMatchObject({
      subscription_id: sub.id,
      status: 'active',
      active: true,
      state: 'unknown',
      tier: 'free',
    });
    expect(Date.parse(sub.next_check_at ?? '')).toBeLessThanOrEqual(Date.now() + 1000);
    expect(created.headers.location).toBe(`/v1/subscriptions/${sub.id}`);

    const got = await api.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(200);
    expect((got.body as SubscriptionJson).target_config.url).toBe('https://example.com/health');

    const patched = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ name: 'Renamed', check_frequency_seconds: 30 })
      .expect(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', check_frequency_seconds: 30 });

    const paused = await api.http
      .post(`/v1/subscriptions/${sub.id}/pause`)
      .set(bearer(token))
      .expect(200);
    expect(paused.body).toMatchObject({ status: 'paused', active: false, next_check_at: null });
    const resumed = await api.http
      .post(`/v1/subscriptions/${sub.id}/resume`)
      .set(bearer(token))
      .expect(200);
    expect(resumed.body).toMatchObject({ status: 'active', active: true });

    // every answer is the shape /openapi.json documents
    const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
    const listed = await api.http.get('/v1/subscriptions').set(bearer(token)).expect(200);
    for (const [path, method, status, answer] of [
      ['/v1/subscriptions', 'post', '201', created.body],
      ['/v1/subscriptions/{id}', 'get', '200', got.body],
      ['/v1/subscriptions/{id}', 'patch', '200', patched.body],
      ['/v1/subscriptions/{id}/pause', 'post', '200', paused.body],
      ['/v1/subscriptions/{id}/resume', 'post', '200', resumed.body],
      ['/v1/subscriptions', 'get', '200', listed.body],
    ] as const) {
      const schema = responseSchema(doc, path, method, status);
      expect({ path, method, problems: schemaProblems(doc, schema, answer) }).toEqual({
        path,
        method,
        problems: [],
      });
    }

    await api.http.delete(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(204);
    await api.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(404);
    await api.http.delete(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(404);
    const row = await api.ctx.db
      .selectFrom('subscriptions')
      .select(['active', 'deleted_at'])
      .where('id', '=', sub.id)
      .executeTakeFirstOrThrow();
    expect(row.active).toBe(false);
    expect(row.deleted_at).not.toBeNull();
  });

  it('accepts the seed payload at POST /subscribe when user_address is the caller', async () => {
    const wallet = randomWallet();
    const token = await signIn(api.http, wallet);
    const body = { user_address: wallet.address, ...httpSubscription() };
    const res = await api.http.post('/subscribe').set(bearer(token)).send(body).expect(201);
    expect(res.body).toMatchObject({ user_address: wallet.address.toLowerCase() });

    // the seed sends a payment_signature: on a free tier there is nothing to pay, so it is ignored
    const seed = { ...body, name: 'seed', payment_signature: '0x' };
    await api.http.post('/subscribe').set(bearer(token)).send(seed).expect(201);
    const wrong = { ...body, payment_signature: 42 };
    const typed = await api.http.post('/subscribe').set(bearer(token)).send(wrong).expect(400);
    expect(typed.body).toMatchObject({
      error: { details: { fields: [{ field: 'payment_signature' }] } },
    });

    const other = { ...body, user_address: randomWallet().address };
    const refused = await api.http.post('/subscribe').set(bearer(token)).send(other).expect(403);
    expect(refused.body).toMatchObject({
      error: { details: { fields: [{ field: 'user_address' }] } },
    });
  });

  it('paginates with a cursor, newest first, without repeats or gaps', async () => {
    const token = await signIn(api.http, randomWallet());
    const ids: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const res = await api.http
        .post('/v1/subscriptions')
        .set(bearer(token))
        .send(httpSubscription({ name: `s${i}`, tier: 'team' }))
        .expect(201);
      ids.push((res.body as SubscriptionJson).id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { limit: '3', ...(cursor ? { cursor } : {}) };
      const res = await api.http
        .get('/v1/subscriptions')
        .query(query)
        .set(bearer(token))
        .expect(200);
      const page = res.body as { items: SubscriptionJson[]; next_cursor: string | null };
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((s) => s.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ids].reverse());

    const bad = await api.http
      .get('/v1/subscriptions')
      .query({ cursor: 'garbage' })
      .set(bearer(token))
      .expect(400);
    expect(bad.body).toMatchObject({ error: { details: { fields: [{ field: 'cursor' }] } } });
    const badLimit = await api.http
      .get('/v1/subscriptions')
      .query({ limit: '0' })
      .set(bearer(token))
      .expect(400);
    expect(badLimit.body).toMatchObject({ error: { details: { fields: [{ field: 'limit' }] } } });
  });

  it("keeps one wallet out of another's subscriptions (404, nothing changed)", async () => {
    const owner = await signIn(api.http, randomWallet());
    const stranger = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(owner))
      .send(httpSubscription())
      .expect(201);
    const id = (created.body as SubscriptionJson).id;

    await api.http.get(`/v1/subscriptions/${id}`).set(bearer(stranger)).expect(404);
    await api.http
      .patch(`/v1/subscriptions/${id}`)
      .set(bearer(stranger))
      .send({ name: 'mine now' })
      .expect(404);
    await api.http.post(`/v1/subscriptions/${id}/pause`).set(bearer(stranger)).expect(404);
    await api.http.post(`/v1/subscriptions/${id}/resume`).set(bearer(stranger)).expect(404);
    await api.http.delete(`/v1/subscriptions/${id}`).set(bearer(stranger)).expect(404);
    const list = await api.http.get('/v1/subscriptions').set(bearer(stranger)).expect(200);
    expect((list.body as { items: unknown[] }).items).toHaveLength(0);

    const still = await api.http.get(`/v1/subscriptions/${id}`).set(bearer(owner)).expect(200);
    expect(still.body).toMatchObject({ name: 'Example API', active: true, status: 'active' });
  });

  it('enforces tier limits: subscriptions per wallet, interval, channels, paid tiers', async () => {
    const token = await signIn(api.http, randomWallet());
    for (let i = 0; i < 3; i += 1) {
      await api.http
        .post('/v1/subscriptions')
        .set(bearer(token))
        .send(httpSubscription())
        .expect(201);
    }
    const over = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription())
      .expect(403);
    expect(over.body).toMatchObject({ error: { code: 'tier_limit_exceeded' } });

    const channels = Array.from({ length: 3 }, () => ({
      type: 'email',
      config: { to: 'ops@example.com' },
    }));
    const tooMany = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ tier: 'team', alert_channels: [...channels, ...channels] }))
      .expect(400);
    expect(tooMany.body).toMatchObject({
      error: { details: { fields: [{ field: 'alert_channels' }] } },
    });

    const paid = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription({ tier: 'pro' }))
      .expect(402);
    expect(paid.body).toMatchObject({
      error: { code: 'payment_required', details: { tier: 'pro' } },
    });

    const count = await api.ctx.db
      .selectFrom('subscriptions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('tier', '=', 'pro')
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
  });

  it('never returns secrets or writes them to logs, and keeps them when edited through the masked view', async () => {
    const token = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(withSecrets())
      .expect(201);
    const sub = created.body as SubscriptionJson;
    const responses = [JSON.stringify(created.body)];
    responses.push(
      JSON.stringify(
        (await api.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(200)).body,
      ),
    );
    responses.push(
      JSON.stringify((await api.http.get('/v1/subscriptions').set(bearer(token)).expect(200)).body),
    );

    // edit through the masked view: the dashboard sends back what it was given
    const edited = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({
        target_config: { ...sub.target_config, timeout_ms: 5000 },
        alert_channels: [
          ...sub.alert_channels,
          { type: 'telegram', config: { bot_token: SECRETS.telegram, chat_id: 42 } },
        ],
      });
    expect(edited.body).toMatchObject({ id: sub.id });
    expect(edited.status).toBe(200);
    responses.push(JSON.stringify(edited.body));
    const failed = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send({ ...withSecrets(), check_frequency_seconds: 'soon' })
      .expect(400);
    responses.push(JSON.stringify(failed.body));

    const secrets = [...Object.values(SECRETS), 'p4ssw0rd-secret'];
    for (const text of [...responses, ...api.logs]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
    const editedSub = edited.body as SubscriptionJson;
    expect(editedSub.target_config.headers.Authorization).toContain('****');
    expect(editedSub.alert_channels.map((c) => c.type)).toEqual(['webhook', 'discord', 'telegram']);
    expect(editedSub.alert_channels[0]).toMatchObject({
      id: sub.alert_channels[0]?.id,
      language: 'es',
    });

    // stored sealed, and the masked edit kept the real values
    const row = await api.ctx.db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', sub.id)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    for (const secret of secrets) expect(stored).not.toContain(secret);
    const target = api.ctx.secrets.openJson<{
      url: string;
      headers: Record<string, string>;
      timeout_ms: number;
    }>(row.target_secret);
    expect(target).toMatchObject({ headers: { Authorization: SECRETS.header }, timeout_ms: 5000 });
    expect(target.url).toContain('p4ssw0rd-secret');
    const webhook = api.ctx.secrets.openJson<{ url: string; secret: string }>(
      row.alert_channels[0]?.secret ?? '',
    );
    expect(webhook).toEqual({ url: SECRETS.webhookUrl, secret: SECRETS.webhookSecret });
  });

  it('rejects an unknown channel id in an update without changing anything', async () => {
    const token = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(httpSubscription())
      .expect(201);
    const sub = created.body as SubscriptionJson;
    const res = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(bearer(token))
      .send({ name: 'changed', alert_channels: [{ id: '00000000-0000-4000-8000-000000000000' }] })
      .expect(400);
    expect(res.body).toMatchObject({
      error: { details: { fields: [{ field: 'alert_channels[0].id' }] } },
    });
    const after = await api.http.get(`/v1/subscriptions/${sub.id}`).set(bearer(token)).expect(200);
    expect(after.body).toMatchObject({ name: 'Example API' });
  });
});
