import type { ClientRequest } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { performance } from 'node:perf_hooks';
import { TLSSocket, type PeerCertificate } from 'node:tls';
import type { HttpTarget } from '@lighthouse/domain';
import got, { type PlainResponse, type Request } from 'got';
import { BLOCKED_ADDRESS_CODE, createSsrfGuard, type Resolver, type SsrfGuard } from '../net/ssrf';
import type { CheckContext, CheckResult, CheckRunner, ErrorCategory, Timings } from './types';

/** The most of a response body the probe reads; keyword and JSON assertions see at most this. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How much of the body a failed check keeps. */
export const BODY_EXCERPT_BYTES = 1024;
/**
 * Idle keep-alive sockets are closed after this long, before common servers close theirs
 * (node's default is 5 s), so that a probe seldom picks a socket the server is closing.
 */
const IDLE_SOCKET_TIMEOUT_MS = 2_000;
const USER_AGENT = 'Lighthouse-Checker/0.1 (+synthetic monitoring)';
const DAY_MS = 86_400_000;

export interface HttpCheckerOptions {
  /** Replaces the system resolver on every hop; tests map made-up public names to loopback. */
  resolve?: Resolver;
  /** Replaces the SSRF predicate (default `isBlockedAddress`). */
  isBlocked?: (ip: string) => boolean;
  /** Certificate authorities to trust instead of node's bundled roots (tests use their own CA). */
  ca?: string;
}

export interface HttpChecker {
  run: CheckRunner<HttpTarget>;
  /** Closes the keep-alive sockets. */
  close(): void;
}

interface Transport {
  guard: SsrfGuard;
  agents: { http: HttpAgent; https: HttpsAgent };
}

/**
 * An HTTP(S) probe with its own keep-alive agents. A socket in a pool was connected to an
 * address the guard checked, and pools are kept per guard mode, so a socket opened while
 * private targets were allowed is never reused while they are not.
 */
