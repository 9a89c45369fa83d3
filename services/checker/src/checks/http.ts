import { subscribe } from 'node:diagnostics_channel';
import type { IncomingHttpHeaders } from 'node:http';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import zlib from 'node:zlib';
import type { HttpTarget } from '@lighthouse/domain';
import { Agent, type buildConnector, type Dispatcher } from 'undici';
import {
  BLOCKED_ADDRESS_CODE,
  createSsrfGuard,
  type TargetAccess,
  type Resolver,
  type SsrfGuard,
} from '@lighthouse/net';
import type { CheckContext, CheckResult, CheckRunner, ErrorCategory, Timings } from './types';
import { DNS_CODES, TLS_CODES, CONNECT_MESSAGES, isError, codesOf } from './errors';

/** The most of a response body the probe reads; keyword and JSON assertions see at most this. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How much of the body a failed check keeps. */
export const BODY_EXCERPT_BYTES = 1024;
/**
 * Idle keep-alive sockets are closed after this long, before common servers close theirs
 * (node's default is 5 s), so that a probe seldom picks a socket the server is closing.
 */
const IDLE_SOCKET_TIMEOUT_MS = 2_000;
/**
 * A connection attempt is given up after this long. A probe's own timeout (at most 60 s) ends
 * the probe sooner; this only bounds a connect that outlives the probe that asked for it.
 */
const CONNECT_TIMEOUT_MS = 60_000;
/** TLS sessions kept for resumption, as node's https.Agent does (one per server name). */
const MAX_TLS_SESSIONS = 100;
const USER_AGENT = 'Lighthouse-Checker/0.1 (+synthetic monitoring)';
/** What got sent and decoded; zstd is left out because node 20 cannot decode it. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
const REDIRECT_CODES = new Set([300, 301, 302, 303, 304, 307, 308]);
const DAY_MS = 86_400_000;

export interface HttpCheckerOptions {
  /** Replaces the system resolver on every hop; tests map made-up public names to loopback. */
  resolve?: Resolver;
  /** Replaces the SSRF predicate (default `isBlockedAddress`). */
  isBlocked?: (ip: string) => boolean;
  /** Certificate authorities to trust instead of node's bundled roots (tests use their own CA). */
  ca?: string;
}

/** The final response of an exchange, for checks that read it (canary steps). */
export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** the decoded body, at most MAX_BODY_BYTES */
  body: Buffer;
  truncated: boolean;
}

/** A probe's result and, when the request got an answer, that answer. */
export interface HttpExchange {
  result: CheckResult;
  response?: HttpResponse;
}

export interface HttpChecker {
  run: CheckRunner<HttpTarget>;
  /** Like `run`, and keeps the final response (status, headers, body) whatever its status. */
  exchange(config: HttpTarget, ctx: CheckContext): Promise<HttpExchange>;
  /** Closes the keep-alive sockets. */
  close(): void;
}

interface Transport {
  guard: SsrfGuard;
  agent: Agent;
}

/**
 * An HTTP(S) probe on undici with its own keep-alive agents. Every socket comes from
 * {@link guardedConnector}, which connects only to addresses the guard checked, and agents are
 * kept per guard mode, so a socket opened while private targets were allowed is never reused
 * while they are not.
 */
