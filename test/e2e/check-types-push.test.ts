import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sent, startStack, webhook, type Stack } from './alerting-stack';

// Heartbeat and canary subscriptions through the real pipeline (api, scheduler, checker,
// alerter as processes): up while things go well, down with a webhook alert when they stop.

let stack: Stack;
let app: Server;
let appUrl: string;
/** what the canary's API answers on its profile step */
let profileStatus = 200;

beforeAll(async () => {
  // a small API for the canary: log in for a token, then read the profile with it
  app = createServer((req, res) => {
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/login' && req.method === 'POST')
      return json(200, { token: 'tok-e2e-123456' });
    if (req.url === '/me') {
      if (req.headers.authorization !== 'Bearer tok-e2e-123456') return json(401, {});
      return json(profileStatus, profileStatus === 200 ? { name: 'alice' } : { error: 'down' });
    }
    json(404, {});
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  app?.closeAllConnections();
  app?.close();
});

const stateOf = async (id: string) =>
  (await stack.call('GET', `/v1/subscriptions/${id}`)).body.state as string;

async function create(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await stack.call('POST', '/v1/subscriptions', {
    tier: 'team',
    check_frequency_seconds: 1,
    failure_threshold: 1,
    ...body,
  });
  if (res.status !== 201) throw new Error(`create failed: ${JSON.stringify(res.body)}`);
  return res.body;
}

it('heartbeat: up while pinged, down with an alert when the pings stop', async () => {
  const sub = await create({
    name: 'nightly backup',
    target_type: 'heartbeat',
    target_config: { grace_seconds: 2 },
    alert_channels: [webhook(stack, '/heartbeat')],
  });
  const id = sub.id as string;
  const pushUrl = sub.push_url as string;
  expect(pushUrl.startsWith(`${stack.apiUrl}/v1/push/lhp_`)).toBe(true);

  // a worker that reports in every 300 ms, without any credential but the URL
  let pinging = true;
  const worker = (async () => {
    while (pinging) {
      const res = await fetch(pushUrl, { method: 'POST' });
      if (res.status !== 200) throw new Error(`ping answered ${res.status}`);
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  await stack.until('the heartbeat up', async () =>
    (await stateOf(id)) === 'up' ? true : undefined,
  );
  // still up a few slots later: the pings keep it there
  await new Promise((r) => setTimeout(r, 2_500));
  expect(await stateOf(id)).toBe('up');

  pinging = false;
  await worker;
  const alert = await stack.alertOf(id, 'down', 'the missed-heartbeat alert', sent);
  expect(alert.deliveries.map((d) => d.channel_type)).toEqual(['webhook']);
  const hook = stack.calls.find((c) => c.path === '/heartbeat');
  expect(hook?.body).toMatchObject({
    event: 'subscription.down',
    subscription_id: id,
    name: 'nightly backup',
    to_state: 'down',
    check: { status: 'down', http_status: null },
  });
  expect((hook?.body.check as { error: string }).error).toMatch(
    /^no ping within 1 s \+ 2 s grace; the last came \d+ s before this check$/,
  );
  // the push URL never shows again
  const token = pushUrl.split('/').pop() as string;
  expect(JSON.stringify((await stack.call('GET', `/v1/subscriptions/${id}`)).body)).not.toContain(
    token,
  );
}, 40_000);

it('canary: up while every step passes, down with an alert naming the failing step', async () => {
  const sub = await create({
    name: 'sign-in flow',
    target_type: 'canary',
    target_config: {
      steps: [
        {
          name: 'login',
          method: 'POST',
          url: `${appUrl}/login`,
          body: '{"user":"alice","password":"correct-horse"}',
          extract: [{ var: 'token', from: 'json', path: '$.token' }],
        },
        {
          name: 'profile',
          url: `${appUrl}/me`,
          headers: { Authorization: 'Bearer {{token}}' },
          assert: { body_contains: 'alice' },
        },
      ],
    },
    alert_channels: [webhook(stack, '/canary')],
  });
  const id = sub.id as string;
  await stack.until('the canary up', async () => ((await stateOf(id)) === 'up' ? true : undefined));

  profileStatus = 500;
  await stack.alertOf(id, 'down', 'the canary alert', sent);
  const hook = stack.calls.find((c) => c.path === '/canary');
  expect(hook?.body).toMatchObject({
    event: 'subscription.down',
    subscription_id: id,
    check: {
      status: 'down',
      http_status: 500,
      error: "step 2 'profile': unexpected status 500, expected 200-299",
    },
  });

  // the history shows each run's steps, as far as the flow got
  const checks = await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=100`);
  const items = checks.body.items as {
    status: string;
    steps: { name: string; status: string }[];
  }[];
  const failed = items.find((c) => c.status === 'down');
  const passed = items.find((c) => c.status === 'up');
  expect(failed?.steps.map((s) => [s.name, s.status])).toEqual([
    ['login', 'up'],
    ['profile', 'down'],
  ]);
  expect(passed?.steps.map((s) => [s.name, s.status])).toEqual([
    ['login', 'up'],
    ['profile', 'up'],
  ]);
}, 40_000);
