import { signSiwe, randomWallet } from '@lighthouse/testing';
import { bearer, signIn, SIWE_DOMAIN, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

async function nonce(): Promise<string> {
  const res = await api.http.get('/v1/auth/nonce').expect(200);
  const body = res.body as { nonce: string };
  expect(body.nonce).toMatch(/^[0-9a-f]{32}$/);
  return body.nonce;
}

describe('Sign-In with Ethereum', () => {
  it('signs in with a valid message and opens the API to the token', async () => {
    const wallet = randomWallet();
    const signed = await signSiwe(wallet, { domain: SIWE_DOMAIN, nonce: await nonce() });
    const res = await api.http.post('/v1/auth/verify').send(signed).expect(200);
    const body = res.body as { token: string; address: string; expires_at: string };
    expect(body.address).toBe(wallet.address.toLowerCase());
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
    await api.http.get('/v1/subscriptions').set(bearer(body.token)).expect(200);
    const stored = await api.ctx.db.selectFrom('sessions').select('token_hash').execute();
    expect(
      stored.some((s) =>
        s.token_hash.toString('hex').includes(Buffer.from(body.token).toString('hex')),
      ),
    ).toBe(false);
  });

  it('rejects a nonce it never issued', async () => {
    const signed = await signSiwe(randomWallet(), {
      domain: SIWE_DOMAIN,
      nonce: 'abcdef0123456789abcdef0123456789',
    });
    const res = await api.http.post('/v1/auth/verify').send(signed).expect(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
  });

  it('rejects a reused nonce', async () => {
    const wallet = randomWallet();
    const n = await nonce();
    await api.http
      .post('/v1/auth/verify')
      .send(await signSiwe(wallet, { domain: SIWE_DOMAIN, nonce: n }))
      .expect(200);
    const again = await signSiwe(wallet, { domain: SIWE_DOMAIN, nonce: n });
    const res = await api.http.post('/v1/auth/verify').send(again).expect(401);
    expect((res.body as { error: { message: string } }).error.message).toMatch(/nonce/);
  });

  it('rejects a nonce older than ten minutes', async () => {
    const n = await nonce();
    await api.ctx.db
      .updateTable('auth_nonces')
      .set({ created_at: new Date(Date.now() - 11 * 60_000) })
      .where('nonce', '=', n)
      .execute();
    await api.http
      .post('/v1/auth/verify')
      .send(await signSiwe(randomWallet(), { domain: SIWE_DOMAIN, nonce: n }))
      .expect(401);
  });

  it('rejects an expired message', async () => {
    const signed = await signSiwe(randomWallet(), {
      domain: SIWE_DOMAIN,
      nonce: await nonce(),
      issuedAt: new Date(Date.now() - 120_000),
      expirationTime: new Date(Date.now() - 60_000),
    });
    const res = await api.http.post('/v1/auth/verify').send(signed).expect(401);
    expect((res.body as { error: { message: string } }).error.message).toMatch(/expired/i);
  });

  it('rejects a signature by another key', async () => {
    const wallet = randomWallet();
    const signed = await signSiwe(wallet, { domain: SIWE_DOMAIN, nonce: await nonce() });
    const forged = await randomWallet().signMessage(signed.message);
    await api.http
      .post('/v1/auth/verify')
      .send({ message: signed.message, signature: forged })
      .expect(401);
    const users = await api.ctx.db
      .selectFrom('users')
      .select('wallet_address')
      .where('wallet_address', '=', wallet.address.toLowerCase())
      .execute();
    expect(users).toHaveLength(0);
  });

  it('rejects a message for another domain', async () => {
    const signed = await signSiwe(randomWallet(), { domain: 'evil.example', nonce: await nonce() });
    const res = await api.http.post('/v1/auth/verify').send(signed).expect(401);
    expect((res.body as { error: { message: string } }).error.message).toMatch(/domain/);
  });

  it('rejects a message whose URI is another site, and keeps the nonce for a real sign-in', async () => {
    for (const uri of ['https://evil.example/login', `ftp://${SIWE_DOMAIN}/`]) {
      const n = await nonce();
      const signed = await signSiwe(randomWallet(), { domain: SIWE_DOMAIN, nonce: n, uri });
      const res = await api.http.post('/v1/auth/verify').send(signed).expect(401);
      expect((res.body as { error: { message: string } }).error.message).toMatch(/URI/);
    }
    const fine = await signSiwe(randomWallet(), {
      domain: SIWE_DOMAIN,
      nonce: await nonce(),
      uri: `https://${SIWE_DOMAIN}/dashboard`,
    });
    await api.http.post('/v1/auth/verify').send(fine).expect(200);
  });

  it('rejects a chain id the instance does not sign in on, when SIWE_CHAIN_IDS names them', async () => {
    const chains = await startTestApi({ SIWE_CHAIN_IDS: '1, 8453' });
    try {
      const n = async () =>
        ((await chains.http.get('/v1/auth/nonce').expect(200)).body as { nonce: string }).nonce;
      const other = await signSiwe(randomWallet(), {
        domain: SIWE_DOMAIN,
        nonce: await n(),
        chainId: 56,
      });
      const res = await chains.http.post('/v1/auth/verify').send(other).expect(401);
      expect((res.body as { error: { message: string } }).error.message).toMatch(/chain 56/);
      const base = await signSiwe(randomWallet(), {
        domain: SIWE_DOMAIN,
        nonce: await n(),
        chainId: 8453,
      });
      await chains.http.post('/v1/auth/verify').send(base).expect(200);
    } finally {
      await chains.close();
    }
  });

  it('answers 400 naming the field for a malformed request', async () => {
    const res = await api.http
      .post('/v1/auth/verify')
      .send({ message: 'hello', signature: '0x00' })
      .expect(400);
    expect(res.body).toMatchObject({
      error: { code: 'validation_error', details: { fields: [{ field: 'message' }] } },
    });
    const missing = await api.http.post('/v1/auth/verify').send({ message: 'x' }).expect(400);
    expect(missing.body).toMatchObject({
      error: { details: { fields: [{ field: 'signature' }] } },
    });
  });

  it('rejects a token after logout, and tokens that were never issued', async () => {
    const token = await signIn(api.http, randomWallet());
    await api.http.post('/v1/auth/logout').set(bearer(token)).expect(204);
    await api.http.get('/v1/subscriptions').set(bearer(token)).expect(401);
    await api.http.post('/v1/auth/logout').set(bearer(token)).expect(401);
    await api.http.get('/v1/subscriptions').set(bearer('lhs_not-a-real-token')).expect(401);
    await api.http.get('/v1/subscriptions').expect(401);
  });

  it('rejects an expired session', async () => {
    const token = await signIn(api.http, randomWallet());
    await api.ctx.db
      .updateTable('sessions')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .execute();
    await api.http.get('/v1/subscriptions').set(bearer(token)).expect(401);
  });
});

describe('API keys', () => {
  it('are shown once, stored hashed, work as bearer tokens and stop working when deleted', async () => {
    const wallet = randomWallet();
    const token = await signIn(api.http, wallet);
    const created = await api.http
      .post('/v1/api-keys')
      .set(bearer(token))
      .send({ name: 'ci' })
      .expect(201);
    const { key, id, prefix } = created.body as { key: string; id: string; prefix: string };
    expect(key).toMatch(/^lhk_/);
    expect(key.startsWith(prefix)).toBe(true);

    const listed = await api.http.get('/v1/api-keys').set(bearer(key)).expect(200);
    const items = (listed.body as { items: Record<string, unknown>[] }).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id, name: 'ci', prefix });
    expect(JSON.stringify(listed.body)).not.toContain(key);

    const rows = await api.ctx.db.selectFrom('api_keys').selectAll().execute();
    expect(rows.map((r) => r.key_hash.toString('utf8'))).not.toContain(key);

    // another wallet cannot delete it
    const other = await signIn(api.http, randomWallet());
    await api.http.delete(`/v1/api-keys/${id}`).set(bearer(other)).expect(404);

    await api.http.delete(`/v1/api-keys/${id}`).set(bearer(token)).expect(204);
    await api.http.get('/v1/subscriptions').set(bearer(key)).expect(401);
  });

  it('rejects a bad name with 400 naming the field', async () => {
    const token = await signIn(api.http, randomWallet());
    const res = await api.http
      .post('/v1/api-keys')
      .set(bearer(token))
      .send({ name: '' })
      .expect(400);
    expect(res.body).toMatchObject({ error: { details: { fields: [{ field: 'name' }] } } });
  });
});