export function createHttpChecker(options: HttpCheckerOptions = {}): HttpChecker {
  watchSentHeaders();
  const transports = new Map<TargetAccess, Transport>();
  const transportFor = (access: TargetAccess): Transport => {
    let transport = transports.get(access);
    if (transport === undefined) {
      const guard = createSsrfGuard({
        access,
        resolve: options.resolve,
        isBlocked: options.isBlocked,
      });
      const agent = new Agent({
        connect: guardedConnector(guard, options.ca),
        keepAliveTimeout: IDLE_SOCKET_TIMEOUT_MS,
        // A server's Keep-Alive hint may shorten the idle time, never lengthen it.
        keepAliveMaxTimeout: IDLE_SOCKET_TIMEOUT_MS,
        // The probe's own timer bounds the whole request; undici's per-request timers would
        // only cost CPU.
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      transport = { guard, agent };
      transports.set(access, transport);
    }
    return transport;
  };

  const probe = async (
    config: HttpTarget,
    ctx: CheckContext,
    capture: boolean,
  ): Promise<HttpExchange> => {
    const started = performance.now();
    try {
      const transport = transportFor(ctx.targetAccess);
      const first = await new Probe(config, ctx, transport, capture).run();
      // A keep-alive socket the server closed while it sat idle fails before any response
      // arrives; that is our pool's fault, not the target's, so it earns one fresh attempt.
      if (first.staleSocket) return await new Probe(config, ctx, transport, capture).run();
      return first;
    } catch (error) {
      // A bug of ours, not a target failure; still a result, never a throw.
      const message = `probe failed: ${rootMessage(error)}`;
      return {
        result: failure('internal', redact(message, secretsOf(config)), null, since(started)),
      };
    }
  };
  const run: CheckRunner<HttpTarget> = async (config, ctx) =>
    (await probe(config, ctx, false)).result;

  return {
    run,
    exchange: (config, ctx) => probe(config, ctx, true),
    close() {
      for (const { agent } of transports.values()) {
        agent.destroy().catch(() => undefined);
      }
      transports.clear();
    },
  };
}

let processChecker: HttpChecker | undefined;

/** The process-wide probe (one pair of keep-alive agents per process, created on first use). */
export const runHttpCheck: CheckRunner<HttpTarget> = (config, ctx) => {
  processChecker ??= createHttpChecker();
  return processChecker.run(config, ctx);
};

/** An exchange on the process-wide probe: for checks built on HTTP requests (canary steps). */
export function runHttpExchange(config: HttpTarget, ctx: CheckContext): Promise<HttpExchange> {
  processChecker ??= createHttpChecker();
  return processChecker.exchange(config, ctx);
}

/** Closes the process-wide probe's sockets (on shutdown). */
export function closeHttpChecks(): void {
  processChecker?.close();
  processChecker = undefined;
}

/** What the connector measured on one connection; each socket has one for its lifetime. */
interface Connection {
  started: number;
  lookedUp: number | undefined;
  connected: number | undefined;
  secured: number | undefined;
  /** the peer certificate's expiry (epoch ms), https only */
  expires: number | undefined;
  /** requests sent on the socket so far */
  requests: number;
}

const connections = new WeakMap<Socket, Connection>();
/** The connection a failed connect attempt made, by its error: for its certificate and phases. */
const failedConnections = new WeakMap<Error, Connection>();

/**
 * undici's connector, rebuilt so that the guard's `lookup` resolves every host name (no
 * second, unchecked lookup), and so that each connection records its own DNS, TCP and TLS
 * phases and its peer certificate. IP literals never reach `lookup`: {@link Probe} checks them
 * with `assertHostAllowed` before every hop.
 */
function guardedConnector(guard: SsrfGuard, ca: string | undefined): buildConnector.connector {
  const sessions = new Map<string, Buffer>();
  return ({ hostname, protocol, port, servername }, callback) => {
    const connection: Connection = {
      started: performance.now(),
      lookedUp: undefined,
      connected: undefined,
      secured: undefined,
      expires: undefined,
      requests: 0,
    };
    const https = protocol === 'https:';
    let socket: Socket;
    if (https) {
      // A server name is sent for host names only (node refuses an IP address as SNI).
      const name = servername || (isIP(hostname) === 0 ? hostname : undefined);
      const key = name ?? hostname;
      const tlsSocket: TLSSocket = tlsConnect({
        host: hostname,
        port: Number(port) || 443,
        lookup: guard.lookup,
        servername: name,
        session: sessions.get(key),
        rejectUnauthorized: true,
        ALPNProtocols: ['http/1.1'],
        ...(ca === undefined ? {} : { ca }),
      });
      tlsSocket.on('session', (session: Buffer) => {
        sessions.delete(key);
        sessions.set(key, session);
        if (sessions.size > MAX_TLS_SESSIONS) sessions.delete(sessions.keys().next().value ?? '');
      });
      // 'secure' comes after the handshake but before node verifies the chain and destroys a
      // socket that fails it, so the certificate of a server we reject is still seen.
      tlsSocket.prependOnceListener('secure', () => {
        const validTo = tlsSocket.getPeerCertificate().valid_to;
        const expires = validTo === undefined ? NaN : Date.parse(validTo);
        if (!Number.isNaN(expires)) connection.expires = expires;
      });
      socket = tlsSocket;
    } else {
      socket = netConnect({ host: hostname, port: Number(port) || 80, lookup: guard.lookup });
    }
    connections.set(socket, connection);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 60_000);

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
        failedConnections.set(error, connection);
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

/**
 * The probe whose request undici is about to write. undici calls `onRequestStart` and then, in
 * the same synchronous step, publishes `undici:client:sendHeaders` with the socket: that is
 * how a probe learns which connection carries it (and so whether it was reused).
 */
let startingProbe: Probe | null = null;
let watchingSentHeaders = false;

function watchSentHeaders(): void {
  if (watchingSentHeaders) return;
  watchingSentHeaders = true;
  subscribe('undici:client:sendHeaders', (message) => {
    const probe = startingProbe;
    if (probe === null) return; // another undici user in this process (node's fetch, say)
    startingProbe = null;
    // The message is undici's `{ request, headers, socket }` (DiagnosticsChannel.ClientSendHeadersMessage).
    probe.onSocket((message as { socket: Socket }).socket);
  });
}

type Outcome = HttpExchange & { staleSocket: boolean };
type Stop = 'timeout' | 'shutdown';

/** Ends a request undici still runs after the probe finished (timeout, shutdown, body limit). */
const FINISHED = new Error('probe finished');
const EMPTY = Buffer.alloc(0);

function onProbeTimeout(probe: Probe): void {
  probe.stopWith('timeout');
}

/**
 * One check: the request, its redirects (each hop passes the guard) and the evaluation. It is
 * its own undici handler, timer argument and abort listener, so a check allocates no closures.
 */
class Probe implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private resolve: ((outcome: Outcome) => void) | undefined;
  private readonly outcome: Promise<Outcome>;
  private done = false;
  private stop: Stop | undefined;

  private url: URL;
  private method: HttpTarget['method'];
  private body: string | undefined;
  private headers: Record<string, string>;
  private redirects = 0;
  /** the redirect the current hop answered with, followed once its body is drained */
  private next: URL | undefined;
  /** the status of the latest response, redirects included */
  private status: number | null = null;
  private expires: number | undefined;
  /** the final response's headers, when capturing */
  private responseHeaders: IncomingHttpHeaders | undefined;

  // The current hop.
  private controller: Dispatcher.DispatchController | undefined;
  private connection: Connection | undefined;
  private reused = false;
  private sent: number | undefined;
  private firstByte: number | undefined;
  private ended: number | undefined;
  /** how much of the body to keep: assertions read it all, a failed status keeps an excerpt */
  private keep = 0;
  private chunks: Buffer[] = [];
  private size = 0;
  private truncated = false;
  private encoding: string | undefined;
  private decoder: zlib.Unzip | zlib.InflateRaw | zlib.BrotliDecompress | undefined;

  constructor(
    private readonly config: HttpTarget,
    private readonly ctx: CheckContext,
    private readonly transport: Transport,
    /** keep the final response whatever its status: its headers and (decoded) body */
    private readonly capture = false,
  ) {
    this.url = new URL(config.url);
    this.method = config.method;
    // undici ends a POST, PUT or PATCH without a body with Content-Length: 0.
    this.body = config.body;
    this.headers = requestHeaders(config, this.url);
    this.outcome = new Promise((resolve) => {
      this.resolve = resolve;
    });
    this.timer = setTimeout(onProbeTimeout, config.timeout_ms, this);
  }

  run(): Promise<Outcome> {
    if (this.ctx.signal?.aborted === true) {
      this.stopWith('shutdown');
    } else {
      this.ctx.signal?.addEventListener('abort', this, { once: true });
      this.startHop();
    }
    return this.outcome;
  }

  /** The abort listener of `ctx.signal`. */
  handleEvent(): void {
    this.stopWith('shutdown');
  }

  stopWith(reason: Stop): void {
    if (this.done) return;
    this.stop = reason;
    this.fail(new Error(reason));
  }

  private startHop(): void {
    this.controller = undefined;
    this.connection = undefined;
    this.reused = false;
    this.sent = undefined;
    this.firstByte = undefined;
    this.ended = undefined;
    this.next = undefined;
    this.size = 0;
    try {
      // Runs before every hop, redirects included: IP literals never reach the guarded lookup.
      this.transport.guard.assertHostAllowed(this.url.hostname);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.transport.agent.dispatch(
      {
        origin: this.url.origin,
        path: this.url.pathname + this.url.search,
        method: this.method,
        headers: this.headers,
        body: this.body ?? null,
      },
      this,
    );
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.done) {
      controller.abort(FINISHED);
      return;
    }
    this.controller = controller;
    // Not an alias for a closure: the sendHeaders subscriber picks it up synchronously.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    startingProbe = this;
  }

  onSocket(socket: Socket): void {
    this.sent = performance.now();
    const connection = connections.get(socket);
    if (connection === undefined) return;
    this.connection = connection;
    this.reused = connection.requests > 0;
    connection.requests += 1;
    if (connection.expires !== undefined) this.expires = connection.expires;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (this.done) return;
    this.firstByte = performance.now();
    this.status = statusCode;
    const location = headers.location;
    if (this.config.follow_redirects && location && REDIRECT_CODES.has(statusCode)) {
      // The redirect's own body is drained (to keep the connection) and dropped.
      this.redirectTo(location, statusCode);
      return;
    }
    this.encoding = decodable(headers['content-encoding']);
    if (this.capture) this.responseHeaders = headers;
    this.keep =
      this.capture || this.config.keyword !== undefined || this.config.json_assertion !== undefined
        ? MAX_BODY_BYTES
        : statusMatches(statusCode, this.config.valid_status_codes)
          ? 0
          : BODY_EXCERPT_BYTES;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done || this.next !== undefined) return;
    if (this.encoding !== undefined && this.keep > 0) {
      this.decoder ??= this.createDecoder(chunk);
      this.decoder.write(chunk);
      return;
    }
    this.take(chunk);
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.ended = performance.now();
    if (this.next !== undefined) {
      this.url = this.next;
      this.startHop();
    } else if (this.decoder !== undefined) {
      this.decoder.end();
    } else {
      this.answer();
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.done) return;
    this.fail(error);
  }

  /** Counts a chunk of the (decoded) body and keeps what the evaluation needs. */
  private take(chunk: Buffer): void {
    const room = MAX_BODY_BYTES - this.size;
    if (this.size < this.keep) this.chunks.push(chunk.subarray(0, this.keep - this.size));
    this.size += chunk.length;
    if (chunk.length > room) {
      // Reading stops here; the connection is closed rather than drained.
      this.truncated = true;
      this.ended = performance.now();
      this.answer();
    }
  }

  private createDecoder(first: Buffer): zlib.Unzip | zlib.InflateRaw | zlib.BrotliDecompress {
    const lenient = {
      flush: zlib.constants.Z_SYNC_FLUSH,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    };
    const decoder =
      this.encoding === 'br'
        ? zlib.createBrotliDecompress()
        : // A raw deflate stream without the zlib header, as some servers send.
          this.encoding === 'deflate' && first.length > 0 && ((first[0] ?? 0) & 0x08) === 0
          ? zlib.createInflateRaw(lenient)
          : zlib.createUnzip(lenient);
    decoder.on('data', (chunk: Buffer) => {
      if (!this.done) this.take(chunk);
    });
    decoder.once('end', () => {
      if (!this.done) this.answer();
    });
    decoder.once('error', (error) => {
      if (!this.done) this.fail(error);
    });
    return decoder;
  }

  private redirectTo(location: string | string[], statusCode: number): void {
    if (this.redirects >= this.config.max_redirects) {
      this.fail(codedError('ERR_TOO_MANY_REDIRECTS', 'too many redirects'));
      return;
    }
    let next: URL;
    try {
      // Header values arrive as latin1; a UTF-8 location is decoded as got did.
      const raw = Array.isArray(location) ? (location[0] ?? '') : location;
      next = new URL(Buffer.from(raw, 'latin1').toString(), this.url);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      this.fail(codedError('ERR_UNSUPPORTED_PROTOCOL', `unsupported protocol ${next.protocol}`));
      return;
    }
    this.redirects += 1;
    if (statusCode === 303 && this.method !== 'GET' && this.method !== 'HEAD') {
      this.method = 'GET';
      this.body = undefined;
    }
    if (next.origin !== this.url.origin) {
      // Another origin (scheme, host or port): the user's headers and URL credentials were
      // meant for the first one, and a step down to http would send them in clear text. Only
      // the probe's own headers go on.
      this.headers = { 'user-agent': USER_AGENT, 'accept-encoding': ACCEPT_ENCODING };
    }
    this.next = next;
  }

  private answer(): void {
    const total = this.finish();
    const body = this.chunks.length === 0 ? EMPTY : Buffer.concat(this.chunks);
    const result = evaluate(this.config, {
      status: this.status ?? 0,
      body,
      truncated: this.truncated,
      total,
      timings: this.timings(total),
    });
    // Assertion messages quote the keyword and JSON values, which could match a header value.
    if (result.error_message !== null) {
      result.error_message = redact(result.error_message, secretsOf(this.config));
    }
    this.resolve?.({
      result: this.withCertificate(result),
      staleSocket: false,
      ...(this.capture
        ? {
            response: {
              status: this.status ?? 0,
              headers: this.responseHeaders ?? {},
              body,
              truncated: this.truncated,
            },
          }
        : {}),
    });
  }

  private fail(error: unknown): void {
    const total = this.finish();
    const failed = isError(error) ? failedConnections.get(error) : undefined;
    if (failed !== undefined) {
      this.connection = failed;
      if (failed.expires !== undefined) this.expires = failed.expires;
    }
    const { category, message } = classify(error, this.stop, this.config);
    const codes = codesOf(error);
    const staleSocket =
      this.reused &&
      this.stop === undefined &&
      this.status === null &&
      (codes.includes('ECONNRESET') || codes.includes('EPIPE') || codes.includes('UND_ERR_SOCKET'));
    const result: CheckResult = {
      ...failure(category, redact(message, secretsOf(this.config)), this.status, total),
      timings: this.timings(total),
    };
    this.resolve?.({ result: this.withCertificate(result), staleSocket });
  }

  /** Marks the probe done, releases its timer and listener, ends what undici still runs. */
  private finish(): number {
    this.done = true;
    clearTimeout(this.timer);
    this.ctx.signal?.removeEventListener('abort', this);
    this.decoder?.destroy();
    // A no-op once the response ended; otherwise the connection is closed, as got did.
    this.controller?.abort(FINISHED);
    return since(this.started);
  }

  private timings(total: number): Timings {
    const result: Timings = { total };
    const set = (key: Exclude<keyof Timings, 'total'>, from?: number, to?: number): void => {
      if (from !== undefined && to !== undefined) result[key] = Math.max(0, Math.round(to - from));
    };
    const connection = this.connection;
    // A reused keep-alive socket made no new DNS, TCP or TLS round trip for this check.
    if (connection !== undefined && !this.reused) {
      // An IP literal is not looked up: no dns phase.
      set('dns', connection.started, connection.lookedUp);
      set('tcp', connection.lookedUp ?? connection.started, connection.connected);
      set('tls', connection.connected, connection.secured);
    }
    set('first_byte', this.sent, this.firstByte);
    set('download', this.firstByte, this.ended);
    return result;
  }

  private withCertificate(result: CheckResult): CheckResult {
    if (this.expires === undefined) return result;
    return { ...result, tls_days_left: Math.floor((this.expires - Date.now()) / DAY_MS) };
  }
}

/** Header names lowercased, the user agent, what got added (accept-encoding, URL credentials). */
function requestHeaders(config: HttpTarget, url: URL): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  if (url.username !== '' || url.password !== '') {
    const credentials = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
    headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }
  return headers;
}

