import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { canaryTargetSchema, MAX_HEADER_VALUES, type CanaryTarget } from '@lighthouse/domain';
import { createCanaryChecker } from './canary';
import { createProbes } from './probes';
import type { CheckContext } from './types';

// Flows against a local API: log in, use the token, fetch. Each test reads what the server saw.

const allowPrivate: CheckContext = { targetAccess: 'all' };
const probes = createProbes();
const runCanaryCheck = createCanaryChecker(probes);
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.session-token-for-tests';

let server: http.Server;
let base: string;
/** path → requests seen, with the headers that matter */
let seen: { path: string; authorization?: string; session?: string; body: string }[];
let profileStatus: number;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://app');
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({
        path: url.pathname + url.search,
        authorization: req.headers.authorization,
        session: req.headers['x-session'] as string | undefined,
        body,
      });
      const json = (status: number, value: unknown, headers: http.OutgoingHttpHeaders = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(value));
      };
      const [, route, arg = ''] = url.pathname.split('/');
      switch (route) {
        case 'login': {
          const { password } = JSON.parse(body || '{}') as { password?: string };
          if (password !== 'hunter2-correct-horse') return json(401, { error: 'bad password' });
          return json(
            200,
            { token: TOKEN, user: { id: 42, roles: ['admin', 'ops'] } },
            { 'X-Session': 'sess-7f3a', 'Set-Cookie': ['theme=dark', 'sid=abc123; HttpOnly'] },
          );
        }
        case 'me':
          if (req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'no' });
          if (profileStatus !== 200) return json(profileStatus, { error: 'profile store down' });
          return json(200, { id: 42, name: 'alice', plan: 'team' });
        case 'orders':
          return json(200, {
            user: url.searchParams.get('user'),
            items: [{ id: 'o-1', total: 12.5 }],
            count: 1,
          });
        case 'page':
          res.writeHead(200, { 'content-type': 'text/html' });
          return res.end('<form><input name="csrf" value="c5rf-99x"></form>');
        case 'echo':
          return json(200, { token: TOKEN, query: url.search });
        case 'slow':
          setTimeout(() => json(200, { ok: true }), Number(arg));
          return;
        case 'malformed':
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end('{"token": "abc", ');
        case 'as':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end(`${'a'.repeat(28)}!`);
        case 'many':
          // 300 values of one header, 200 ms late: 299 made for a catastrophic pattern, then one
          // that matches
          setTimeout(() => {
            res.setHeader('x-a', [...Array<string>(299).fill(`${'a'.repeat(19)}!`), 'token-123']);
            json(200, { ok: true });
          }, 200);
          return;
        default:
          return json(404, { error: 'no route' });
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  seen = [];
  profileStatus = 200;
});

afterAll(async () => {
  await probes.close();
  server.closeAllConnections();
  server.close();
  await once(server, 'close');
});

/**
 * Runs `work` while a 10 ms interval timer ticks: how long it took, how often the timer got to
 * run, and the longest the event loop went without running it.
 */
async function ticking<T>(
  work: () => Promise<T>,
): Promise<{ value: T; ms: number; ticks: number; longestGapMs: number }> {
  const started = performance.now();
  let last = started;
  let ticks = 0;
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    ticks += 1;
  }, 10);
  try {
    const value = await work();
    const ms = performance.now() - started;
    longestGapMs = Math.max(longestGapMs, performance.now() - last);
    return { value, ms, ticks, longestGapMs };
  } finally {
    clearInterval(timer);
  }
}

/** A flow as the API stores it: validated, defaults filled in. */
function flow(steps: Record<string, unknown>[], extra: Record<string, unknown> = {}): CanaryTarget {
  return canaryTargetSchema.parse({ steps, ...extra });
}

