import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  connect as tlsConnect,
  createSecureContext,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import type { Guards, SsrfGuard, TargetAccess } from '@lighthouse/net';
import { Agent, type buildConnector } from 'undici';
import { safeDecode } from '../errors';
import { checkNameOnLeaf, peerExpiry } from '../socket';

export const USER_AGENT = 'Lighthouse-Checker/0.1 (+synthetic monitoring)';
/**
 * Idle keep-alive sockets of the JSON-RPC agents (evm) are closed after this long, before common
 * servers close theirs (node's default is 5 s). HTTP checks keep no idle sockets: see
 * {@link createHttpTransport}.
 */
export const IDLE_SOCKET_TIMEOUT_MS = 2_000;
/**
 * A connection attempt is given up after this long. A probe's own timeout (at most 60 s) ends
 * the probe sooner; this only bounds a connect that outlives the probe that asked for it.
 */
const CONNECT_TIMEOUT_MS = 60_000;
const SEND_HEADERS = 'undici:client:sendHeaders';

/** What the connector measured on one connection; each socket has one for its lifetime. */
export interface Connection {
  started: number;
  lookedUp: number | undefined;
  connected: number | undefined;
  secured: number | undefined;
  /** the peer certificate's expiry (epoch ms), https only */
  expires: number | undefined;
}

/** The guard and agent of one guard policy: every hop of a probe goes through both. */
export interface HttpRoute {
  guard: SsrfGuard;
  agent: Agent;
}

/** A request about to be written, told which socket carries it. */
export interface SocketWatcher {
  onSocket(socket: Socket): void;
}

/**
 * The HTTP probe's network side: one undici agent per guard policy, made on first use, whose
 * sockets all come from {@link guardedConnector}; what that connector measured on each socket;
 * and which socket carries each request. One per checker (see `Probes`), closed once.
 *
 * Every request gets a connection of its own, closed after its response (the probe dispatches
 * with `reset`), and no TLS session is resumed: a check pays for and reports its own DNS, TCP
 * and TLS round trips, as a visitor would, and sees a server that stops accepting connections
 * (docs/adr/0010-one-connection-per-check.md). What is built once is the TLS secure context:
 * the trusted roots are parsed per checker, not per connection.
 */
export interface HttpTransport {
  /** the guard and agent of a policy */
  get(access: TargetAccess): HttpRoute;
  /**
   * Names the request undici is about to write. undici calls a handler's `onRequestStart` and
   * then, in the same synchronous step, publishes `undici:client:sendHeaders` with the socket:
   * the watcher named last is told that socket (and so which connection's phases to report).
   */
  starting(watcher: SocketWatcher): void;
  /** the phases and certificate of a socket this transport opened */
  connectionOf(socket: Socket): Connection | undefined;
  /** the connection a failed connect attempt made, by its error */
  failedConnectionOf(error: Error): Connection | undefined;
  /** Closes every socket, aborting requests in flight; the agents are made again on use. */
  close(): Promise<void>;
}

export function createHttpTransport(guards: Guards, ca: string | undefined): HttpTransport {
  const agents = new Map<TargetAccess, HttpRoute>();
  const connections = new WeakMap<Socket, Connection>();
  const failed = new WeakMap<Error, Connection>();
  let watcher: SocketWatcher | null = null;
  // node builds a context per connection unless given one: the roots parsed once, here
  const secureContext = createSecureContext(ca === undefined ? {} : { ca });
  const onSendHeaders = (message: unknown): void => {
    const starting = watcher;
    if (starting === null) return; // another undici user in this process (node's fetch, say)
    watcher = null;
    // The message is undici's `{ request, headers, socket }` (DiagnosticsChannel.ClientSendHeadersMessage).
    starting.onSocket((message as { socket: Socket }).socket);
  };

  return {
    get(access) {
      let entry = agents.get(access);
      if (entry === undefined) {
        if (agents.size === 0) subscribe(SEND_HEADERS, onSendHeaders);
        const guard = guards(access);
        const agent = new Agent({
          connect: guardedConnector(guard, secureContext, connections, failed),
          // The probe's own timer bounds the whole request; undici's per-request timers would
          // only cost CPU.
          headersTimeout: 0,
          bodyTimeout: 0,
        });
        entry = { guard, agent };
        agents.set(access, entry);
      }
      return entry;
    },
    starting(next) {
      watcher = next;
    },
    connectionOf: (socket) => connections.get(socket),
    failedConnectionOf: (error) => failed.get(error),
    async close() {
      if (agents.size > 0) unsubscribe(SEND_HEADERS, onSendHeaders);
      const open = [...agents.values()];
      agents.clear();
      watcher = null;
      await Promise.all(open.map(({ agent }) => agent.destroy().catch(() => undefined)));
    },
  };
}

/**
 * undici's connector, rebuilt so that the guard's `lookup` resolves every host name (no
 * second, unchecked lookup), and so that each connection records its own DNS, TCP and TLS
 * phases and its peer certificate. IP literals never reach `lookup`: the probe checks them
 * with `assertHostAllowed` before every hop.
 */
function guardedConnector(
  guard: SsrfGuard,
  secureContext: SecureContext,
  connections: WeakMap<Socket, Connection>,
  failed: WeakMap<Error, Connection>,
): buildConnector.connector {
  return ({ hostname, protocol, port, servername }, callback) => {
    const connection: Connection = {
      started: performance.now(),
      lookedUp: undefined,
      connected: undefined,
      secured: undefined,
      expires: undefined,
    };
    const https = protocol === 'https:';
    let socket: Socket;
    if (https) {
      // A server name is sent for host names only (node refuses an IP address as SNI).
      const name = servername || (isIP(hostname) === 0 ? hostname : undefined);
      const tlsSocket: TLSSocket = checkNameOnLeaf(
        tlsConnect({
          host: hostname,
          port: Number(port) || 443,
          ...guard.connectOptions,
          servername: name,
          secureContext,
          rejectUnauthorized: true,
          ALPNProtocols: ['http/1.1'],
        }),
      );
      // 'secure' comes after the handshake but before node verifies the chain and destroys a
      // socket that fails it, so the certificate of a server we reject is still seen.
      tlsSocket.prependOnceListener('secure', () => {
        connection.expires = peerExpiry(tlsSocket);
      });
      socket = tlsSocket;
    } else {
      socket = netConnect({
        host: hostname,
        port: Number(port) || 80,
        ...guard.connectOptions,
      });
    }
    connections.set(socket, connection);
    socket.setNoDelay(true);

    const timer = setTimeout(() => {
      const error: NodeJS.ErrnoException = new Error(`connect timed out (${hostname})`);
      error.code = 'ETIMEDOUT';
      socket.destroy(error);
    }, CONNECT_TIMEOUT_MS).unref();
    let done = false;
    socket
      .once('lookup', () => {
        connection.lookedUp = performance.now();
      })
      .once('connect', () => {
        connection.connected = performance.now();
        if (https) return;
        done = true;
        clearTimeout(timer);
        callback(null, socket);
      })
      .on('error', (error: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        failed.set(error, connection);
        callback(error, null);
      });
    if (https) {
      socket.once('secureConnect', () => {
        connection.secured = performance.now();
        done = true;
        clearTimeout(timer);
        callback(null, socket);
      });
    }
  };
}

/** `Basic …` for a URL's credentials, or undefined when it carries none. */
export function basicAuthorization(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const credentials = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  return `Basic ${Buffer.from(credentials).toString('base64')}`;
}
