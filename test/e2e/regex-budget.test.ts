import { performance } from 'node:perf_hooks';
import { WebSocketServer } from '../../services/checker/test/loopback';
import { sleep, startStack, type Stack } from './alerting-stack';

// One tenant's pattern must not freeze the checker (issue 18). A websocket subscription expects
// its reply to match ^(a+)+$ and the server answers 29 a's and a "!": JavaScript's RegExp
// backtracks for about 20 s on that, holding the checker's event loop (and every other check,
// its lock renewals and its /health). On RE2 it is a plain "did not match", so while the
// subscription is checked every second the checker's /health answers within 500 ms every time.

const REPLY = `${'a'.repeat(29)}!`;
const PATTERN = '^(a+)+$';
const WATCH_MS = 5_000;
const POLL_EVERY_MS = 100;
const ANSWER_WITHIN_MS = 500;

let stack: Stack;
let ws: WebSocketServer;
const replies: number[] = [];

beforeAll(async () => {
  ws = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => ws.once('listening', resolve));
  ws.on('connection', (socket) =>
    socket.on('message', () => {
      replies.push(performance.now());
      socket.send(REPLY);
    }),
  );
  stack = await startStack();
}, 60_000);

afterAll(async () => {
  await stack.stop();
  for (const client of ws.clients) client.terminate();
  await new Promise((resolve) => ws.close(resolve));
});

/** How long the checker's /health took to answer 200 (Infinity when it did not in 2 s). */
async function healthLatency(url: string): Promise<number> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await res.text();
    return res.status === 200 ? performance.now() - started : Infinity;
  } catch {
    return Infinity;
  }
}

it('a catastrophic pattern leaves the checker answering /health while it is checked', async () => {
  const checker = stack.services.find((s) => s.name === 'checker');
  const port = /"metrics_port":(\d+)/.exec(checker?.output() ?? '')?.[1];
  expect(port).toBeDefined();
  const health = `http://127.0.0.1:${port}/health`;
  expect(await healthLatency(health)).toBeLessThan(ANSWER_WITHIN_MS);

  const address = ws.address() as { port: number };
  const created = await stack.call('POST', '/v1/subscriptions', {
    name: 'catastrophic pattern',
    target_type: 'websocket',
    target_config: {
      url: `ws://127.0.0.1:${address.port}/feed`,
      send: 'ping',
      expect: { matches: PATTERN },
      timeout_ms: 2_000,
    },
    tier: 'team',
    check_frequency_seconds: 1,
    failure_threshold: 1,
    alert_channels: [],
  });
  expect(created.status).toBe(201);
  const id = (created.body as { id: string }).id;
  await stack.until('the first reply', () => Promise.resolve(replies.length > 0 || undefined));

  // the checks go on every second: poll /health all the while
  const watchStarted = performance.now();
  const latencies: number[] = [];
  while (performance.now() - watchStarted < WATCH_MS) {
    latencies.push(await healthLatency(health));
    await sleep(POLL_EVERY_MS);
  }
  const repliedWhileWatched = replies.filter((t) => t >= watchStarted).length;

  expect(repliedWhileWatched).toBeGreaterThanOrEqual(3);
  expect(latencies.length).toBeGreaterThan(10);
  expect(latencies.filter((ms) => ms >= ANSWER_WITHIN_MS)).toEqual([]);

  // and the pattern was run: the reply did not match it
  const history = await stack.until('a recorded check', async () => {
    const res = await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=1`);
    return (res.body.items as Record<string, unknown>[] | undefined)?.[0];
  });
  expect(history).toMatchObject({
    status: 'down',
    error_category: 'assertion',
    error_message: `the first reply did not match /${PATTERN}/`,
  });
}, 90_000);
