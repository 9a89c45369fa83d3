import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { SsrfGuard } from '@lighthouse/net';
import { networkClassifier, rootMessage, SHUTDOWN_MESSAGE, type Classified } from './errors';
import type { CheckContext, CheckResult, ErrorCategory, Timings } from './types';

/**
 * What the probes share at the connection level (tcp, tls, websocket, dns for its deadline,
 * and http for its certificate and results): a guarded connect that records its phases, a
 * deadline that also ends on shutdown, and the shape of a failed result.
 */

const DAY_MS = 86_400_000;

/** When each phase of one connection ended (performance.now()); absent phases did not happen. */
export interface Phases {
  started: number;
  lookedUp?: number;
  connected?: number;
  secured?: number;
}

export interface TlsOptions {
  /** SNI and the name checked against the certificate; none for an IP address */
  servername: string | undefined;
  rejectUnauthorized: boolean;
  /** trusted roots instead of node's bundled ones (tests use their own CA) */
  ca?: string;
  ALPNProtocols?: string[];
}

export interface Connection {
  socket: Socket | TLSSocket;
  phases: Phases;
  /** the peer certificate's expiry (epoch ms), once a TLS server presented one */
  expires?: number;
}

/**
 * Opens a TCP (or TLS) connection through the SSRF guard: an IP literal is checked here
 * (throwing a `BlockedAddressError`), a host name is resolved once by the guard's `lookup`,
 * which hands the socket only addresses it checked. Errors arrive on the socket's 'error'.
 */
export function connectGuarded(
  host: string,
  port: number,
  guard: SsrfGuard,
  tls?: TlsOptions,
): Connection {
  guard.assertHostAllowed(host);
  const phases: Phases = { started: performance.now() };
  let connection: Connection;
  if (tls === undefined) {
    connection = { socket: netConnect({ host, port, ...guard.connectOptions }), phases };
  } else {
    const socket = tlsConnect({
      host,
      port,
      ...guard.connectOptions,
      servername: tls.servername,
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.ALPNProtocols === undefined ? {} : { ALPNProtocols: tls.ALPNProtocols }),
    });
    connection = { socket: checkNameOnLeaf(socket), phases };
    // 'secure' comes after the handshake but before node verifies the chain and destroys a
    // socket that fails it, so the certificate of a server we reject is still seen.
    socket.prependOnceListener('secure', () => {
      const expires = peerExpiry(socket);
      if (expires !== undefined) connection.expires = expires;
    });
    socket.once('secureConnect', () => {
      phases.secured = performance.now();
    });
  }
  connection.socket
    .once('lookup', () => {
      phases.lookedUp = performance.now();
    })
    .once('connect', () => {
      phases.connected = performance.now();
    });
  connection.socket.setNoDelay(true);
  return connection;
}

/**
 * Node checks the server's name (`checkServerIdentity`) on `getPeerCertificate(true)`: every
 * certificate of the chain turned into objects, with fingerprints, public keys and DER copies,
 * about 0.37 ms of CPU per handshake, a quarter of an HTTPS check (bench/FINDINGS.md). The
 * check reads only the leaf's names, so this socket answers every call with the leaf, built
 * once (the probe reads its expiry too). The chain itself is verified by OpenSSL against the
 * trusted roots during the handshake, whatever this returns.
 *
 * (`getPeerX509Certificate()` would be cheaper still, but on node 20 a client socket that
 * called it answers `getPeerCertificate()` with an empty object from then on.)
 */
export function checkNameOnLeaf(socket: TLSSocket): TLSSocket {
  const build = socket.getPeerCertificate.bind(socket);
  let leaf: PeerCertificate | undefined;
  socket.getPeerCertificate = (() => {
    if (leaf) return leaf;
    const cert = build(false);
    // before the handshake there is nothing to keep
    if (cert && Object.keys(cert).length > 0) leaf = cert;
    return cert;
  }) as TLSSocket['getPeerCertificate'];
  return socket;
}

/** The expiry (epoch ms) of the certificate a TLS server presented. */
export function peerExpiry(socket: TLSSocket): number | undefined {
  return certificateExpiry(socket.getPeerCertificate());
}

export function certificateExpiry(certificate: PeerCertificate | undefined): number | undefined {
  const validTo = certificate?.valid_to;
  const expires = validTo === undefined ? NaN : Date.parse(validTo);
  return Number.isNaN(expires) ? undefined : expires;
}

