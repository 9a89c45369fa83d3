import { startStack, type Stack } from './alerting-stack';

// No way around the tier: pausing and resuming a subscription (or changing its interval back
// and forth) never checks it sooner than its grid allows. Two minutes of a pause/resume loop
// against a real scheduler and checker yield at most one check per interval.

const INTERVAL_S = 30;
const LOOP_MS = 120_000;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await stack.stop();
});

it(
  'a pause/resume loop over two minutes never yields more than one check per interval',
  async () => {
    const created = await stack.call('POST', '/v1/subscriptions', {
      name: 'paused and resumed',
      target_type: 'http',
      target_config: { url: stack.targetUrl('/loop') },
      tier: 'team',
      check_frequency_seconds: INTERVAL_S,
      alert_channels: [],
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    const started = Date.now();
    let rounds = 0;
    // the interval changed to a minute and back, once: no check sooner for it either
    for (const seconds of [INTERVAL_S * 2, INTERVAL_S]) {
      const res = await stack.call('PATCH', `/v1/subscriptions/${id}`, {
        check_frequency_seconds: seconds,
      });
      expect(res.status).toBe(200);
    }
    while (Date.now() - started < LOOP_MS) {
      expect((await stack.call('POST', `/v1/subscriptions/${id}/pause`)).status).toBe(200);
      expect((await stack.call('POST', `/v1/subscriptions/${id}/resume`)).status).toBe(200);
      rounds += 1;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    // the checks of slots enqueued before the end have landed
    await new Promise((r) => setTimeout(r, 3_000));
    const { items } = (await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=100`))
      .body as { items: { time: string; confirmation: boolean }[] };
    const times = items.map((c) => Date.parse(c.time)).sort((a, b) => a - b);
    expect(rounds).toBeGreaterThan(60);
    expect(times.length).toBeGreaterThanOrEqual(2);
    expect(times.length).toBeLessThanOrEqual(Math.floor(LOOP_MS / (INTERVAL_S * 1000)) + 1);
    for (let i = 1; i < times.length; i++) {
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(INTERVAL_S * 1000);
    }
  },
  LOOP_MS + 60_000,
);
