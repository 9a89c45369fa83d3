import { randomWallet } from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

let api: TestApi;
let token: string;
beforeAll(async () => {
  api = await startTestApi();
  token = await signIn(api.http, randomWallet());
});
afterAll(async () => {
  await api.close();
});

const base = httpSubscription();
const target = base.target_config as Record<string, unknown>;
const withTarget = (patch: Record<string, unknown>) => ({
  ...base,
  target_config: { ...target, ...patch },
});
const withChannel = (channel: unknown) => ({ ...base, alert_channels: [channel] });
/** A subscription of another target type, on the test tier that allows every type. */
const ofType = (target_type: string, target_config: Record<string, unknown>) => ({
  ...base,
  tier: 'team',
  target_type,
  target_config,
});

/** [what, body, the field the answer must name] */
const cases: [string, unknown, string][] = [
  ['body is an array', [base], '(body)'],
  ['body is a string', 'subscribe me', '(body)'],
  ['missing target_type', { ...base, target_type: undefined }, 'target_type'],
  ['unknown target type', { ...base, target_type: 'smtp' }, 'target_type'],
  ['target type outside the tier', { ...base, tier: 'none' }, 'target_type'],
  ['target_config is a string', { ...base, target_config: 'https://example.com' }, 'target_config'],
  ['missing url', withTarget({ url: undefined }), 'target_config.url'],
  ['bad url', withTarget({ url: 'not a url' }), 'target_config.url'],
  ['ftp url', withTarget({ url: 'ftp://example.com/file' }), 'target_config.url'],
  [
    'url too long',
    withTarget({ url: `https://example.com/${'a'.repeat(2100)}` }),
    'target_config.url',
  ],
  ['unknown method', withTarget({ method: 'FETCH' }), 'target_config.method'],
  ['headers is a list', withTarget({ headers: ['X-A: 1'] }), 'target_config.headers'],
  [
    'header value with a line break',
    withTarget({ headers: { 'X-A': 'a\r\nX-Injected: 1' } }),
    'target_config.headers.X-A',
  ],
  ['reserved header', withTarget({ headers: { Host: 'internal' } }), 'target_config.headers'],
  ['body on a GET', withTarget({ body: '{}' }), 'target_config.body'],
  [
    'oversized request body',
    withTarget({ method: 'POST', body: 'x'.repeat(20_000) }),
    'target_config.body',
  ],
  [
    'status code out of range',
    withTarget({ valid_status_codes: [700] }),
    'target_config.valid_status_codes[0]',
  ],
  [
    'status range backwards',
    withTarget({ valid_status_codes: ['299-200'] }),
    'target_config.valid_status_codes[0]',
  ],
  ['empty status list', withTarget({ valid_status_codes: [] }), 'target_config.valid_status_codes'],
  ['negative max latency', withTarget({ max_latency_ms: -5 }), 'target_config.max_latency_ms'],
  ['timeout as a string', withTarget({ timeout_ms: '10s' }), 'target_config.timeout_ms'],
  ['empty keyword', withTarget({ keyword: { text: '' } }), 'target_config.keyword.text'],
  [
    'bad json path',
    withTarget({ json_assertion: { path: 'status', operator: 'eq', value: 'ok' } }),
    'target_config.json_assertion.path',
  ],
  [
    'json assertion without value',
    withTarget({ json_assertion: { path: '$.status', operator: 'eq' } }),
    'target_config.json_assertion.value',
  ],
  ['unknown target field', withTarget({ follow: true }), 'target_config.follow'],
  [
    'tcp port out of range',
    ofType('tcp', { host: 'db.example.com', port: 70000 }),
    'target_config.port',
  ],
  [
    'dns expected value of the wrong kind',
    ofType('dns', { hostname: 'example.com', record_type: 'A', expected: ['not-an-ip'] }),
    'target_config.expected[0]',
  ],
  [
    'tls critical_days above warning_days',
    ofType('tls', { host: 'example.com', warning_days: 7, critical_days: 10 }),
    'target_config.critical_days',
  ],
  [
    'websocket with an http url',
    ofType('websocket', { url: 'https://example.com/socket' }),
    'target_config.url',
  ],
  // patterns run on RE2 (linear time): what it cannot run is refused at creation
  [
    'websocket pattern with a backreference',
    ofType('websocket', { url: 'wss://example.com/socket', expect: { matches: '(a)\\1' } }),
    'target_config.expect.matches',
  ],
  [
    'websocket pattern with a lookahead',
    ofType('websocket', { url: 'wss://example.com/socket', expect: { matches: '(?=a)' } }),
    'target_config.expect.matches',
  ],
  [
    'canary extraction pattern with a lookbehind',
    ofType('canary', {
      steps: [
        { name: 'home', url: 'https://example.com/' },
        {
          name: 'form',
          url: 'https://example.com/form',
          extract: [{ var: 'csrf', from: 'regex', pattern: '(?<=csrf=)\\w+' }],
        },
      ],
    }),
    'target_config.steps[1].extract[0].pattern',
  ],
  ['unknown top-level field', { ...base, frequency: 60 }, 'frequency'],
  ['interval as a string', { ...base, check_frequency_seconds: '60' }, 'check_frequency_seconds'],
  ['fractional interval', { ...base, check_frequency_seconds: 1.5 }, 'check_frequency_seconds'],
  [
    'interval under the tier minimum',
    { ...base, tier: 'hourly', check_frequency_seconds: 60 },
    'check_frequency_seconds',
  ],
  ['unknown tier', { ...base, tier: 'platinum' }, 'tier'],
  ['name too long', { ...base, name: 'n'.repeat(201) }, 'name'],
  ['name is a number', { ...base, name: 42 }, 'name'],
  ['failure threshold zero', { ...base, failure_threshold: 0 }, 'failure_threshold'],
  ['alert_channels is an object', { ...base, alert_channels: { type: 'email' } }, 'alert_channels'],
  ['unknown channel type', withChannel({ type: 'pager', config: {} }), 'alert_channels[0].type'],
  ['channel without config', withChannel({ type: 'email' }), 'alert_channels[0].config'],
  [
    'email channel with a bad address',
    withChannel({ type: 'email', config: { to: 'not-an-email' } }),
    'alert_channels[0].config.to',
  ],
  [
    'webhook without secret',
    withChannel({ type: 'webhook', config: { url: 'https://h.example.com/x' } }),
    'alert_channels[0].config.secret',
  ],
  [
    'discord with a bad url',
    withChannel({ type: 'discord', config: { webhook_url: 'discord' } }),
    'alert_channels[0].config.webhook_url',
  ],
  [
    'slack with an extra field',
    withChannel({
      type: 'slack',
      config: { webhook_url: 'https://hooks.slack.com/x', channel: '#ops' },
    }),
    'alert_channels[0].config.channel',
  ],
  [
    'telegram with a bad token',
    withChannel({ type: 'telegram', config: { bot_token: 'abc', chat_id: 1 } }),
    'alert_channels[0].config.bot_token',
  ],
  [
    'telegram chat id as a boolean',
    withChannel({
      type: 'telegram',
      config: { bot_token: '123456:AAAAAAAAAAAAAAAAAAAAAAAAAAAA', chat_id: true },
    }),
    'alert_channels[0].config.chat_id',
  ],
  [
    'unknown channel language',
    withChannel({ type: 'email', config: { to: 'a@example.com' }, language: 'fr' }),
    'alert_channels[0].language',
  ],
  // half a surrogate pair is no text PostgreSQL can store: refused, never a 500
  [
    'a lone surrogate in a websocket expectation',
    ofType('websocket', { url: 'wss://example.com/socket', expect: { contains: 'ok\ud800' } }),
    'target_config.expect.contains',
  ],
  [
    'a lone low surrogate in an http keyword',
    ofType('http', { url: 'https://example.com/', keyword: { text: '\udfffx' } }),
    'target_config.keyword.text',
  ],
  [
    'a lone surrogate in a canary step name',
    ofType('canary', { steps: [{ name: 'log\ud83din', url: 'https://example.com/login' }] }),
    'target_config.steps[0].name',
  ],
];

