import {
  responseSchema,
  schemaProblems,
  startService,
  type OpenApiDocument,
  TEST_METRICS_TOKEN,
} from '@lighthouse/testing';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  sent,
  sleep,
  startStack,
  watch as watchPath,
  webhook as webhookOn,
  WEBHOOK_SECRET,
  type Stack,
} from './alerting-stack';

// Delivery end to end: all four services as processes, every channel answered by a local peer.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

const TARGET = '/health';
const setTargetUp = (up: boolean) => stack.setTarget(TARGET, up);
const watch = (
  name: string,
  channels: Record<string, unknown>[],
  options: { waitUp?: boolean; recovery_threshold?: number } = {},
) => watchPath(stack, TARGET, channels, { name, ...options });
const webhook = (path: string) => webhookOn(stack, path);
const alertOf: Stack['alertOf'] = (...args) => stack.alertOf(...args);

it('target down → alert on every channel → target up → recovery with the downtime', async () => {
  const { id } = await watch(
    'Checkout API',
    [
      {
        type: 'webhook',
        config: { url: `${stack.peerUrl}/hook`, secret: WEBHOOK_SECRET },
        language: 'es',
      },
      { type: 'discord', config: { webhook_url: `${stack.peerUrl}/discord/1/abc` } },
      { type: 'slack', config: { webhook_url: `${stack.peerUrl}/slack/T/B/x` } },
      { type: 'telegram', config: { bot_token: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', chat_id: 42 } },
      { type: 'email', config: { to: 'ops@example.com' } },
    ],
    { recovery_threshold: 1 },
  );

  setTargetUp(false);
  const down = await alertOf(id, 'down', 'the down alert delivered everywhere', sent);
  expect(down.deliveries.map((d) => d.channel_type).sort()).toEqual([
    'discord',
    'email',
    'slack',
    'telegram',
    'webhook',
  ]);
  await sleep(1_500);
  setTargetUp(true);
  const up = await alertOf(id, 'up', 'the recovery alert delivered everywhere', sent);

  // the alerts are answered as /openapi.json documents them
  const doc = (await (await fetch(`${stack.apiUrl}/openapi.json`)).json()) as OpenApiDocument;
  const listed = (await stack.call('GET', `/v1/subscriptions/${id}/alerts`)).body;
  const schema = responseSchema(doc, '/v1/subscriptions/{id}/alerts', 'get');
  expect(schemaProblems(doc, schema, listed)).toEqual([]);

  // webhook: DESIGN payload, signature over the raw body, Spanish for an es channel
  const hooks = stack.calls.filter((c) => c.path === '/hook');
  expect(hooks.map((h) => h.body.event)).toEqual(['subscription.down', 'subscription.up']);
  for (const hook of hooks) {
    const stamp = String(hook.headers['x-lighthouse-timestamp']);
    const expected = `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(`${stamp}.${hook.raw}`).digest('hex')}`;
    expect(hook.headers['x-lighthouse-signature']).toBe(expected);
    expect(hook.headers['x-lighthouse-event-id']).toBe(hook.body.event_id);
    expect(hook.body).toMatchObject({ subscription_id: id, name: 'Checkout API', language: 'es' });
  }
  expect(hooks[0]?.body).toMatchObject({
    event_id: down.event_id,
    from_state: 'up',
    to_state: 'down',
    check: { status: 'down', http_status: 500 },
  });
  expect(hooks[1]?.body.event_id).toBe(up.event_id);
  expect(String(hooks[0]?.body.message)).toMatch(/ca[ií]d|inactiv|fuera de servicio/i);

  // the others each got both, in English; the recovery names the downtime
  expect(stack.calls.filter((c) => c.path.startsWith('/discord'))).toHaveLength(2);
  expect(stack.calls.filter((c) => c.path.startsWith('/slack'))).toHaveLength(2);
  const telegram = stack.calls.filter((c) => c.path.startsWith('/bot123456:'));
  expect(telegram).toHaveLength(2);
  expect(telegram[0]?.body).toMatchObject({ chat_id: 42 });
  expect(String(telegram[1]?.body.text)).toMatch(/\d+\s*(s|min)/);
  expect(stack.mails).toHaveLength(2);
  expect(stack.mails[0]).toContain('Checkout API');
  expect(stack.mails[1]).toMatch(/X-Lighthouse-Event-Id: /i);
}, 90_000);

it('retries a failing channel with backoff, waits out a 429, does not retry a 400', async () => {
  stack.script.set('/flaky', [500, 500, 500]);
  stack.script.set('/rejects', [400, 400, 400, 400, 400]);
  stack.script.set('/throttled', [429]);
  const { id, channelIds } = await watch('Retry me', [
    webhook('/flaky'),
    webhook('/rejects'),
    webhook('/throttled'),
  ]);
  setTargetUp(false);
  const alert = await alertOf(id, 'down', 'the alert settled');
  setTargetUp(true);
  expect(alert.delivery_status).toBe('partial');
  const [flaky, rejected, throttled] = channelIds.map((cid) =>
    alert.deliveries.find((d) => d.channel_id === cid),
  );
  expect(flaky).toMatchObject({ status: 'sent', attempts: 4 });
  expect(throttled).toMatchObject({ status: 'sent', attempts: 2 });
  expect(rejected).toMatchObject({ status: 'failed' });
  expect(rejected?.attempts).toBe(1);
  expect(rejected?.last_error).toMatch(/400/);
  expect(alert.retry_count).toBe(4);
  expect(stack.calls.filter((c) => c.path === '/flaky')).toHaveLength(4);
  expect(stack.calls.filter((c) => c.path === '/rejects')).toHaveLength(1);
  // the 429 said one second: the second try came no sooner
  const tries = stack.calls.filter((c) => c.path === '/throttled').map((c) => c.at);
  expect(tries).toHaveLength(2);
  expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(950);
}, 90_000);

it('an alerter killed mid-delivery loses nothing: every channel gets the alert, repeats only the in-flight send', async () => {
  const { id } = await watch('Crash test', [webhook('/slowhook'), webhook('/fasthook')]);

  stack.hang.path = '/slowhook';
  const arrived = new Promise<void>((resolve) => (stack.hang.arrived = resolve));
  setTargetUp(false);
  await arrived;
  const alerter = stack.services[3]!;
  alerter.child.kill('SIGKILL');
  await alerter.exited;
  stack.services[3] = startService('alerter', stack.alerterEnv);
  await stack.services[3].waitFor(/alerter running/);

  const alert = await alertOf(id, 'down', 'the alert settled after the restart');
  setTargetUp(true);
  expect(alert.delivery_status).toBe('sent');
  const slow = stack.calls.filter((c) => c.path === '/slowhook');
  const fast = stack.calls.filter((c) => c.path === '/fasthook');
  // the send in flight at the crash may be repeated, with the same event id; nothing else is
  expect(slow.length).toBeGreaterThanOrEqual(1);
  expect(slow.length).toBeLessThanOrEqual(2);
  expect(new Set(slow.map((c) => c.body.event_id))).toEqual(new Set([alert.event_id]));
  expect(fast.filter((c) => c.body.event_id === alert.event_id).length).toBeGreaterThanOrEqual(1);
  expect(fast.filter((c) => c.body.event_id === alert.event_id).length).toBeLessThanOrEqual(2);
}, 90_000);

it('alerts a subscription whose target is down from its first check', async () => {
  setTargetUp(false);
  try {
    const { id } = await watch('Born broken', [webhook('/startsdown')], { waitUp: false });
    const alert = await alertOf(id, 'down', 'the first down alert', sent);
    const hook = stack.calls.find((c) => c.path === '/startsdown');
    expect(hook?.body).toMatchObject({
      event_id: alert.event_id,
      from_state: 'unknown',
      to_state: 'down',
    });
  } finally {
    setTargetUp(true);
  }
}, 60_000);

it('serves every metric that the Grafana dashboard and Prometheus config of deploy/monitoring ask for', async () => {
  const monitoring = join(__dirname, '..', '..', 'deploy', 'monitoring');
  const dashboard = JSON.parse(
    readFileSync(join(monitoring, 'grafana', 'dashboards', 'lighthouse.json'), 'utf8'),
  ) as { panels: { title: string; targets: { expr: string }[] }[] };
  const wanted = new Set<string>();
  for (const panel of dashboard.panels)
    for (const { expr } of panel.targets)
      for (const [name] of expr.matchAll(/\blighthouse_[a-z_]+/g))
        wanted.add(name.replace(/_(bucket|sum|count)$/, ''));
  expect(wanted.size).toBeGreaterThan(10);

  // what each running service exposes: the api on its own port, the others on METRICS_PORT
  const served = new Set<string>();
  for (const s of stack.services) {
    const port =
      s.name === 'api' ? new URL(stack.apiUrl).port : /"metrics_port":(\d+)/.exec(s.output())?.[1];
    // service mode: /metrics needs METRICS_TOKEN, and refuses without it
    const url = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    const text = await (
      await fetch(url, { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } })
    ).text();
    for (const [, name] of text.matchAll(/^# TYPE (\S+) /gm)) served.add(name!);
  }
  expect([...wanted].filter((name) => !served.has(name))).toEqual([]);

  // Prometheus scrapes each compose service on the port its ops server listens on by default
  const prometheus = readFileSync(join(monitoring, 'prometheus.yml'), 'utf8');
  const jobs = [...prometheus.matchAll(/names: \[(\w+)\]\s+type: A\s+port: (\d+)/g)].map(
    ([, service, port]) => `${service}:${port}`,
  );
  expect(jobs.sort()).toEqual(['alerter:9103', 'api:3000', 'checker:9102', 'scheduler:9101']);
});