/** The content codings the probe decodes (as got's decompress-response); others stay raw. */
function decodable(header: string | string[] | undefined): string | undefined {
  const coding = typeof header === 'string' ? header.trim().toLowerCase() : undefined;
  return coding === 'gzip' || coding === 'deflate' || coding === 'br' ? coding : undefined;
}

function codedError(code: string, message: string): Error {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = code;
  return error;
}

interface Answer {
  status: number;
  body: Buffer;
  truncated: boolean;
  total: number;
  timings: Timings;
}

/** Status, then body assertions, then latency: the first failure decides the result. */
function evaluate(config: HttpTarget, answer: Answer): CheckResult {
  const fail = (category: 'status' | 'assertion', message: string): CheckResult => ({
    status: 'down',
    response_time_ms: answer.total,
    http_status: answer.status,
    timings: answer.timings,
    error_category: category,
    error_message: message,
    body_excerpt: excerpt(answer.body),
  });

  if (!statusMatches(answer.status, config.valid_status_codes)) {
    return fail(
      'status',
      `unexpected status ${answer.status}, expected ${config.valid_status_codes.join(', ')}`,
    );
  }
  const text =
    config.keyword !== undefined || config.json_assertion !== undefined
      ? answer.body.toString('utf8')
      : '';
  if (config.keyword !== undefined) {
    const problem = checkKeyword(config.keyword, text, answer.truncated);
    if (problem !== null) return fail('assertion', problem);
  }
  if (config.json_assertion !== undefined) {
    const problem = answer.truncated
      ? `JSON assertion failed: the body is larger than ${MAX_BODY_BYTES} bytes`
      : checkJson(config.json_assertion, text);
    if (problem !== null) return fail('assertion', problem);
  }
  const slow = config.max_latency_ms !== undefined && answer.total > config.max_latency_ms;
  return {
    status: slow ? 'degraded' : 'up',
    response_time_ms: answer.total,
    http_status: answer.status,
    timings: answer.timings,
    error_category: null,
    error_message: slow
      ? `response took ${answer.total} ms, over max_latency_ms ${config.max_latency_ms}`
      : null,
    body_excerpt: null,
  };
}

