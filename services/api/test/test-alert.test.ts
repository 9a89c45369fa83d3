import {
  randomWallet,
  responseSchema,
  schemaProblems,
  type OpenApiDocument,
} from '@lighthouse/testing';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
let peer: Server;
let peerUrl: string;
const calls: {
  path: string;
  raw: string;
  signature: string | undefined;
  timestamp: string | undefined;
}[] = [];

beforeAll(async () => {
  peer = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      calls.push({
        path: req.url ?? '',
        raw,
        signature: req.headers['x-lighthouse-signature'] as string | undefined,
        timestamp: req.headers['x-lighthouse-timestamp'] as string | undefined,
      });
      res.writeHead(req.url === '/broken' ? 410 : 204).end();
    });
  });
  await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
  const address = peer.address();
  peerUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  api = await startTestApi({ LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true' });
});

afterAll(async () => {
  await api.close();
  await new Promise((r) => peer.close(r));
});

it('sends a test message to every channel and reports each result', async () => {
  const token = await signIn(api.http, randomWallet());
  const secret = 'test-alert-signing-secret';
  const created = await api.http
    .post('/v1/subscriptions')
    .set(bearer(token))
    .send(
      httpSubscription({
        tier: 'team',
        alert_channels: [
          { type: 'webhook', config: { url: `${peerUrl}/hook`, secret }, language: 'es' },
          { type: 'discord', config: { webhook_url: `${peerUrl}/discord/1/x` } },
          { type: 'slack', config: { webhook_url: `${peerUrl}/broken` } },
        ],
      }),
    )
    .expect(201);
  const id = (created.body as { id: string }).id;

  const res = await api.http
    .post(`/v1/subscriptions/${id}/test-alert`)
    .set(bearer(token))
    .expect(200);
  const results = (res.body as { results: { type: string; ok: boolean; error: string | null }[] })
    .results;
  expect(results.map((r) => [r.type, r.ok])).toEqual([
    ['webhook', true],
    ['discord', true],
    ['slack', false],
  ]);
  expect(results[2]?.error).toMatch(/410/);
  const doc = (await api.http.get('/openapi.json').expect(200)).body as OpenApiDocument;
  const schema = responseSchema(doc, '/v1/subscriptions/{id}/test-alert', 'post');
  expect(schemaProblems(doc, schema, res.body)).toEqual([]);

  const hook = calls.find((c) => c.path === '/hook');
  expect(hook?.signature).toBe(
    `sha256=${createHmac('sha256', secret)
      .update(`${hook?.timestamp ?? ''}.${hook?.raw ?? ''}`)
      .digest('hex')}`,
  );
  // a test, never a state change: its own event and kind, and words that say so
  const payload = JSON.parse(hook?.raw ?? '{}') as Record<string, unknown>;
  expect(payload).toMatchObject({
    subscription_id: id,
    event: 'subscription.test',
    kind: 'test',
    test: true,
    language: 'es',
    from_state: 'unknown',
    to_state: 'unknown',
  });
  expect(String(payload.message).split('\n').slice(0, 2)).toEqual([
    '🧪 Alerta de prueba para Example API',
    'Esta es una alerta de prueba enviada por Lighthouse para comprobar este canal. No ha cambiado nada.',
  ]);
  const discord = calls.find((c) => c.path.startsWith('/discord'));
  const embed = (JSON.parse(discord?.raw ?? '{}') as { embeds?: Record<string, unknown>[] })
    .embeds?.[0];
  expect(embed?.title).toBe('🧪 Test alert for Example API');
  expect(embed?.description).toMatch(/^\*This is a test alert sent from Lighthouse/);

  // nothing is recorded as an alert, and another wallet cannot fire it
  const alerts = await api.http
    .get(`/v1/subscriptions/${id}/alerts`)
    .set(bearer(token))
    .expect(200);
  expect((alerts.body as { items: unknown[] }).items).toHaveLength(0);
  const stranger = await signIn(api.http, randomWallet());
  await api.http.post(`/v1/subscriptions/${id}/test-alert`).set(bearer(stranger)).expect(404);
});

it('refuses private channel URLs when the guard is on', async () => {
  const guarded = await startTestApi({ LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'false' });
  try {
    const token = await signIn(guarded.http, randomWallet());
    const created = await guarded.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(
        httpSubscription({
          alert_channels: [
            { type: 'webhook', config: { url: `${peerUrl}/hook`, secret: 'sixteen-chars-secret' } },
          ],
        }),
      )
      .expect(201);
    const before = calls.length;
    const res = await guarded.http
      .post(`/v1/subscriptions/${(created.body as { id: string }).id}/test-alert`)
      .set(bearer(token))
      .expect(200);
    expect((res.body as { results: { ok: boolean; error: string }[] }).results[0]).toMatchObject({
      ok: false,
    });
    expect(calls.length).toBe(before);
  } finally {
    await guarded.close();
  }
});
