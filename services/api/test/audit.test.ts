import { randomWallet } from '@lighthouse/testing';
import { sql } from 'kysely';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
beforeAll(async () => {
  api = await startTestApi();
});
afterAll(async () => {
  await api.close();
});

interface AuditJson {
  id: string;
  at: string;
  actor: 'session' | 'api_key' | 'system';
  api_key_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

interface SubscriptionJson {
  id: string;
  target_config: Record<string, unknown>;
  alert_channels: { id: string; type: string; config: Record<string, unknown> }[];
}

/** Recognisable secrets, each of which must never reach the audit log. */
const SECRETS = {
  webhookSecret: 'AUDIT-SECRET-webhook-signing-0001',
  webhookUrl: 'https://hooks.example.com/AUDIT-SECRET-webhook-path',
  discordUrl: 'https://discord.com/api/webhooks/1/AUDIT-SECRET-discord-token',
  slackUrl: 'https://hooks.slack.com/services/T0/B0/AUDIT-SECRET-slack',
  telegramToken: '123456:AUDIT-SECRET-telegram-token_xyz',
  targetPassword: 'AUDIT-SECRET-target-password',
  targetHeader: 'Bearer AUDIT-SECRET-target-header',
  newWebhookSecret: 'AUDIT-SECRET-webhook-rotated-0002',
};

function secretSubscription(): Record<string, unknown> {
  return httpSubscription({
    tier: 'team',
    target_config: {
      url: `https://monitor:${SECRETS.targetPassword}@example.com/health`,
      headers: { Authorization: SECRETS.targetHeader },
    },
    alert_channels: [
      { type: 'webhook', config: { url: SECRETS.webhookUrl, secret: SECRETS.webhookSecret } },
      { type: 'discord', config: { webhook_url: SECRETS.discordUrl } },
      { type: 'telegram', config: { bot_token: SECRETS.telegramToken, chat_id: 42 } },
    ],
  });
}

async function auditOf(token: string, query = ''): Promise<AuditJson[]> {
  const res = await api.http.get(`/v1/audit-log${query}`).set(bearer(token)).expect(200);
  return (res.body as { items: AuditJson[] }).items;
}

async function auditRowCount(): Promise<number> {
  const row = await api.ctx.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Every audit row as text, for searching for values that must not be there. */
async function auditTableText(): Promise<string> {
  const { rows } = await sql<{
    text: string;
  }>`SELECT audit_log::text AS text FROM audit_log`.execute(api.ctx.db);
  return rows.map((r) => r.text).join('\n');
}

describe('audit log', () => {
  it('records every change a session makes, newest first, with field names and ids only', async () => {
    const wallet = randomWallet();
    const session = await signIn(api.http, wallet);
    const address = wallet.address.toLowerCase();
    const auth = bearer(session);

    const created = await api.http
      .post('/v1/subscriptions')
      .set(auth)
      .send(secretSubscription())
      .expect(201);
    const sub = created.body as SubscriptionJson;
    const [webhook, discord, telegram] = sub.alert_channels;

    // masked values sent back keep the stored secrets: the target is unchanged; the webhook gets
    // a new secret, discord goes, slack comes, telegram stays as it was
    const patched = await api.http
      .patch(`/v1/subscriptions/${sub.id}`)
      .set(auth)
      .send({
        name: 'Renamed',
        failure_threshold: 3,
        target_config: sub.target_config,
        alert_channels: [
          { id: webhook!.id, config: { ...webhook!.config, secret: SECRETS.newWebhookSecret } },
          { id: telegram!.id },
          { type: 'slack', config: { webhook_url: SECRETS.slackUrl } },
        ],
      })
      .expect(200);
    const slack = (patched.body as SubscriptionJson).alert_channels[2]!;

    await api.http.post(`/v1/subscriptions/${sub.id}/pause`).set(auth).expect(200);
    // pausing what is paused changes nothing and records nothing
    await api.http.post(`/v1/subscriptions/${sub.id}/pause`).set(auth).expect(200);
    await api.http.post(`/v1/subscriptions/${sub.id}/resume`).set(auth).expect(200);

    const windows = `/v1/subscriptions/${sub.id}/maintenance-windows`;
    const window = await api.http
      .post(windows)
      .set(auth)
      .send({ cron: '0 2 * * 0', duration_minutes: 60 })
      .expect(201);
    const windowId = (window.body as { id: string }).id;
    await api.http
      .patch(`${windows}/${windowId}`)
      .set(auth)
      .send({ duration_minutes: 90, timezone: 'Europe/Madrid' })
      .expect(200);
    await api.http.delete(`${windows}/${windowId}`).set(auth).expect(204);

    const page = await api.http
      .post('/v1/status-pages')
      .set(auth)
      .send({ slug: `audit-${Date.now()}`, title: 'Acme', subscription_ids: [sub.id] })
      .expect(201);
    const pageId = (page.body as { id: string }).id;
    await api.http
      .patch(`/v1/status-pages/${pageId}`)
      .set(auth)
      .send({ title: 'Acme status', published: false })
      .expect(200);
    await api.http.delete(`/v1/status-pages/${pageId}`).set(auth).expect(204);

    const key = await api.http.post('/v1/api-keys').set(auth).send({ scope: 'read' }).expect(201);
    const { id: keyId, key: keySecret } = key.body as { id: string; key: string };
    await api.http.delete(`/v1/api-keys/${keyId}`).set(auth).expect(204);

    await api.http.delete(`/v1/subscriptions/${sub.id}`).set(auth).expect(204);

    const entries = await auditOf(session, '?limit=200');
    expect(entries.map((e) => [e.action, e.resource_type, e.resource_id])).toEqual([
      ['subscription.delete', 'subscription', sub.id],
      ['api_key.revoke', 'api_key', keyId],
      ['api_key.create', 'api_key', keyId],
      ['status_page.delete', 'status_page', pageId],
      ['status_page.update', 'status_page', pageId],
      ['status_page.create', 'status_page', pageId],
      ['maintenance_window.delete', 'maintenance_window', windowId],
      ['maintenance_window.update', 'maintenance_window', windowId],
      ['maintenance_window.create', 'maintenance_window', windowId],
      ['subscription.resume', 'subscription', sub.id],
      ['subscription.pause', 'subscription', sub.id],
      ['subscription.update', 'subscription', sub.id],
      ['subscription.create', 'subscription', sub.id],
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({ actor: 'session', api_key_id: null });
      expect(entry.ip).toEqual(expect.stringMatching(/127\.0\.0\.1|::1/));
      expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 60_000);
    }
    const ids = entries.map((e) => BigInt(e.id));
    expect([...ids].sort((a, b) => (a > b ? -1 : 1))).toEqual(ids);

    const byAction = new Map(entries.map((e) => [e.action, e.details]));
    expect(byAction.get('subscription.create')).toEqual({
      target_type: 'http',
      tier: 'team',
      channels: [
        { id: webhook!.id, type: 'webhook' },
        { id: discord!.id, type: 'discord' },
        { id: telegram!.id, type: 'telegram' },
      ],
    });
    expect(byAction.get('subscription.update')).toEqual({
      fields: ['alert_channels', 'name', 'failure_threshold'],
      channels: { added: [slack.id], removed: [discord!.id], changed: [webhook!.id] },
    });
    expect(byAction.get('maintenance_window.update')).toEqual({
      subscription_id: sub.id,
      fields: ['duration_minutes', 'timezone'],
    });
    expect(byAction.get('status_page.update')).toEqual({ fields: ['title', 'published'] });
    expect(byAction.get('api_key.create')).toEqual({ scope: 'read' });

    // the stored rows, not only the answer, hold no secret, token or URL from the configs
    const text = await auditTableText();
    expect(text).toContain(address);
    for (const value of [...Object.values(SECRETS), keySecret, session, 'hooks.example.com']) {
      expect(text).not.toContain(value);
    }
    expect(text).not.toContain('AUDIT-SECRET');
  });

  it('names the API key that made a change, and records a logout', async () => {
    const session = await signIn(api.http, randomWallet());
    const key = await api.http.post('/v1/api-keys').set(bearer(session)).send({}).expect(201);
    const { id: keyId, key: apiKey } = key.body as { id: string; key: string };

    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(apiKey))
      .send(httpSubscription())
      .expect(201);
    const subId = (created.body as { id: string }).id;
    await api.http
      .patch(`/v1/subscriptions/${subId}`)
      .set(bearer(apiKey))
      .send({ check_frequency_seconds: 120 })
      .expect(200);

    const entries = await auditOf(session, `?resource_type=subscription&resource_id=${subId}`);
    expect(entries.map((e) => [e.action, e.actor, e.api_key_id])).toEqual([
      ['subscription.update', 'api_key', keyId],
      ['subscription.create', 'api_key', keyId],
    ]);
    expect(entries[0]?.details).toEqual({ fields: ['check_frequency_seconds'] });
    // the key reads the same log
    expect(await auditOf(apiKey, `?resource_id=${subId}`)).toEqual(entries);

    await api.http.post('/v1/auth/logout').set(bearer(session)).expect(204);
    const other = await signIn(api.http, randomWallet());
    expect(await auditOf(other)).toEqual([]);
    const [logout] = await auditOf(apiKey, '?resource_type=session');
    expect(logout).toMatchObject({ action: 'session.logout', actor: 'session', api_key_id: null });
  });

  it('shows a wallet only its own entries', async () => {
    const a = await signIn(api.http, randomWallet());
    const b = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(a))
      .send(httpSubscription())
      .expect(201);
    const subId = (created.body as { id: string }).id;
    expect(await auditOf(a, `?resource_id=${subId}`)).toHaveLength(1);
    expect(await auditOf(b)).toEqual([]);
    expect(await auditOf(b, `?resource_type=subscription&resource_id=${subId}`)).toEqual([]);
  });

  it('pages newest first with next_cursor, and refuses a foreign cursor', async () => {
    const session = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(session))
      .send(httpSubscription())
      .expect(201);
    const subId = (created.body as { id: string }).id;
    for (let i = 0; i < 4; i++) {
      await api.http
        .patch(`/v1/subscriptions/${subId}`)
        .set(bearer(session))
        .send({ name: `name ${i}` })
        .expect(200);
    }
    const all = await auditOf(session);
    expect(all).toHaveLength(5);

    const seen: AuditJson[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api.http.get(`/v1/audit-log${query}`).set(bearer(session)).expect(200);
      const body = res.body as { items: AuditJson[]; next_cursor: string | null };
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...body.items);
      cursor = body.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);

    for (const bad of ['nope', Buffer.from('["2026-01-01T00:00:00Z","x"]').toString('base64url')]) {
      const res = await api.http
        .get(`/v1/audit-log?cursor=${bad}`)
        .set(bearer(session))
        .expect(400);
      expect(res.body).toMatchObject({ error: { details: { fields: [{ field: 'cursor' }] } } });
    }
    const res = await api.http.get('/v1/audit-log?limit=0').set(bearer(session)).expect(400);
    expect(res.body).toMatchObject({ error: { details: { fields: [{ field: 'limit' }] } } });
    await api.http.get('/v1/audit-log').expect(401);
  });

  it('writes nothing for a change that is refused', async () => {
    const session = await signIn(api.http, randomWallet());
    const stranger = await signIn(api.http, randomWallet());
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(session))
      .send(httpSubscription())
      .expect(201);
    const subId = (created.body as { id: string }).id;
    const missing = '00000000-0000-4000-8000-000000000000';
    const before = await auditRowCount();

    await api.http
      .post('/v1/subscriptions')
      .set(bearer(session))
      .send(httpSubscription({ check_frequency_seconds: -1 }))
      .expect(400);
    await api.http
      .patch(`/v1/subscriptions/${subId}`)
      .set(bearer(session))
      .send({ tier: 'unknown' })
      .expect(400);
    // a paid tier is refused after the update's own checks, inside its transaction
    await api.http
      .patch(`/v1/subscriptions/${subId}`)
      .set(bearer(session))
      .send({ tier: 'pro' })
      .expect(402);
    await api.http
      .patch(`/v1/subscriptions/${subId}`)
      .set(bearer(stranger))
      .send({ name: 'mine' })
      .expect(404);
    await api.http.delete(`/v1/subscriptions/${missing}`).set(bearer(session)).expect(404);
    await api.http.post(`/v1/subscriptions/${subId}/pause`).set(bearer(stranger)).expect(404);
    await api.http
      .post(`/v1/subscriptions/${subId}/maintenance-windows`)
      .set(bearer(session))
      .send({ cron: 'not a cron', duration_minutes: 10 })
      .expect(400);
    await api.http
      .post('/v1/status-pages')
      .set(bearer(session))
      .send({ slug: 'Bad Slug', title: 'x', subscription_ids: [subId] })
      .expect(400);
    await api.http.delete(`/v1/status-pages/${missing}`).set(bearer(session)).expect(404);
    await api.http
      .post('/v1/api-keys')
      .set(bearer(session))
      .send({ scope: 'everything' })
      .expect(400);
    await api.http.delete(`/v1/api-keys/${missing}`).set(bearer(session)).expect(404);

    expect(await auditRowCount()).toBe(before);
  });
});