export function statusMatches(status: number, valid: HttpTarget['valid_status_codes']): boolean {
  return valid.some((entry) => {
    if (typeof entry === 'number') return status === entry;
    const [low, high = low] = entry.split('-').map(Number);
    return low !== undefined && high !== undefined && status >= low && status <= high;
  });
}

function checkKeyword(
  keyword: NonNullable<HttpTarget['keyword']>,
  body: string,
  truncated: boolean,
): string | null {
  const found = keyword.case_sensitive
    ? body.includes(keyword.text)
    : body.toLowerCase().includes(keyword.text.toLowerCase());
  const shown = quote(keyword.text);
  if (keyword.present && !found) {
    return truncated
      ? `keyword ${shown} not found in the first ${MAX_BODY_BYTES} bytes of the body`
      : `keyword ${shown} not found in the body`;
  }
  if (!keyword.present && found) return `keyword ${shown} found in the body, expected absent`;
  if (!keyword.present && truncated) {
    return `cannot tell that keyword ${shown} is absent: the body is larger than ${MAX_BODY_BYTES} bytes`;
  }
  return null;
}

type JsonAssertion = NonNullable<HttpTarget['json_assertion']>;
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function checkJson(assertion: JsonAssertion, body: string): string | null {
  let document: Json;
  try {
    document = JSON.parse(body) as Json;
  } catch {
    return 'JSON assertion failed: the body is not valid JSON';
  }
  const actual = resolveJsonPath(document, assertion.path);
  const expected = assertion.value;
  const described = `${assertion.path} ${assertion.operator}${expected === undefined ? '' : ` ${show(expected)}`}`;
  const passed = applyOperator(assertion.operator, actual, expected);
  if (passed) return null;
  return `JSON assertion failed: ${described} (actual ${actual === undefined ? 'missing' : show(actual)})`;
}

