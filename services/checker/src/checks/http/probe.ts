import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';
import type { HttpTarget } from '@lighthouse/domain';
import type { Dispatcher } from 'undici';
import { BODY_EXCERPT_BYTES, judgeResponse, MAX_BODY_BYTES, statusMatches } from '../assertions';
import {
  codedError,
  isError,
  networkClassifier,
  redact,
  rootMessage,
  safeDecode,
  SHUTDOWN_MESSAGE,
  type Classified,
} from '../errors';
import { daysLeft, failure, since } from '../socket';
import type { CheckContext, CheckResult, Timings } from '../types';
import {
  basicAuthorization,
  USER_AGENT,
  type Connection,
  type HttpRoute,
  type HttpTransport,
  type SocketWatcher,
} from './transport';

/** What got sent and decoded; zstd is left out because node 20 cannot decode it. */
const ACCEPT_ENCODING = 'gzip, deflate, br';
const REDIRECT_CODES = new Set([300, 301, 302, 303, 304, 307, 308]);

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

/**
 * One HTTP(S) request with its redirects, on the transport's agent for the check's guard
 * policy, each hop on a connection of its own. `capture` keeps the final response (status,
 * headers, body) whatever its status. Never throws: a bug of ours is an `internal` result.
 */
export async function exchange(
  transport: HttpTransport,
  config: HttpTarget,
  ctx: CheckContext,
  capture: boolean,
): Promise<HttpExchange> {
  const started = performance.now();
  try {
    const route = transport.get(ctx.targetAccess);
    return await new Probe(config, ctx, transport, route, capture).run();
  } catch (error) {
    // A bug of ours, not a target failure; still a result, never a throw.
    const message = `probe failed: ${rootMessage(error)}`;
    return {
      result: failure('internal', redact(message, secretsOf(config)), { total: since(started) }),
    };
  }
}

type Stop = 'timeout' | 'shutdown';

/** Ends a request undici still runs after the probe finished (timeout, shutdown, body limit). */
const FINISHED = new Error('probe finished');
const EMPTY = Buffer.alloc(0);

function onProbeTimeout(probe: Probe): void {
  probe.stopWith('timeout');
}

/**
 * One check: the request, its redirects (each hop passes the guard) and the evaluation. It is
 * its own undici handler, socket watcher, timer argument and abort listener, so a check
 * allocates no closures.
 */
class Probe implements Dispatcher.DispatchHandler, SocketWatcher {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private resolve: ((outcome: HttpExchange) => void) | undefined;
  private readonly outcome: Promise<HttpExchange>;
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
    private readonly transport: HttpTransport,
    private readonly route: HttpRoute,
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

  run(): Promise<HttpExchange> {
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
    this.sent = undefined;
    this.firstByte = undefined;
    this.ended = undefined;
    this.next = undefined;
    this.size = 0;
    try {
      // Runs before every hop, redirects included: IP literals never reach the guarded lookup.
      this.route.guard.assertHostAllowed(this.url.hostname);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.route.agent.dispatch(
      {
        origin: this.url.origin,
        path: this.url.pathname + this.url.search,
        method: this.method,
        headers: this.headers,
        body: this.body ?? null,
        // a connection of this hop's own, closed after its response: never one another check
        // opened, and never kept for one
        reset: true,
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
    // The transport tells this probe its socket, synchronously, when undici writes the headers.
    this.transport.starting(this);
  }

  onSocket(socket: Socket): void {
    this.sent = performance.now();
    const connection = this.transport.connectionOf(socket);
    if (connection === undefined) return;
    this.connection = connection;
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
      // The redirect's own body is read and dropped; its connection closes after it.
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
      const message = `more than ${this.config.max_redirects} redirects`;
      this.fail(codedError('ERR_TOO_MANY_REDIRECTS', message));
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
    const result = judgeResponse(this.config, {
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
    const failed = isError(error) ? this.transport.failedConnectionOf(error) : undefined;
    if (failed !== undefined) {
      this.connection = failed;
      if (failed.expires !== undefined) this.expires = failed.expires;
    }
    const { category, message } = this.classify(error);
    const result = failure(category, redact(message, secretsOf(this.config)), this.timings(total), {
      http_status: this.status,
    });
    this.resolve?.({ result: this.withCertificate(result) });
  }

  private classify(error: unknown): Classified {
    if (this.stop === 'timeout') {
      return { category: 'timeout', message: `timed out after ${this.config.timeout_ms} ms` };
    }
    if (this.stop === 'shutdown') return { category: 'internal', message: SHUTDOWN_MESSAGE };
    return classifyHttpError(error);
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
    if (connection !== undefined) {
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
    return { ...result, tls_days_left: daysLeft(this.expires) };
  }
}

/** The network classifier with what only HTTP has: redirects. */
const classifyHttpError = networkClassifier({
  after: (error, codes) => {
    if (codes.includes('ERR_TOO_MANY_REDIRECTS')) {
      return { category: 'status', message: rootMessage(error) };
    }
    if (codes.includes('ERR_UNSUPPORTED_PROTOCOL')) {
      return { category: 'status', message: 'redirected to an unsupported protocol' };
    }
    return undefined;
  },
  otherwise: (error, codes) => ({
    category: 'connect',
    message: `request failed (${codes[0] ?? 'unknown'}): ${rootMessage(error)}`,
  }),
});

/** Header names lowercased, the user agent, what got added (accept-encoding, URL credentials). */
function requestHeaders(config: HttpTarget, url: URL): Record<string, string> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT };
  for (const [name, value] of Object.entries(config.headers)) headers[name.toLowerCase()] = value;
  headers['accept-encoding'] ??= ACCEPT_ENCODING;
  const authorization = basicAuthorization(url);
  if (authorization !== undefined) headers.authorization = authorization;
  return headers;
}

/** The content codings the probe decodes (as got's decompress-response); others stay raw. */
function decodable(header: string | string[] | undefined): string | undefined {
  const coding = typeof header === 'string' ? header.trim().toLowerCase() : undefined;
  return coding === 'gzip' || coding === 'deflate' || coding === 'br' ? coding : undefined;
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
  return secrets;
}
