import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { TcpTarget } from '@lighthouse/domain';
import type { Resolver } from '@lighthouse/net';
import {
  close,
  createTestCa,
  DAY_MS,
  issueCertificate,
  listen,
  refusedPort,
  stuckPort,
  type Pems,
} from '../../test/loopback';
import { createTcpChecker } from './tcp';
import { createProbes } from './probes';
import type { CheckContext } from './types';

const allowPrivate: CheckContext = { targetAccess: 'all' };
const guarded: CheckContext = { targetAccess: 'public' };

/** The defaults tcpTargetSchema fills in. */
function target(port: number, overrides: Partial<TcpTarget> = {}): TcpTarget {
  return { host: '127.0.0.1', port, tls: false, timeout_ms: 2_000, ...overrides };
}

/** Made-up names for the guard's resolver: db.example is "public" only to this table. */
const resolve: Resolver = (hostname) => {
  const table: Record<string, string> = { 'db.example': '127.0.0.1' };
  const address = table[hostname];
  return Promise.resolve(address === undefined ? [] : [{ address, family: 4 }]);
};

const servers: Server[] = [];
const sockets = new Set<Socket>();
/** A server that records its connections and otherwise does what `onConnection` says. */
async function serve(server: Server): Promise<{ port: number; connections: () => number }> {
  let count = 0;
  server.on('connection', (socket: Socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  return { port: await listen(server), connections: () => count };
}

let ca: Pems;
let plain: { port: number; connections: () => number };
let silent: { port: number; connections: () => number };
let garbage: { port: number; connections: () => number };

beforeAll(async () => {
  ca = await createTestCa();
  plain = await serve(createServer((s) => s.end()));
  silent = await serve(createServer(() => undefined));
  garbage = await serve(createServer((s) => s.end('SSH-2.0-OpenSSH_9.6\r\n')));
});

afterAll(async () => {
  for (const server of servers) await close(server, sockets);
});

describe('tcp check', () => {
  const checker = createTcpChecker(createProbes({ resolve }));

  test('up: the port accepts, with the tcp phase and no dns phase for an IP', async () => {
    const result = await checker(target(plain.port), allowPrivate);
    expect(result).toMatchObject({
      status: 'up',
      error_category: null,
      error_message: null,
      http_status: null,
    });
    expect(result.response_time_ms).toBe(result.timings?.total);
    expect(typeof result.timings?.tcp).toBe('number');
    expect(result.timings?.dns).toBeUndefined();
    expect(result.tls_days_left).toBeUndefined();
  });

  test('a host name is resolved through the guard and timed', async () => {
    const result = await checker(target(plain.port, { host: 'db.example' }), allowPrivate);
    expect(result.status).toBe('up');
    expect(typeof result.timings?.dns).toBe('number');
  });

  test('down: connection refused', async () => {
    const result = await checker(target(await refusedPort()), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.error_message).toContain('ECONNREFUSED');
  });

  test('down: a name that does not resolve is a dns failure', async () => {
    const result = await checker(target(plain.port, { host: 'missing.example' }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'dns' });
    expect(result.error_message).toContain('ENOTFOUND');
  });

  test('timeout: a connect that never completes', async () => {
    const stuck = await stuckPort();
    try {
      const result = await checker(target(stuck.port, { timeout_ms: 300 }), allowPrivate);
      expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
      expect(result.error_message).toBe('timed out after 300 ms waiting for the connection');
      expect(result.timings?.total).toBeGreaterThanOrEqual(299);
    } finally {
      stuck.close();
    }
  });

  test('timeout: tls on a port that accepts and says nothing', async () => {
    const result = await checker(target(silent.port, { tls: true, timeout_ms: 300 }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toBe('timed out after 300 ms waiting for the TLS handshake');
    expect(typeof result.timings?.tcp).toBe('number');
  });

  test('malformed: tls on a port that speaks another protocol is a tls failure', async () => {
    const result = await checker(target(garbage.port, { tls: true }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'tls' });
    expect(result.error_message).toMatch(/^TLS error \(/);
  });

  test('shutdown: an aborted signal ends the probe as internal, not as a target failure', async () => {
    const controller = new AbortController();
    const pending = checker(target(silent.port, { tls: true, timeout_ms: 5_000 }), {
      ...allowPrivate,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    const result = await pending;
    expect(result).toMatchObject({ status: 'down', error_category: 'internal' });
    expect(result.error_message).toContain('shutting down');
  });
});

describe('tcp check with tls', () => {
  let trusted: number;
  let selfSigned: number;
  beforeAll(async () => {
    const leaf = await issueCertificate(ca, { to: 30 * DAY_MS + 3_600_000 });
    trusted = (await serve(createTlsServer({ key: leaf.private, cert: leaf.cert }, (s) => s.end())))
      .port;
    const own = await issueCertificate(null, { to: 10 * DAY_MS + 3_600_000 });
    selfSigned = (
      await serve(createTlsServer({ key: own.private, cert: own.cert }, (s) => s.end()))
    ).port;
  });

  test('up after the handshake, with the tls phase and days left', async () => {
    const checker = createTcpChecker(createProbes({ ca: ca.cert }));
    const result = await checker(target(trusted, { tls: true }), allowPrivate);
    expect(result).toMatchObject({ status: 'up', tls_days_left: 30 });
    expect(typeof result.timings?.tls).toBe('number');
  });

  test('servername is sent and checked against the certificate', async () => {
    const checker = createTcpChecker(createProbes({ ca: ca.cert }));
    const right = await checker(
      target(trusted, { tls: true, servername: 'lighthouse.test' }),
      allowPrivate,
    );
    expect(right.status).toBe('up');
    const wrong = await checker(
      target(trusted, { tls: true, servername: 'other.test' }),
      allowPrivate,
    );
    expect(wrong).toMatchObject({ status: 'down', error_category: 'tls' });
    expect(wrong.error_message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  test('an untrusted certificate is down unless reject_unauthorized is false', async () => {
    const checker = createTcpChecker(createProbes());
    const strict = await checker(target(selfSigned, { tls: true }), allowPrivate);
    expect(strict).toMatchObject({ status: 'down', error_category: 'tls', tls_days_left: 10 });
    expect(strict.error_message).toContain('SELF_SIGNED');
    const lenient = await checker(
      target(selfSigned, { tls: true, reject_unauthorized: false }),
      allowPrivate,
    );
    expect(lenient).toMatchObject({ status: 'up', tls_days_left: 10 });
  });
});

describe('tcp check and the SSRF guard', () => {
  const checker = createTcpChecker(createProbes({ resolve }));

  test('blocks a loopback literal without connecting', async () => {
    const before = plain.connections();
    const result = await checker(target(plain.port), guarded);
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(result.error_message).toContain('private or reserved');
    expect(plain.connections()).toBe(before);
  });

  test('blocks a name that resolves to loopback, and private literals', async () => {
    const before = plain.connections();
    const named = await checker(target(plain.port, { host: 'db.example' }), guarded);
    expect(named).toMatchObject({ status: 'down', error_category: 'blocked' });
    // service mode (public targets only): what the name resolved to is not said
    expect(named.error_message).toContain('db.example resolves to a private or reserved address');
    expect(named.error_message).not.toContain('127.0.0.1');
    for (const host of ['10.0.0.1', '169.254.169.254', '::1', '::ffff:127.0.0.1']) {
      const result = await checker(target(22, { host, timeout_ms: 500 }), guarded);
      expect(result.error_category).toBe('blocked');
    }
    expect(plain.connections()).toBe(before);
  });
});