/** `$.data.items[0].status` → the value there, or `undefined` when the path does not exist. */
export function resolveJsonPath(document: Json, path: string): Json | undefined {
  let current: Json | undefined = document;
  for (const [, key, index] of path.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)) {
    if (current === undefined || current === null || typeof current !== 'object') return undefined;
    if (index !== undefined) {
      current = Array.isArray(current) ? current[Number(index)] : undefined;
    } else if (key !== undefined && !Array.isArray(current) && Object.hasOwn(current, key)) {
      current = current[key];
    } else {
      return undefined;
    }
  }
  return current;
}

function applyOperator(
  operator: JsonAssertion['operator'],
  actual: Json | undefined,
  expected: JsonAssertion['value'],
): boolean {
  switch (operator) {
    case 'exists':
      return actual !== undefined;
    case 'not_exists':
      return actual === undefined;
    case 'eq':
      return actual === expected;
    case 'ne':
      return actual !== expected;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const a = toNumber(actual);
      const b = toNumber(expected);
      if (a === null || b === null) return false;
      if (operator === 'gt') return a > b;
      if (operator === 'gte') return a >= b;
      if (operator === 'lt') return a < b;
      return a <= b;
    }
    case 'contains':
      if (typeof actual === 'string') {
        return expected !== undefined && actual.includes(String(expected));
      }
      if (Array.isArray(actual)) return actual.some((item) => item === expected);
      return false;
  }
}