export function createHttpChecker(options: HttpCheckerOptions = {}): HttpChecker {
  const transports = new Map<boolean, Transport>();
  const transportFor = (allowPrivateTargets: boolean): Transport => {
    let transport = transports.get(allowPrivateTargets);
    if (transport === undefined) {
      const agentOptions = {
        keepAlive: true,
        timeout: IDLE_SOCKET_TIMEOUT_MS,
        scheduling: 'lifo' as const,
      };
      transport = {
        guard: createSsrfGuard({
          allowPrivateTargets,
          resolve: options.resolve,
          isBlocked: options.isBlocked,
        }),
        agents: { http: new HttpAgent(agentOptions), https: new HttpsAgent(agentOptions) },
      };
      transports.set(allowPrivateTargets, transport);
    }
    return transport;
  };

  const run: CheckRunner<HttpTarget> = async (config, ctx) => {
    const started = performance.now();
    try {
      const transport = transportFor(ctx.allowPrivateTargets);
      const first = await probe(config, ctx, transport, options.ca);
      // A keep-alive socket the server closed while it sat idle fails before any response
      // arrives; that is our pool's fault, not the target's, so it earns one fresh attempt.
      if (first.staleSocket) return (await probe(config, ctx, transport, options.ca)).result;
      return first.result;
    } catch (error) {
      // A bug of ours, not a target failure; still a result, never a throw.
      const message = `probe failed: ${rootMessage(error)}`;
      return failure('internal', redact(message, secretsOf(config)), null, since(started));
    }
  };

  return {
    run,
    close() {
      for (const { agents } of transports.values()) {
        agents.http.destroy();
        agents.https.destroy();
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

/** Closes the process-wide probe's sockets (on shutdown). */
export function closeHttpChecks(): void {
  processChecker?.close();
  processChecker = undefined;
}

interface ProbeState {
  request: ClientRequest | undefined;
  certificate: PeerCertificate | undefined;
  stop: 'timeout' | 'shutdown' | undefined;
}

type GotTimings = NonNullable<Request['timings']>;

async function probe(
  config: HttpTarget,
  ctx: CheckContext,
  { guard, agents }: Transport,
  ca: string | undefined,
): Promise<{ result: CheckResult; staleSocket: boolean }> {
  const started = performance.now();
  const elapsed = (): number => since(started);
  const state: ProbeState = { request: undefined, certificate: undefined, stop: undefined };
  const secrets = secretsOf(config);

  if (ctx.signal?.aborted === true) {
    return {
      result: failure('internal', 'check aborted: the checker is shutting down', null, elapsed()),
      staleSocket: false,
    };
  }

  const stream = got.stream(config.url, {
    method: config.method,
    headers: { 'user-agent': USER_AGENT, ...config.headers },
    // A body-capable method with no body still ends its request (Content-Length: 0).
    body: config.body ?? (config.method === 'GET' || config.method === 'HEAD' ? undefined : ''),
    followRedirect: config.follow_redirects,
    maxRedirects: config.max_redirects,
    throwHttpErrors: false,
    retry: { limit: 0 },
    cache: false,
    decompress: true,
    agent: agents,
    dnsLookup: guard.lookup,
    https: { rejectUnauthorized: true, ...(ca === undefined ? {} : { certificateAuthority: ca }) },
    hooks: {
      // Runs before every hop, redirects included: IP literals never reach the guarded lookup.
      beforeRequest: [(options) => guard.assertHostAllowed(options.url?.hostname ?? '')],
    },
  });

  stream.on('request', (request: ClientRequest) => {
    state.request = request;
    request.once('socket', (socket) => {
      if (!(socket instanceof TLSSocket)) return;
      const capture = (): void => {
        const certificate = socket.getPeerCertificate();
        if (certificate.valid_to !== undefined) state.certificate = certificate;
      };
      // A reused socket finished its handshake long ago. A new one emits 'secure' before node
      // verifies the chain and destroys the socket if it fails, so listening first still sees
      // the certificate of a server that will be rejected.
      if (request.reusedSocket) capture();
      else socket.prependListener('secure', capture);
    });
  });

  const stopWith = (reason: 'timeout' | 'shutdown'): void => {
    state.stop ??= reason;
    stream.destroy(new Error(reason));
  };
  const timer = setTimeout(() => stopWith('timeout'), config.timeout_ms);
  const onAbort = (): void => stopWith('shutdown');
  ctx.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const response = await new Promise<PlainResponse>((resolve, reject) => {
      stream.once('response', resolve);
      stream.once('error', reject);
    });
    const { body, truncated } = await readBody(stream, MAX_BODY_BYTES);
    const total = elapsed();
    const result = evaluate(config, {
      status: response.statusCode,
      body,
      truncated,
      total,
      timings: toTimings(stream.timings, state.request?.reusedSocket === true, total),
    });
    // Assertion messages quote the keyword and JSON values, which could match a header value.
    if (result.error_message !== null) result.error_message = redact(result.error_message, secrets);
    return { result: withCertificate(result, state), staleSocket: false };
  } catch (error) {
    const total = elapsed();
    const { category, message } = classify(error, state, config);
    const staleSocket =
      state.request?.reusedSocket === true &&
      state.stop === undefined &&
      stream.response === undefined &&
      (codesOf(error).includes('ECONNRESET') || codesOf(error).includes('EPIPE'));
    const response = stream.response;
    const result: CheckResult = {
      ...failure(category, redact(message, secrets), response?.statusCode ?? null, total),
      timings: toTimings(stream.timings, state.request?.reusedSocket === true, total),
    };
    return { result: withCertificate(result, state), staleSocket };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
    stream.destroy();
  }
}

async function readBody(
  stream: Request,
  limit: number,
): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (size + chunk.length > limit) {
      chunks.push(chunk.subarray(0, limit - size));
      return { body: Buffer.concat(chunks, limit), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks, size), truncated: false };
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

function excerpt(body: Buffer): string | null {
  if (body.length === 0) return null;
  // Cutting at a byte count may split a character; drop the replacement char that leaves.
  return body
    .subarray(0, BODY_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}

function toTimings(timings: GotTimings | undefined, reusedSocket: boolean, total: number): Timings {
  const result: Timings = { total };
  if (timings === undefined) return result;
  const { phases } = timings;
  const set = (key: Exclude<keyof Timings, 'total'>, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value)) result[key] = Math.max(0, Math.round(value));
  };
  // A reused keep-alive socket made no new DNS, TCP or TLS round trip for this check.
  if (!reusedSocket) {
    set('dns', phases.dns);
    set('tcp', phases.tcp);
    set('tls', phases.tls);
  }
  set('first_byte', phases.firstByte);
  set('download', phases.download);
  return result;
}

function withCertificate(result: CheckResult, state: ProbeState): CheckResult {
  const validTo = state.certificate?.valid_to;
  if (validTo === undefined) return result;
  const expires = Date.parse(validTo);
  if (Number.isNaN(expires)) return result;
  return { ...result, tls_days_left: Math.floor((expires - Date.now()) / DAY_MS) };
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

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ENODATA',
  'ESERVFAIL',
]);
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'HOSTNAME_MISMATCH',
  'EPROTO',
]);
const CONNECT_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ECONNABORTED: 'connection aborted',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
};

/** `code` of an error and of its causes, outermost first (got wraps node's errors). */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const { code } = e as NodeJS.ErrnoException;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

function classify(
  error: unknown,
  state: ProbeState,
  config: HttpTarget,
): { category: ErrorCategory; message: string } {
  if (state.stop === 'timeout') {
    return { category: 'timeout', message: `timed out after ${config.timeout_ms} ms` };
  }
  if (state.stop === 'shutdown') {
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
  const code = codes.find((c) => !c.startsWith('ERR_GOT_')) ?? codes[0] ?? 'unknown';
  return { category: 'connect', message: `request failed (${code}): ${rootMessage(error)}` };
}

/** The innermost error's message, on one line and short. */
function rootMessage(error: unknown): string {
  let e = error;
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 5; depth += 1) {
    e = e.cause;
  }
  const message = e instanceof Error ? e.message : String(e);
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** Header values and URL credentials from the target config: never part of a message. */
function secretsOf(config: HttpTarget): string[] {
  const secrets = Object.values(config.headers);
  const url = URL.parse(config.url);
  for (const part of url === null ? [] : [url.username, url.password]) {
    secrets.push(part, safeDecode(part));
  }
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
