import { createHash } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { WebsocketTarget } from '@lighthouse/domain';
import {
  close,
  createTestCa,
  DAY_MS,
  issueCertificate,
  listen,
  refusedPort,
  WebSocketServer,
} from '../../test/loopback';
import type { CheckContext } from './types';
import { createWebsocketChecker } from './websocket';
import { createProbes } from './probes';

const allowPrivate: CheckContext = { targetAccess: 'all' };
const guarded: CheckContext = { targetAccess: 'public' };
const TOKEN = 'secret-token-0123456789';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The defaults websocketTargetSchema fills in. */
function target(url: string, overrides: Partial<WebsocketTarget> = {}): WebsocketTarget {
  return { url, headers: {}, timeout_ms: 2_000, ...overrides };
}

const servers: Server[] = [];
const sockets = new Set<Duplex>();
let upgrades = 0;
function track(socket: Duplex): void {
  sockets.add(socket);
  socket.on('error', () => undefined);
  socket.on('close', () => sockets.delete(socket));
}

/**
 * The application: /echo answers "pong:<message>", /greet says hello first, /silent never
 * says anything, /close closes with 1011, /auth wants the x-token header, /deny answers 403,
 * /as answers "<n>" with n a's and a "!" after 200 ms.
 */
function app(server: HttpServer): HttpServer {
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    upgrades += 1;
    track(socket);
    const path = new URL(req.url ?? '/', 'http://app').pathname;
    const deny = (status: string): void => {
      socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
    };
    if (path === '/deny') return deny('403 Forbidden');
    if (path === '/auth' && req.headers['x-token'] !== TOKEN) return deny('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === '/greet') ws.send('hello from the server');
      if (path === '/close') ws.close(1011, 'going away');
      ws.on('message', (data: Buffer) => {
        if (path === '/silent') return;
        // "29" → "aaa…a!" (29 a's), 200 ms later: a reply made for a catastrophic pattern
        if (path === '/as') {
          setTimeout(() => ws.send(`${'a'.repeat(Number(data.toString()))}!`), 200);
          return;
        }
        ws.send(`pong:${data.toString()}`);
      });
    });
  });
  servers.push(server);
  return server;
}