const login = () => ({
  name: 'login',
  method: 'POST',
  url: `${base}/login`,
  headers: { 'Content-Type': 'application/json' },
  body: '{"user":"alice","password":"hunter2-correct-horse"}',
  extract: [
    { var: 'token', from: 'json', path: '$.token' },
    { var: 'user_id', from: 'json', path: '$.user.id' },
    { var: 'session', from: 'header', header: 'x-session' },
  ],
});

describe('a login → use the token → fetch flow', () => {
  it('passes, carrying the extracted values into later steps', async () => {
    const result = await runCanaryCheck(
      flow([
        login(),
        {
          name: 'profile',
          url: `${base}/me`,
          headers: { Authorization: 'Bearer {{token}}' },
          assert: {
            status: 200,
            body_contains: 'alice',
            json: [{ path: '$.plan', operator: 'eq', value: 'team' }],
          },
        },
        {
          name: 'orders',
          url: `${base}/orders?user={{ user_id }}`,
          headers: { 'X-Session': '{{session}}' },
          assert: { json: [{ path: '$.count', operator: 'gte', value: 1 }] },
        },
      ]),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'up',
      http_status: 200,
      error_category: null,
      error_message: null,
    });
    expect(result.steps?.map((s) => [s.index, s.name, s.status, s.http_status])).toEqual([
      [0, 'login', 'up', 200],
      [1, 'profile', 'up', 200],
      [2, 'orders', 'up', 200],
    ]);
    for (const step of result.steps ?? []) {
      expect(step.response_time_ms).toEqual(expect.any(Number));
      expect(step.timings?.total).toEqual(expect.any(Number));
    }
    expect(seen.map((r) => r.path)).toEqual(['/login', '/me', '/orders?user=42']);
    expect(seen[1]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(seen[2]?.session).toBe('sess-7f3a');
  });

  it('stops at a failing middle step and names it', async () => {
    profileStatus = 500;
    const result = await runCanaryCheck(
      flow([
        login(),
        { name: 'profile', url: `${base}/me`, headers: { Authorization: 'Bearer {{token}}' } },
        { name: 'orders', url: `${base}/orders?user={{user_id}}` },
      ]),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      http_status: 500,
      error_category: 'status',
      error_message: "step 2 'profile': unexpected status 500, expected 200-299",
    });
    expect(result.body_excerpt).toContain('profile store down');
    expect(result.steps?.map((s) => [s.name, s.status, s.error_message])).toEqual([
      ['login', 'up', null],
      ['profile', 'down', 'unexpected status 500, expected 200-299'],
    ]);
    // the third step never ran
    expect(seen.map((r) => r.path)).toEqual(['/login', '/me']);
  });
});