function toNumber(value: Json | undefined): number | null {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

function show(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

export function excerpt(body: Buffer): string | null {
  if (body.length === 0) return null;
  // Cutting at a byte count may split a character; drop the replacement char that leaves.
  return body
    .subarray(0, BODY_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

function since(started: number): number {
  return Math.round(performance.now() - started);
}

function failure(
  category: ErrorCategory,
  message: string,
  httpStatus: number | null,
  total: number,
): CheckResult {
  return {
    status: 'down',
    response_time_ms: null,
    http_status: httpStatus,
    timings: { total },
    error_category: category,
    error_message: message,
    body_excerpt: null,
  };
}

function classify(
  error: unknown,
  stop: Stop | undefined,
  config: HttpTarget,
): { category: ErrorCategory; message: string } {
  if (stop === 'timeout') {
    return { category: 'timeout', message: `timed out after ${config.timeout_ms} ms` };
  }
  if (stop === 'shutdown') {
    return { category: 'internal', message: 'check aborted: the checker is shutting down' };
  }
  const codes = codesOf(error);
  const has = (test: (code: string) => boolean): string | undefined => codes.find(test);

  if (has((c) => c === BLOCKED_ADDRESS_CODE)) {
    return { category: 'blocked', message: `blocked by the SSRF guard: ${rootMessage(error)}` };
  }
  if (has((c) => c === 'ERR_TOO_MANY_REDIRECTS')) {
    return { category: 'status', message: `more than ${config.max_redirects} redirects` };
  }
  const dns = has((c) => DNS_CODES.has(c));
  if (dns !== undefined) return { category: 'dns', message: `DNS lookup failed (${dns})` };
  if (has((c) => c === 'ETIMEDOUT')) return { category: 'timeout', message: 'timed out' };
  const tls = has((c) => TLS_CODES.has(c) || c.startsWith('ERR_TLS_') || c.startsWith('ERR_SSL_'));
  if (tls !== undefined) return { category: 'tls', message: `TLS error (${tls})` };
  const connect = has((c) => c in CONNECT_MESSAGES);
  if (connect !== undefined) {
    return { category: 'connect', message: `${CONNECT_MESSAGES[connect]} (${connect})` };
  }
  const parse = has((c) => c.startsWith('HPE_'));
  if (parse !== undefined) {
    return { category: 'connect', message: `invalid HTTP response (${parse})` };
  }
  if (has((c) => c === 'ERR_UNSUPPORTED_PROTOCOL')) {
    return { category: 'status', message: 'redirected to an unsupported protocol' };
  }
  const code = codes[0] ?? 'unknown';
  return { category: 'connect', message: `request failed (${code}): ${rootMessage(error)}` };
}

/** The innermost error's message, on one line and short. */
function rootMessage(error: unknown): string {
  let e = error;
  for (let depth = 0; isError(e) && isError(e.cause) && depth < 5; depth += 1) {
    e = e.cause;
  }
  const message = isError(e) ? e.message : String(e);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Header values and URL credentials from the target config: never part of a message. */
function secretsOf(config: HttpTarget): string[] {
  const secrets = Object.values(config.headers);
  const url = URL.parse(config.url);
  // the URL's credentials and query values (api_key=…), as written and decoded
  const query = url === null ? [] : [...url.searchParams.values()];
  for (const part of url === null ? [] : [url.username, url.password]) {
    secrets.push(part, safeDecode(part));
  }
  secrets.push(...query, ...query.map((v) => encodeURIComponent(v)));
  return secrets.filter((s) => s.length >= 3);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function redact(message: string, secrets: string[]): string {
  return secrets.reduce((text, secret) => text.split(secret).join('****'), message);
}
