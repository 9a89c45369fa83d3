import { randomWallet } from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

interface KeyJson {
  id: string;
  key: string;
  name: string;
  prefix: string;
  scope: 'read' | 'read_write';
}

interface ErrorJson {
  error: { code: string; message: string; details: { fields: { field: string }[] } };
}

async function newKey(session: string, body: Record<string, unknown> = {}): Promise<KeyJson> {
  const res = await api.http.post('/v1/api-keys').set(bearer(session)).send(body).expect(201);
  return res.body as KeyJson;
}

/** A wallet with a subscription, a maintenance window and a status page. */
async function newOwner() {
  const session = await signIn(api.http, randomWallet());
  const sub = await api.http
    .post('/v1/subscriptions')
    .set(bearer(session))
    .send(httpSubscription())
    .expect(201);
  const subscriptionId = (sub.body as { id: string }).id;
  const window = await api.http
    .post(`/v1/subscriptions/${subscriptionId}/maintenance-windows`)
    .set(bearer(session))
    .send({ cron: '0 2 * * 0', duration_minutes: 60 })
    .expect(201);
  const page = await api.http
    .post('/v1/status-pages')
    .set(bearer(session))
    .send({ slug: `p-${Date.now()}`, title: 'Status', subscription_ids: [subscriptionId] })
    .expect(201);
  return {
    session,
    subscriptionId,
    windowId: (window.body as { id: string }).id,
    pageId: (page.body as { id: string }).id,
  };
}

/** Everything a wallet can change, as its owner reads it. */
async function snapshot(session: string, o: { subscriptionId: string; pageId: string }) {
  const read = async (path: string): Promise<unknown> =>
    (await api.http.get(path).set(bearer(session)).expect(200)).body;
  return {
    subscriptions: await read('/v1/subscriptions'),
    windows: await read(`/v1/subscriptions/${o.subscriptionId}/maintenance-windows`),
    pages: await read('/v1/status-pages'),
    keys: await read('/v1/api-keys'),
    audit: await read('/v1/audit-log'),
  };
}

describe('API key scopes', () => {
  it('shows the scope, read_write by default, on create and in the list', async () => {
    const session = await signIn(api.http, randomWallet());
    const plain = await newKey(session, { name: 'ci' });
    const read = await newKey(session, { name: 'dashboard', scope: 'read' });
    expect(plain.scope).toBe('read_write');
    expect(read.scope).toBe('read');
    const listed = await api.http.get('/v1/api-keys').set(bearer(session)).expect(200);
    const items = (listed.body as { items: KeyJson[] }).items;
    expect(items.map((k) => [k.id, k.scope]).sort()).toEqual(
      [
        [plain.id, 'read_write'],
        [read.id, 'read'],
      ].sort(),
    );
  });

  it('rejects an unknown scope with 400 naming the field', async () => {
    const session = await signIn(api.http, randomWallet());
    const res = await api.http
      .post('/v1/api-keys')
      .set(bearer(session))
      .send({ scope: 'admin' })
      .expect(400);
    expect((res.body as ErrorJson).error.details.fields).toEqual([
      { field: 'scope', message: expect.stringContaining('read_write') as string },
    ]);
  });

  it('lets a read key GET but answers 403 to every change, and nothing changes', async () => {
    const owner = await newOwner();
    const { key } = await newKey(owner.session, { scope: 'read' });
    const { subscriptionId, windowId, pageId } = owner;

    // reads work
    for (const path of [
      '/v1/subscriptions',
      `/v1/subscriptions/${subscriptionId}`,
      `/v1/subscriptions/${subscriptionId}/maintenance-windows`,
      `/v1/subscriptions/${subscriptionId}/checks`,
      '/v1/status-pages',
      `/v1/status-pages/${pageId}`,
      '/v1/api-keys',
      '/v1/audit-log',
    ]) {
      await api.http.get(path).set(bearer(key)).expect(200);
    }
    await api.http.head('/v1/subscriptions').set(bearer(key)).expect(200);

    const before = await snapshot(owner.session, owner);
    const writes: [method: 'post' | 'patch' | 'delete', path: string, body?: object][] = [
      ['post', '/v1/subscriptions', httpSubscription()],
      ['post', '/subscribe', httpSubscription()],
      ['patch', `/v1/subscriptions/${subscriptionId}`, { name: 'renamed' }],
      ['post', `/v1/subscriptions/${subscriptionId}/pause`],
      ['post', `/v1/subscriptions/${subscriptionId}/test-alert`],
      ['delete', `/v1/subscriptions/${subscriptionId}`],
      [
        'post',
        `/v1/subscriptions/${subscriptionId}/maintenance-windows`,
        { cron: '0 3 * * 0', duration_minutes: 30 },
      ],
      [
        'patch',
        `/v1/subscriptions/${subscriptionId}/maintenance-windows/${windowId}`,
        { name: 'x' },
      ],
      ['delete', `/v1/subscriptions/${subscriptionId}/maintenance-windows/${windowId}`],
      ['post', '/v1/status-pages', { slug: 'read-key', title: 'x', subscription_ids: [] }],
      ['patch', `/v1/status-pages/${pageId}`, { title: 'renamed' }],
      ['delete', `/v1/status-pages/${pageId}`],
      ['post', '/v1/api-keys', { name: 'more' }],
      ['post', '/v1/auth/logout'],
    ];
    for (const [method, path, body] of writes) {
      const res = await api.http[method](path)
        .set(bearer(key))
        .send(body ?? {});
      expect([method, path, res.status]).toEqual([method, path, 403]);
      const { error } = res.body as ErrorJson;
      expect(error.code).toBe('forbidden');
      expect(error.message).toContain('scope "read"');
      expect(error.details.fields).toEqual([{ field: 'Authorization', message: error.message }]);
    }
    expect(await snapshot(owner.session, owner)).toEqual(before);
  });

  it('does not let any API key create or delete API keys', async () => {
    const session = await signIn(api.http, randomWallet());
    const writer = await newKey(session, { name: 'ci' });
    const reader = await newKey(session, { name: 'dash', scope: 'read' });
    for (const key of [writer.key, reader.key]) {
      const created = await api.http
        .post('/v1/api-keys')
        .set(bearer(key))
        .send({ name: 'minted' })
        .expect(403);
      expect((created.body as ErrorJson).error.details.fields[0]?.field).toBe('Authorization');
      await api.http.delete(`/v1/api-keys/${reader.id}`).set(bearer(key)).expect(403);
    }
    // a read_write key may still change everything else
    await api.http
      .post('/v1/subscriptions')
      .set(bearer(writer.key))
      .send(httpSubscription())
      .expect(201);
    const listed = await api.http.get('/v1/api-keys').set(bearer(session)).expect(200);
    expect((listed.body as { items: KeyJson[] }).items).toHaveLength(2);
  });

  it('stops a revoked key with 401, whatever its scope', async () => {
    const session = await signIn(api.http, randomWallet());
    for (const scope of ['read', 'read_write']) {
      const { id, key } = await newKey(session, { scope });
      await api.http.get('/v1/subscriptions').set(bearer(key)).expect(200);
      await api.http.delete(`/v1/api-keys/${id}`).set(bearer(session)).expect(204);
      await api.http.get('/v1/subscriptions').set(bearer(key)).expect(401);
      await api.http
        .post('/v1/subscriptions')
        .set(bearer(key))
        .send(httpSubscription())
        .expect(401);
    }
  });
});
