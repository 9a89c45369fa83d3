import { createServer, type Server, type Socket } from 'node:net';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { TlsTarget } from '@lighthouse/domain';
import {
  close,
  createTestCa,
  DAY_MS,
  issueCertificate,
  listen,
  refusedPort,
  type CertificateOptions,
  type Pems,
} from '../../test/loopback';
import { createTlsChecker } from './tls';
import { createProbes } from './probes';
import { checkNameOnLeaf, peerExpiry } from './socket';
import type { CheckContext } from './types';

const allowPrivate: CheckContext = { targetAccess: 'all' };
const guarded: CheckContext = { targetAccess: 'public' };
const HOUR_MS = 3_600_000;

/** The defaults tlsTargetSchema fills in. */
function target(port: number, overrides: Partial<TlsTarget> = {}): TlsTarget {
  return {
    host: '127.0.0.1',
    port,
    warning_days: 14,
    critical_days: 3,
    timeout_ms: 2_000,
    ...overrides,
  };
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
let accepted = 0;
async function serve(server: Server): Promise<number> {
  server.on('connection', (socket: Socket) => {
    accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  servers.push(server);
  return listen(server);
}

let ca: Pems;
const checker = (): ReturnType<typeof createTlsChecker> =>
  createTlsChecker(createProbes({ ca: ca.cert }));
/** A TLS server presenting a certificate from the test CA (or self-signed with `ca: null`). */
async function serveCertificate(
  options: CertificateOptions,
  issuer: Pems | null = ca,
): Promise<number> {
  const pems = await issueCertificate(issuer, options);
  return serve(createTlsServer({ key: pems.private, cert: pems.cert }, (s) => s.end()));
}

beforeAll(async () => {
  ca = await createTestCa();
});

afterAll(async () => {
  for (const server of servers) await close(server, sockets);
});

describe('tls check', () => {
  test('up: a trusted certificate with more than warning_days left, and its details', async () => {
    const port = await serveCertificate({ to: 60 * DAY_MS + HOUR_MS });
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({
      status: 'up',
      error_category: null,
      error_message: null,
      tls_days_left: 60,
      certificate: {
        subject: 'CN=lighthouse.test',
        issuer: 'CN=Lighthouse Test CA',
        authorized: true,
        authorization_error: null,
      },
    });
    expect(typeof result.timings?.tcp).toBe('number');
    expect(typeof result.timings?.tls).toBe('number');
    expect(result.response_time_ms).toBe(result.timings?.total);
    expect(Date.parse(result.certificate?.valid_to ?? '')).toBeGreaterThan(Date.now());
  });

  test('degraded: fewer than warning_days left', async () => {
    const port = await serveCertificate({ to: 10 * DAY_MS + HOUR_MS });
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({ status: 'degraded', error_category: null, tls_days_left: 10 });
    expect(result.error_message).toBe(
      'certificate expires in 10 day(s), under warning_days 14: CN=lighthouse.test, issued by CN=Lighthouse Test CA',
    );
  });

  test('down: a certificate expiring in 2 days is under critical_days', async () => {
    const port = await serveCertificate({ to: 2 * DAY_MS + HOUR_MS });
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'tls', tls_days_left: 2 });
    expect(result.error_message).toContain('under critical_days 3');
    // thresholds are the subscriber's: with critical_days 1 the same certificate is degraded
    const relaxed = await checker()(target(port, { critical_days: 1 }), allowPrivate);
    expect(relaxed.status).toBe('degraded');
  });

  test('down: an expired certificate', async () => {
    const port = await serveCertificate({ from: -30 * DAY_MS, to: -2 * DAY_MS - HOUR_MS });
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'tls',
      tls_days_left: -3,
      certificate: { authorized: false, authorization_error: 'CERT_HAS_EXPIRED' },
    });
    expect(result.error_message).toMatch(
      /^certificate expired 3 day\(s\) ago \(CERT_HAS_EXPIRED\)/,
    );
  });

  test('down: an untrusted (self-signed) chain, however long it lasts', async () => {
    const port = await serveCertificate({ to: 300 * DAY_MS }, null);
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'tls',
      certificate: { authorized: false, authorization_error: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
    });
    expect(result.tls_days_left).toBeGreaterThan(200);
  });

  test('down: a certificate for another name (servername checked)', async () => {
    const port = await serveCertificate({ to: 60 * DAY_MS });
    const result = await checker()(target(port, { servername: 'shop.example' }), allowPrivate);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'tls',
      certificate: { authorized: false, authorization_error: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    });
    const right = await checker()(target(port, { servername: 'lighthouse.test' }), allowPrivate);
    expect(right.status).toBe('up');
  });

  test("node's name check reads the leaf, built once, and decides as before", async () => {
    const connectTo =
      (port: number) =>
      (servername: string): Promise<TLSSocket> =>
        new Promise((resolve, reject) => {
          const socket = checkNameOnLeaf(
            tlsConnect({ host: '127.0.0.1', port, servername, ca: ca.cert }),
          );
          socket.once('secureConnect', () => resolve(socket));
          socket.once('error', reject);
        });
    const named = connectTo(await serveCertificate({ to: 60 * DAY_MS }));
    const right = await named('lighthouse.test');
    expect(right.authorized).toBe(true);
    // what node's check read: the leaf, without the chain built as objects, and built once
    const seen = right.getPeerCertificate(true);
    expect(seen.subject.CN).toBe('lighthouse.test');
    expect(seen).not.toHaveProperty('issuerCertificate');
    expect(right.getPeerCertificate()).toBe(seen);
    expect(peerExpiry(right)).toBe(Date.parse(seen.valid_to));
    right.destroy();
    await expect(named('shop.example')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
    // no DNS name among the alternative names: node's check falls back to the CN, as before
    const cnOnly = connectTo(
      await serveCertificate({ to: 60 * DAY_MS, dnsNames: [], commonName: 'legacy.test' }),
    );
    const legacy = await cnOnly('legacy.test');
    expect(legacy.authorized).toBe(true);
    legacy.destroy();
    await expect(cnOnly('shop.example')).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  test('down: nothing listening', async () => {
    const result = await checker()(target(await refusedPort()), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'connect' });
    expect(result.certificate).toBeUndefined();
  });

  test('timeout: a server that accepts and never answers the handshake', async () => {
    const port = await serve(createServer(() => undefined));
    const result = await checker()(target(port, { timeout_ms: 300 }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toBe('timed out after 300 ms waiting for the TLS handshake');
  });

  test('malformed: a plain HTTP server answers the handshake with text', async () => {
    const port = await serve(
      createServer((s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
    );
    const result = await checker()(target(port), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'tls' });
    expect(result.error_message).toMatch(/^TLS error \(/);
  });

  test('blocked: a loopback target is refused by the guard without connecting', async () => {
    const port = await serveCertificate({ to: 60 * DAY_MS });
    const before = accepted;
    const result = await checker()(target(port), guarded);
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(accepted).toBe(before);
  });
});
