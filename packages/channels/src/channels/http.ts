import { BLOCKED_ADDRESS_CODE, guardedAgents, type GuardedAgents } from '@lighthouse/net';
import { request } from 'undici';
import type { ChannelContext, SendOutcome } from './types';

/** The most of a response body read; longer bodies are cut (only error excerpts need it). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** How much of a peer's error body an outcome repeats. */
const ERROR_EXCERPT_CHARS = 200;
const USER_AGENT = 'Lighthouse-Alerter';
const IDLE_SOCKET_TIMEOUT_MS = 4_000;

/** Channel peers' keep-alive agents, one per guard mode (part of `ChannelTransports`). */
export function createChannelAgents(): GuardedAgents {
  return guardedAgents({
    keepAliveTimeout: IDLE_SOCKET_TIMEOUT_MS,
    keepAliveMaxTimeout: IDLE_SOCKET_TIMEOUT_MS,
    connections: 16,
  });
}

export interface PostOptions {
  /** Extra headers; Content-Type and User-Agent are set unless given here. */
  headers?: Record<string, string>;
  /**
   * Strings that must never appear in an outcome's error (tokens, secrets). The URL's path,
   * query and credentials are never shown anyway: errors name only the origin.
   */
  secrets?: string[];
}

/**
 * POSTs a JSON body (a string is sent byte for byte, anything else is serialized) and maps
 * the answer to a {@link SendOutcome}: 2xx ok; 429 retryable, with `retryAfterMs` from
 * `Retry-After` (seconds or an HTTP date) or a JSON body's `retry_after` /
 * `parameters.retry_after` (Discord, Telegram); 3xx (redirects are not followed) and other
 * 4xx not retryable; 5xx, network failures and timeouts retryable; a blocked address not
 * retryable. Never throws for the peer's failures.
 */
export async function postJson(
  url: string,
  body: unknown,
  ctx: ChannelContext,
  options: PostOptions = {},
): Promise<SendOutcome> {
  let parsed: URL;
  try {
    parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    return { ok: false, retryable: false, error: 'invalid URL (must be http:// or https://)' };
  }
  const origin = parsed.origin;
  const clean = (text: string): string => scrub(text, parsed, options.secrets ?? []);
  const { guard, agent } = ctx.transports.http.get(ctx.targetAccess);

  try {
    // IP literals never reach the guard's lookup: node connects to them directly.
    guard.assertHostAllowed(parsed.hostname);
  } catch (error) {
    return { ok: false, retryable: false, error: clean(`${origin}: ${errorMessage(error)}`) };
  }

  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, ctx.timeoutMs);
  const onAbort = (): void => controller.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted === true) controller.abort();

  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher: agent,
      signal: controller.signal,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        ...lowerCaseKeys(options.headers ?? {}),
      },
      // undici follows no redirects without its redirect interceptor, which this agent lacks.
      body: payload,
    });
    const text = await readCapped(response.body);
    const status = response.statusCode;
    if (status >= 200 && status < 300) return { ok: true, detail: `${status}` };

    const excerpt = clean(errorExcerpt(text));
    const error = `${origin} answered ${status}${excerpt === '' ? '' : `: ${excerpt}`}`;
    if (status === 429) {
      const retryAfterMs =
        parseRetryAfter(header(response.headers['retry-after'])) ?? retryAfterFromBody(text);
      return retryAfterMs === undefined
        ? { ok: false, retryable: true, error }
        : { ok: false, retryable: true, retryAfterMs, error };
    }
    if (status >= 500) return { ok: false, retryable: true, error };
    if (status >= 300 && status < 400) {
      return { ok: false, retryable: false, error: `${error} (redirects are not followed)` };
    }
    return { ok: false, retryable: false, error };
  } catch (error) {
    if (timedOut) {
      return {
        ok: false,
        retryable: true,
        error: `${origin} did not answer within ${ctx.timeoutMs} ms`,
      };
    }
    if (ctx.signal?.aborted === true) {
      return { ok: false, retryable: true, error: `${origin}: aborted (shutting down)` };
    }
    if (isBlocked(error)) {
      return { ok: false, retryable: false, error: clean(`${origin}: ${errorMessage(error)}`) };
    }
    return { ok: false, retryable: true, error: clean(`${origin}: ${networkError(error)}`) };
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_RESPONSE_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_RESPONSE_BYTES).toString('utf8');
}

/** `Retry-After` in ms: delay-seconds or an HTTP date; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Discord's `retry_after` and Telegram's `parameters.retry_after` (seconds), in ms. */
function retryAfterFromBody(text: string): number | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null) return undefined;
  const record = json as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
  const seconds = record.parameters?.retry_after ?? record.retry_after;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0
    ? Math.ceil(seconds * 1000)
    : undefined;
}

/** A short excerpt of an error body: a JSON `description` / `message` / `error`, or its text. */
function errorExcerpt(text: string): string {
  let excerpt = text;
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const found = [json.description, json.message, json.error].find((v) => typeof v === 'string');
    if (typeof found === 'string') excerpt = found;
  } catch {
    // not JSON: the text itself
  }
  excerpt = excerpt.replace(/\s+/g, ' ').trim();
  return excerpt.length > ERROR_EXCERPT_CHARS
    ? `${excerpt.slice(0, ERROR_EXCERPT_CHARS - 1)}…`
    : excerpt;
}

/**
 * Removes what must never be shown from a string: the secrets given, the URL's full form,
 * its path segments and query values (webhook URLs carry their token in the path), and its
 * credentials.
 */
function scrub(text: string, url: URL, secrets: string[]): string {
  const hidden = new Set<string>(secrets);
  hidden.add(url.href);
  if (url.username !== '') hidden.add(url.username);
  if (url.password !== '') hidden.add(url.password);
  if (url.pathname !== '/') hidden.add(url.pathname);
  for (const segment of url.pathname.split('/')) {
    if (segment.length >= 8) {
      hidden.add(segment);
      hidden.add(safeDecode(segment));
    }
  }
  for (const value of url.searchParams.values()) if (value.length >= 8) hidden.add(value);
  let out = text;
  for (const s of [...hidden].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(s).join('***');
  }
  return out;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isBlocked(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; depth++) {
    if ((e as NodeJS.ErrnoException).code === BLOCKED_ADDRESS_CODE) return true;
    e = e.cause;
  }
  return false;
}

function networkError(error: unknown): string {
  // undici wraps socket errors: the useful code is on the cause.
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    EAI_AGAIN: 'DNS lookup failed, try again',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    UND_ERR_CONNECT_TIMEOUT: 'connect timeout',
    UND_ERR_SOCKET: 'connection closed by the peer',
  };
  if (code !== undefined && known[code] !== undefined) return `${known[code]} (${code})`;
  return code === undefined ? errorMessage(cause) : `${errorMessage(cause)} (${code})`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