/** A raw TCP server that reads the handshake and answers with `respond(key)`. */
function raw(respond: (key: string) => Buffer | string | null): Server {
  const server = createServer((socket: Socket) => {
    upgrades += 1;
    track(socket);
    let request = '';
    socket.on('data', (chunk: Buffer) => {
      request += chunk.toString('latin1');
      if (!request.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(request)?.[1] ?? '';
      const answer = respond(key);
      if (answer !== null) socket.write(answer);
    });
  });
  servers.push(server);
  return server;
}

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

function accept(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

let base: string;
let secure: string;
let caCert: string;

beforeAll(async () => {
  base = `ws://127.0.0.1:${await listen(app(createHttpServer()))}`;
  const ca = await createTestCa();
  caCert = ca.cert;
  const leaf = await issueCertificate(ca, { to: 40 * DAY_MS + 3_600_000 });
  secure = `wss://127.0.0.1:${await listen(app(createHttpsServer({ key: leaf.private, cert: leaf.cert })))}`;
});

afterAll(async () => {
  for (const server of servers) await close(server, sockets);
});

describe('websocket check', () => {
  const check = createWebsocketChecker(createProbes());

  test('up: the handshake completes, with its phases', async () => {
    const result = await check(target(`${base}/echo`), allowPrivate);
    expect(result).toMatchObject({
      status: 'up',
      http_status: 101,
      error_category: null,
      error_message: null,
    });
    expect(typeof result.timings?.tcp).toBe('number');
    expect(result.response_time_ms).toBe(result.timings?.total);
  });

  test('up: send, then the reply contains the expected text or matches the pattern', async () => {
    const contains = await check(
      target(`${base}/echo`, { send: 'ping', expect: { contains: 'pong:ping' } }),
      allowPrivate,
    );
    expect(contains).toMatchObject({ status: 'up', error_category: null });
    expect(typeof contains.timings?.first_byte).toBe('number');
    const matches = await check(
      target(`${base}/echo`, { send: 'ping', expect: { matches: '^pong:\\w+$' } }),
      allowPrivate,
    );
    expect(matches.status).toBe('up');
  });

  test('up: expect without send waits for what the server says first', async () => {
    const result = await check(
      target(`${base}/greet`, { expect: { contains: 'hello' } }),
      allowPrivate,
    );
    expect(result.status).toBe('up');
  });

  test('headers are sent with the handshake; a refusal is a status failure', async () => {
    const ok = await check(target(`${base}/auth`, { headers: { 'X-Token': TOKEN } }), allowPrivate);
    expect(ok.status).toBe('up');
    const refused = await check(target(`${base}/auth`), allowPrivate);
    expect(refused).toMatchObject({ status: 'down', error_category: 'status', http_status: 401 });
    expect(refused.error_message).toBe(
      'unexpected status 401 to the WebSocket handshake, expected 101',
    );
  });

  test('down (assertion): the first reply does not match; secrets stay out of the result', async () => {
    const result = await check(
      target(`${base}/echo?token=${TOKEN}`, {
        send: `auth ${TOKEN}`,
        expect: { matches: '^ready' },
      }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'assertion', http_status: 101 });
    expect(result.error_message).toBe('the first reply did not match /^ready/');
    expect(result.body_excerpt).toBe('pong:****');
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  describe('a pattern that backtracks catastrophically on RegExp', () => {
    const attack = async (length: number, matches: string) => {
      const run = await ticking(() =>
        check(
          target(`${base}/as`, { send: String(length), expect: { matches }, timeout_ms: 5_000 }),
          allowPrivate,
        ),
      );
      expect(run.value).toMatchObject({
        status: 'down',
        error_category: 'assertion',
        error_message: `the first reply did not match /${matches}/`,
      });
      // the reply came 200 ms in; the timer kept its pace all along (it did not stop for seconds)
      expect(run.ms).toBeGreaterThanOrEqual(200);
      expect(run.ms).toBeLessThan(5_000);
      expect(run.ticks).toBeGreaterThanOrEqual(Math.floor((run.ms / 10) * 0.5));
      expect(run.longestGapMs).toBeLessThan(250);
    };

    // RegExp: about 20 s on one core for 29 a's, doubling with each a more
    test('^(a+)+$ against 29 a\'s and a "!" answers at once, the event loop free', async () => {
      await attack(29, '^(a+)+$');
    }, 60_000);

    test('and against 64 Ki characters, and with nested alternations', async () => {
      await attack(65_535, '^(a+)+$');
      await attack(65_535, '^(a|aa|a?a)+$');
      await attack(65_535, '(x+x+)+y|^(a*)*$');
    });
  });

  test('a stored pattern RE2 refuses (saved before patterns were checked) fails, saying why', async () => {
    const result = await check(
      target(`${base}/echo`, { send: 'aa', expect: { matches: '(a)\\1' } }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'assertion', http_status: 101 });
    expect(result.error_message).toBe(
      'expect.matches /(a)\\1/ cannot run: it must not use backreferences (\\1, \\k<name>): patterns run on RE2, a linear-time engine that has none',
    );
  });

  test('down: nothing listening', async () => {
    const result = await check(target(`ws://127.0.0.1:${await refusedPort()}/`), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.error_message).toContain('ECONNREFUSED');
  });

  test('down: the server closes before replying', async () => {
    const result = await check(
      target(`${base}/close`, { expect: { contains: 'anything' } }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.error_message).toBe(
      'the server closed the connection (1011 going away) before replying',
    );
  });

  test('timeout: no reply within timeout_ms', async () => {
    const result = await check(
      target(`${base}/silent`, { send: 'ping', expect: { contains: 'pong' }, timeout_ms: 300 }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toBe('timed out after 300 ms waiting for a reply');
  });

  test('timeout: a server that never answers the handshake', async () => {
    const port = await listen(raw(() => null));
    const result = await check(
      target(`ws://127.0.0.1:${port}/`, { timeout_ms: 300 }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toBe('timed out after 300 ms waiting for the WebSocket handshake');
  });

  test('malformed: a 101 answer with a wrong Sec-WebSocket-Accept', async () => {
    const port = await listen(
      raw(
        () =>
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n',
      ),
    );
    const result = await check(target(`ws://127.0.0.1:${port}/`), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.error_message).toBe(
      'WebSocket handshake failed: Invalid Sec-WebSocket-Accept header',
    );
  });

  test('malformed: a frame with a reserved opcode after a good handshake', async () => {
    const port = await listen(
      raw((key) =>
        Buffer.concat([
          Buffer.from(
            'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              `Sec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
          ),
          Buffer.from([0x83, 0x02, 0x68, 0x69]), // FIN + opcode 3 (reserved), "hi"
        ]),
      ),
    );
    const result = await check(
      target(`ws://127.0.0.1:${port}/`, { expect: { contains: 'hi' } }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.error_message).toBe(
      'Invalid WebSocket frame: invalid opcode 3 (WS_ERR_INVALID_OPCODE)',
    );
  });

  test('a handshake refused with 403 is a status failure', async () => {
    const result = await check(target(`${base}/deny`), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'status', http_status: 403 });
  });

  test('wss: up with a trusted certificate, with the tls phase and days left', async () => {
    const trusting = createWebsocketChecker(createProbes({ ca: caCert }));
    const result = await trusting(
      target(`${secure}/echo`, { send: 'ping', expect: { contains: 'pong' } }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'up', tls_days_left: 40 });
    expect(typeof result.timings?.tls).toBe('number');
    const untrusting = await check(target(`${secure}/echo`), allowPrivate);
    expect(untrusting).toMatchObject({ status: 'down', error_category: 'tls' });
  });

  test('blocked: loopback is refused by the guard without connecting', async () => {
    const before = upgrades;
    const result = await check(target(`${base}/echo`), guarded);
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    const mapped = await check(target('ws://[::ffff:127.0.0.1]:80/', { timeout_ms: 500 }), guarded);
    expect(mapped.error_category).toBe('blocked');
    expect(upgrades).toBe(before);
  });

  test('shutdown: an aborted signal ends the probe as internal', async () => {
    const controller = new AbortController();
    const pending = check(
      target(`${base}/silent`, { send: 'ping', expect: { contains: 'pong' }, timeout_ms: 5_000 }),
      { ...allowPrivate, signal: controller.signal },
    );
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ status: 'down', error_category: 'internal' });
  });
});
