import { MAX_MATCHED_CHARS, type WebsocketTarget } from '@lighthouse/domain';
import WebSocket from 'ws';
import { createPatternBudget } from './patterns';
import {
  codesOf,
  oneLine,
  quote,
  redact,
  rootMessage,
  safeDecode,
  type Classified,
} from './errors';
import type { Probes } from './probes';
import {
  classifySocketError,
  connectGuarded,
  daysLeft,
  failure,
  phaseTimings,
  runProbe,
  since,
  sniFor,
  type Connection,
} from './socket';
import { USER_AGENT } from './http/transport';
import type { CheckResult, CheckRunner, ErrorCategory, Timings } from './types';

/** A larger message fails the check (ws closes with 1009) rather than filling memory. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
const EXCERPT_CHARS = 1024;
/** After a clean close is sent, how long the server gets to answer it before the socket goes. */
const CLOSE_TIMEOUT_MS = 1_000;

/**
 * A WebSocket check: the opening handshake through the SSRF guard, then optionally `send` a
 * text message and `expect` the first message the server sends after the connection opened
 * to contain a substring or match a pattern. Up when all of that happens within `timeout_ms`.
 * Redirects are not followed; a non-101 answer to the handshake is a `status` failure.
 */
export function createWebsocketChecker(
  probes: Pick<Probes, 'guards' | 'ca'>,
): CheckRunner<WebsocketTarget> {
  return (config, ctx) =>
    runProbe(config.timeout_ms, ctx, (finish, started) => {
      const url = new URL(config.url);
      const secure = url.protocol === 'wss:';
      const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
      const port = Number(url.port) || (secure ? 443 : 80);
      const guard = probes.guards(ctx.targetAccess);
      // Throws for a blocked IP literal before anything is opened; names go through `lookup`.
      guard.assertHostAllowed(host);
      const secrets = secretsOf(config);

      let connection: Connection | undefined;
      let opened = false;
      let upgraded: number | undefined;
      let replied: number | undefined;
      const timings = (total: number): Timings => {
        const t = phaseTimings(connection?.phases, total);
        // from the handshake's answer to the first message (the reply to `send`, if any)
        if (upgraded !== undefined && replied !== undefined) t.first_byte = replied - upgraded;
        return t;
      };
      const certificate = (): Partial<CheckResult> =>
        connection?.expires === undefined ? {} : { tls_days_left: daysLeft(connection.expires) };
      const fail = (
        category: ErrorCategory,
        message: string,
        extra: Partial<CheckResult> = {},
      ): void => {
        const total = since(started);
        finish(
          failure(category, redact(message, secrets), timings(total), {
            ...certificate(),
            ...extra,
          }),
        );
      };
      const up = (): void => {
        const total = since(started);
        finish({
          status: 'up',
          response_time_ms: total,
          http_status: 101,
          timings: timings(total),
          error_category: null,
          error_message: null,
          body_excerpt: null,
          ...certificate(),
        });
      };

      const headers: Record<string, string> = { 'user-agent': USER_AGENT };
      for (const [name, value] of Object.entries(config.headers)) {
        headers[name.toLowerCase()] = value;
      }
      const ws = new WebSocket(config.url, {
        headers,
        perMessageDeflate: false,
        followRedirects: false,
        maxPayload: MAX_MESSAGE_BYTES,
        createConnection: () => {
          connection = connectGuarded(
            host,
            port,
            guard,
            secure
              ? {
                  servername: sniFor(host),
                  rejectUnauthorized: true,
                  ca: probes.ca,
                  ALPNProtocols: ['http/1.1'],
                }
              : undefined,
          );
          return connection.socket;
        },
        // not in @types/ws yet: bounds how long a clean close waits for the server's answer
        ...({ closeTimeout: CLOSE_TIMEOUT_MS } as object),
      });

      ws.on('unexpected-response', (_request, response) => {
        const status = response.statusCode ?? 0;
        fail('status', `unexpected status ${status} to the WebSocket handshake, expected 101`, {
          http_status: status,
          response_time_ms: since(started),
        });
      });
      ws.once('upgrade', () => {
        upgraded = since(started);
      });
      ws.once('open', () => {
        opened = true;
        if (config.send === undefined) {
          if (config.expect === undefined) up();
          return;
        }
        ws.send(config.send, (error) => {
          if (error !== undefined && error !== null) {
            fail('connect', `could not send the message: ${rootMessage(error)}`);
          } else if (config.expect === undefined) {
            up();
          }
        });
      });
      ws.once('message', (data) => {
        const expect = config.expect;
        if (expect === undefined) return;
        replied = since(started);
        const text = toText(data);
        const matched =
          expect.contains !== undefined
            ? text.includes(expect.contains)
            : matchReply(expect.matches ?? '', text);
        if (typeof matched === 'string') {
          fail('assertion', matched, { http_status: 101, response_time_ms: since(started) });
          return;
        }
        if (matched) {
          up();
          return;
        }
        const wanted =
          expect.contains !== undefined
            ? `contain ${quote(expect.contains)}`
            : `match /${oneLine(expect.matches ?? '', 80)}/`;
        fail('assertion', `the first reply did not ${wanted}`, {
          http_status: 101,
          response_time_ms: since(started),
          body_excerpt: redact(text.slice(0, EXCERPT_CHARS), secrets),
        });
      });
      // Kept for the socket's whole life: ws emits errors after the probe ended too.
      ws.on('error', (error) => {
        const { category, message } = classify(error, opened);
        fail(category, message, opened ? { http_status: 101 } : {});
      });
      ws.on('close', (code, reason) => {
        const why = reason.length > 0 ? ` ${oneLine(reason.toString('utf8'), 100)}` : '';
        const before = opened ? 'replying' : 'the handshake completed';
        fail('connect', `the server closed the connection (${code}${why}) before ${before}`);
      });

      return {
        cleanup: () => {
          if (ws.readyState === WebSocket.OPEN) ws.close(1000);
          else ws.terminate();
        },
        timings,
        extra: certificate,
        waitingFor: () =>
          opened
            ? 'a reply'
            : upgraded === undefined && connection?.phases.connected !== undefined
              ? 'the WebSocket handshake'
              : 'the connection',
      };
    });
}