describe('malformed subscription payloads', () => {
  it(`has at least 25 cases (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases)('%s → 400 naming the field', async (_what, body, field) => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(body as object)
      .expect(400);
    const error = (
      res.body as {
        error: { code: string; message: string; details: { fields: { field: string }[] } };
      }
    ).error;
    expect(error.code).toBe('validation_error');
    expect(error.details.fields.map((f) => f.field)).toContain(field);
    expect(error.message).toContain(field);
  });

  it('says why RE2 refuses a pattern', async () => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(ofType('websocket', { url: 'wss://example.com/socket', expect: { matches: '(a)\\1' } }))
      .expect(400);
    expect(res.body).toMatchObject({
      error: {
        code: 'validation_error',
        details: {
          fields: [
            {
              field: 'target_config.expect.matches',
              message:
                'must not use backreferences (\\1, \\k<name>): patterns run on RE2, a linear-time engine that has none',
            },
          ],
        },
      },
    });
  });

  it('wrote no row for any of them', async () => {
    const rows = await api.ctx.db.selectFrom('subscriptions').select('id').execute();
    expect(rows).toHaveLength(0);
  });

  it('answers invalid JSON with 400 and an oversized request with 413', async () => {
    const bad = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .set('Content-Type', 'application/json')
      .send('{"target_type": "http",')
      .expect(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_json' } });
    const huge = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send({ ...base, name: 'x'.repeat(300_000) })
      .expect(413);
    expect(huge.body).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('validates updates the same way and leaves the row unchanged', async () => {
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(base)
      .expect(201);
    const id = (created.body as { id: string }).id;
    const res = await api.http
      .patch(`/v1/subscriptions/${id}`)
      .set(bearer(token))
      .send({ name: 'new name', target_config: { ...target, url: 'nope' } })
      .expect(400);
    expect(res.body).toMatchObject({
      error: { details: { fields: [{ field: 'target_config.url' }] } },
    });
    const after = await api.http.get(`/v1/subscriptions/${id}`).set(bearer(token)).expect(200);
    expect(after.body).toMatchObject({ name: base.name });
    await api.http.delete(`/v1/subscriptions/${id}`).set(bearer(token)).expect(204);
  });
});