describe('extraction', () => {
  it('reads JSON paths (into arrays), headers in any case, and regexes on the body or a header', async () => {
    const result = await runCanaryCheck(
      flow([
        {
          ...login(),
          extract: [
            { var: 'role', from: 'json', path: '$.user.roles[1]' },
            { var: 'user', from: 'json', path: '$.user' },
            { var: 'session', from: 'header', header: 'X-SESSION' },
            { var: 'sid', from: 'regex', header: 'set-cookie', pattern: 'sid=(\\w+)' },
          ],
        },
        {
          name: 'form',
          url: `${base}/page`,
          extract: [{ var: 'csrf', from: 'regex', pattern: 'name="csrf" value="([^"]+)"' }],
        },
        {
          name: 'use them',
          method: 'POST',
          url: `${base}/echo?r={{role}}&s={{sid}}&c={{csrf}}&u={{user}}`,
          body: '{{session}}',
        },
      ]),
      allowPrivate,
    );
    expect(result.status).toBe('up');
    const last = seen[seen.length - 1];
    expect(last?.path).toBe(
      `/echo?r=ops&s=abc123&c=c5rf-99x&u=${encodeURIComponent('{"id":42,"roles":["admin","ops"]}')}`,
    );
    expect(last?.body).toBe('sess-7f3a');
  });

  it('fails the step, naming the variable, when a value is not there', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        { var: 'missing', from: 'json', path: '$.user.email' },
        "step 1 'login': could not extract {{missing}}: $.user.email is not in the JSON body",
      ],
      [
        { var: 'h', from: 'header', header: 'x-request-id' },
        "step 1 'login': could not extract {{h}}: no x-request-id header in the response",
      ],
      [
        { var: 'r', from: 'regex', pattern: 'refresh=(\\w+)' },
        "step 1 'login': could not extract {{r}}: /refresh=(\\w+)/ does not match the body",
      ],
    ];
    for (const [extraction, message] of cases) {
      const result = await runCanaryCheck(
        flow([{ ...login(), extract: [extraction] }]),
        allowPrivate,
      );
      expect(result).toMatchObject({
        status: 'down',
        http_status: 200,
        error_category: 'assertion',
        error_message: message,
      });
    }
  });

  it('runs a pattern that backtracks catastrophically on RegExp in linear time', async () => {
    const run = await ticking(() =>
      runCanaryCheck(
        flow([
          {
            name: 'as',
            url: `${base}/as`,
            extract: [{ var: 'x', from: 'regex', pattern: '^(a+)+$' }],
          },
        ]),
        allowPrivate,
      ),
    );
    expect(run.value.error_message).toBe(
      "step 1 'as': could not extract {{x}}: /^(a+)+$/ does not match the body",
    );
    expect(run.longestGapMs).toBeLessThan(250);
  });

  it('fails, not passes, when a header has more values than the check may look at', async () => {
    // On RegExp with a 50 ms limit per value, each value backtracked for a few ms: the 300 held
    // the event loop for about a second, then the last one matched and the step passed.
    const run = await ticking(() =>
      runCanaryCheck(
        flow([
          {
            name: 'many',
            url: `${base}/many`,
            extract: [
              { var: 'x', from: 'regex', header: 'x-a', pattern: '^(a+)+$|^token-(\\d+)$' },
            ],
          },
        ]),
        allowPrivate,
      ),
    );
    // Down either way: normally the 100 values it may look at match nothing, and the rest are
    // refused; on a machine busy enough that matching those 100 outlasts the time budget, that
    // budget ends it first (the count rule alone is tested in patterns.test.ts).
    expect(run.value).toMatchObject({ status: 'down', error_category: 'assertion' });
    expect(run.value.error_message).toMatch(
      new RegExp(
        `^step 1 'many': could not extract \\{\\{x\\}\\}: (the response has 300 x-a header values, more than the check's budget of ${MAX_HEADER_VALUES} header values looked at|pattern matching ran past the check's budget)`,
      ),
    );
    // the answer came 200 ms in; the timer kept its pace all along
    expect(run.ms).toBeGreaterThanOrEqual(200);
    expect(run.ms).toBeLessThan(5_000);
    expect(run.ticks).toBeGreaterThanOrEqual(Math.floor((run.ms / 10) * 0.5));
    expect(run.longestGapMs).toBeLessThan(250);
  }, 60_000);

  it('finds a value among a few header values with the same pattern', async () => {
    const result = await runCanaryCheck(
      flow([
        {
          ...login(),
          extract: [
            { var: 'x', from: 'regex', header: 'set-cookie', pattern: '^(a+)+$|sid=(\\w+)' },
          ],
        },
      ]),
      allowPrivate,
    );
    expect(result.status).toBe('up');
  });

  it('fails a stored pattern RE2 refuses (saved before patterns were checked), saying why', async () => {
    const result = await runCanaryCheck(
      {
        steps: [
          {
            name: 'as',
            method: 'GET',
            url: `${base}/as`,
            timeout_ms: 2_000,
            follow_redirects: true,
            extract: [{ var: 'x', from: 'regex', pattern: '(a)\\1' }],
          },
        ],
        timeout_ms: 5_000,
      },
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message:
        "step 1 'as': could not extract {{x}}: the pattern cannot run: it must not use backreferences (\\1, \\k<name>): patterns run on RE2, a linear-time engine that has none",
    });
  });
});