/** Whole days until `expires` (negative once expired), as the http check reports them. */
export function daysLeft(expires: number): number {
  return Math.floor((expires - Date.now()) / DAY_MS);
}

/** The DNS, TCP and TLS phases of a connection (an IP literal has no dns phase). */
export function phaseTimings(phases: Phases | undefined, total: number): Timings {
  const timings: Timings = { total };
  if (phases === undefined) return timings;
  const set = (key: 'dns' | 'tcp' | 'tls', from?: number, to?: number): void => {
    if (from !== undefined && to !== undefined) timings[key] = Math.max(0, Math.round(to - from));
  };
  set('dns', phases.started, phases.lookedUp);
  set('tcp', phases.lookedUp ?? phases.started, phases.connected);
  set('tls', phases.connected, phases.secured);
  return timings;
}

/** What the phases reached tell about where a connection stalled. */
export function waitingFor(phases: Phases | undefined, tls: boolean): string {
  if (phases === undefined) return 'the connection';
  if (phases.connected === undefined) return 'the connection';
  if (tls && phases.secured === undefined) return 'the TLS handshake';
  return 'the server';
}

export function since(started: number): number {
  return Math.round(performance.now() - started);
}

export function failure(
  category: ErrorCategory,
  message: string,
  timings: Timings | null,
  extra: Partial<CheckResult> = {},
): CheckResult {
  return {
    status: 'down',
    response_time_ms: null,
    http_status: null,
    timings,
    error_category: category,
    error_message: message,
    body_excerpt: null,
    ...extra,
  };
}

/** What a probe tells its deadline: how to end early, and what to report if it does. */
export interface ProbeHandle {
  /** releases sockets and timers; called exactly once, however the probe ends */
  cleanup(): void;
  timings(total: number): Timings;
  /** "the TLS handshake": what the probe was waiting for when time ran out */
  waitingFor(): string;
  /** fields every result of this probe carries (tls_days_left once a certificate was seen) */
  extra?(): Partial<CheckResult>;
}

export type Finish = (result: CheckResult) => void;

/**
 * Runs one probe under `timeoutMs` and `ctx.signal`: `start` begins the work and calls
 * `finish` once; a timeout or shutdown finishes it instead, with the phases reached so far.
 * Whatever ends the probe, `cleanup` runs once and the promise never rejects.
 */
export function runProbe(
  timeoutMs: number,
  ctx: CheckContext,
  start: (finish: Finish, started: number) => ProbeHandle,
): Promise<CheckResult> {
  const started = performance.now();
  return new Promise<CheckResult>((resolve) => {
    let done = false;
    let handle: ProbeHandle | undefined;
    const finish: Finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      ctx.signal?.removeEventListener('abort', onAbort);
      try {
        handle?.cleanup();
      } finally {
        resolve(result);
      }
    };
    const stop = (category: ErrorCategory, message: string): void => {
      const total = since(started);
      finish(
        failure(category, message, handle?.timings(total) ?? { total }, handle?.extra?.() ?? {}),
      );
    };
    const onAbort = (): void => stop('internal', SHUTDOWN_MESSAGE);
    const timer = setTimeout(() => {
      const what = handle?.waitingFor();
      stop(
        'timeout',
        `timed out after ${timeoutMs} ms${what === undefined ? '' : ` waiting for ${what}`}`,
      );
    }, timeoutMs);
    if (ctx.signal?.aborted === true) {
      onAbort();
      return;
    }
    ctx.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      handle = start(finish, started);
      // A probe that finished synchronously could not clean up before its handle existed.
      if (done) handle.cleanup();
    } catch (error) {
      const { category, message } = classifySocketError(error);
      stop(category, message);
    }
  });
}

/**
 * A socket error as a category and a one-line message (which the caller still redacts): the
 * network classifier, where a timeout can only be the connect's (a probe's own deadline ends it
 * otherwise).
 */
export const classifySocketError: (error: unknown) => Classified = networkClassifier({
  before: (_error, codes) =>
    codes.includes('ETIMEDOUT') ? { category: 'timeout', message: 'connect timed out' } : undefined,
  otherwise: (error, codes) => {
    const code = codes[0];
    return {
      category: 'connect',
      message: code === undefined ? rootMessage(error) : `${rootMessage(error)} (${code})`,
    };
  },
});

/** `host` itself when it is a name, for SNI; node refuses an IP address as a server name. */
export function sniFor(host: string, servername?: string): string | undefined {
  const name = servername ?? (isIP(host) === 0 ? host : undefined);
  return name?.replace(/\.$/, '');
}