/** The socket classifier, with ws's own errors and its handshake's. */
function classify(error: unknown, opened: boolean): Classified {
  // "Invalid WebSocket frame: invalid opcode 3", "Max payload size exceeded", ...
  const code = codesOf(error).find((c) => c.startsWith('WS_ERR_'));
  if (code !== undefined)
    return { category: 'connect', message: `${rootMessage(error)} (${code})` };
  const classified = classifySocketError(error);
  // ws's own handshake errors carry no code: "Invalid Sec-WebSocket-Accept header", ...
  if (!opened && codesOf(error).length === 0) {
    return { category: 'connect', message: `WebSocket handshake failed: ${classified.message}` };
  }
  return classified;
}

/**
 * Whether the reply matches the user's pattern: on RE2, within the check's pattern budget. A
 * string is why the pattern could not give an answer (it cannot run, or ran out of budget).
 */
function matchReply(source: string, text: string): boolean | string {
  // validated at creation; a pattern stored before RE2 checked them may still be refused here
  const budget = createPatternBudget();
  const { pattern, problem } = budget.compile(source);
  const shown = `/${oneLine(source, 80)}/`;
  if (pattern === undefined) return `expect.matches ${shown} cannot run: it ${problem}`;
  const outcome = budget.test(pattern, text);
  return outcome.ok ? outcome.value : `${shown} on the first reply: ${outcome.problem}`;
}

/** The reply's first MAX_MATCHED_CHARS characters: what `expect` looks at. */
function toText(data: WebSocket.RawData): string {
  const buffer = Array.isArray(data)
    ? Buffer.concat(data)
    : Buffer.isBuffer(data)
      ? data
      : Buffer.from(data);
  return buffer
    .subarray(0, MAX_MATCHED_CHARS * 4)
    .toString('utf8')
    .slice(0, MAX_MATCHED_CHARS);
}

/** Header values, URL credentials and query values, and the message sent: never in a message. */
function secretsOf(config: WebsocketTarget): string[] {
  const secrets = Object.values(config.headers);
  const url = new URL(config.url);
  const parts = [url.username, url.password, ...url.searchParams.values()];
  for (const part of parts) secrets.push(part, safeDecode(part));
  if (config.send !== undefined) secrets.push(config.send);
  return secrets;
}