describe('failures', () => {
  it('times out a slow step at its own timeout_ms', async () => {
    const result = await runCanaryCheck(
      flow([
        { name: 'quick', url: `${base}/slow/0` },
        { name: 'slow', url: `${base}/slow/2000`, timeout_ms: 200 },
      ]),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'timeout',
      error_message: "step 2 'slow': timed out after 200 ms",
    });
    expect(result.steps).toHaveLength(2);
  });

  it("times out the flow at its timeout_ms, however the steps' own timeouts add up", async () => {
    const result = await runCanaryCheck(
      flow(
        [
          { name: 'first', url: `${base}/slow/700` },
          { name: 'second', url: `${base}/slow/700` },
        ],
        { timeout_ms: 1_000 },
      ),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toMatch(/^step 2 'second': timed out after \d+ ms$/);
    expect(result.response_time_ms).toBeLessThan(1_500);
  });

  it('fails on malformed JSON, for an assertion and for an extraction', async () => {
    const assertion = await runCanaryCheck(
      flow([
        {
          name: 'parse',
          url: `${base}/malformed`,
          assert: { json: [{ path: '$.token', operator: 'exists' }] },
        },
      ]),
      allowPrivate,
    );
    expect(assertion.error_message).toBe(
      "step 1 'parse': JSON assertion failed: the body is not valid JSON",
    );
    expect(assertion.body_excerpt).toBe('{"token": "abc", ');
    const extraction = await runCanaryCheck(
      flow([
        {
          name: 'parse',
          url: `${base}/malformed`,
          extract: [{ var: 'token', from: 'json', path: '$.token' }],
        },
      ]),
      allowPrivate,
    );
    expect(extraction).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: "step 1 'parse': could not extract {{token}}: the body is not valid JSON",
    });
  });

  it('fails on body, JSON and latency assertions, in that order', async () => {
    const run = (assert: Record<string, unknown>, url = `${base}/orders?user=1`) =>
      runCanaryCheck(flow([{ name: 'orders', url, assert }]), allowPrivate);
    expect((await run({ body_contains: 'o-2' })).error_message).toBe(
      `step 1 'orders': the body does not contain "o-2"`,
    );
    expect(
      (await run({ json: [{ path: '$.items[0].total', operator: 'gt', value: 20 }] }))
        .error_message,
    ).toBe("step 1 'orders': JSON assertion failed: $.items[0].total gt 20 (actual 12.5)");
    expect((await run({ max_latency_ms: 50 }, `${base}/slow/150`)).error_message).toMatch(
      /^step 1 'orders': took \d+ ms, over max_latency_ms 50$/,
    );
    expect((await run({ status: [404] })).error_message).toBe(
      "step 1 'orders': unexpected status 200, expected 404",
    );
  });

  it('keeps extracted tokens and header values out of its messages', async () => {
    const result = await runCanaryCheck(
      flow([
        login(),
        {
          name: 'echo',
          url: `${base}/echo`,
          headers: { Authorization: 'Bearer {{token}}' },
          assert: { json: [{ path: '$.token', operator: 'eq', value: 'something else' }] },
        },
      ]),
      allowPrivate,
    );
    expect(result.status).toBe('down');
    expect(result.error_message).toContain('JSON assertion failed: $.token eq');
    expect(result.error_message).not.toContain(TOKEN);
    expect(JSON.stringify(result.steps)).not.toContain(TOKEN);
  });

  it('passes every step through the SSRF guard', async () => {
    const result = await runCanaryCheck(flow([login()]), { targetAccess: 'public' });
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(result.error_message).toMatch(/^step 1 'login': blocked by the SSRF guard/);
    expect(seen).toEqual([]);
  });
});
