import { types } from 'node:util';
import { BLOCKED_ADDRESS_CODE } from '@lighthouse/net';
import type { ErrorCategory } from './types';

// What every probe reads from node's (and undici's) network errors, and the one classifier
// that turns them into an error category and a one-line message. Each protocol extends it with
// only what is its own (http's redirects, the socket checks' connect timeout, JSON-RPC's
// answers).

const DNS_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EAI_NONAME',
  'ENODATA',
  'ESERVFAIL',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);

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
  UND_ERR_SOCKET: 'connection closed by the server',
};

/** Why a check ended without a verdict on its target: the checker is stopping. */
export const SHUTDOWN_MESSAGE = 'check aborted: the checker is shutting down';

export interface Classified {
  category: ErrorCategory;
  message: string;
}

/**
 * A protocol's own reading of an error, given the codes on it and its causes (outermost
 * first): a verdict, or undefined to leave the error to the next rule.
 */
export type ErrorRule = (error: unknown, codes: readonly string[]) => Classified | undefined;

export interface ProtocolErrors {
  /** read before the network rules: codes that mean something else to this protocol */
  before?: ErrorRule;
  /** read after them: the protocol's own errors */
  after?: ErrorRule;
  /** the verdict on an error no rule knew */
  otherwise: (error: unknown, codes: readonly string[]) => Classified;
}

/**
 * The classifier of a protocol: its `before` rule, then the network rules every protocol shares
 * (the SSRF guard, DNS, timeouts, TLS, connection and HTTP parse errors, by code), then its
 * `after` rule, then `otherwise`. Messages may still hold a secret: the caller redacts them.
 */
export function networkClassifier(protocol: ProtocolErrors): (error: unknown) => Classified {
  return (error) => {
    const codes = codesOf(error);
    return (
      protocol.before?.(error, codes) ??
      networkError(error, codes) ??
      protocol.after?.(error, codes) ??
      protocol.otherwise(error, codes)
    );
  };
}

function networkError(error: unknown, codes: readonly string[]): Classified | undefined {
  const has = (test: (code: string) => boolean): string | undefined => codes.find(test);
  if (has((c) => c === BLOCKED_ADDRESS_CODE)) {
    return { category: 'blocked', message: `blocked by the SSRF guard: ${rootMessage(error)}` };
  }
  const dns = has((c) => DNS_CODES.has(c));
  if (dns !== undefined) return { category: 'dns', message: `DNS lookup failed (${dns})` };
  if (has((c) => TIMEOUT_CODES.has(c))) return { category: 'timeout', message: 'timed out' };
  const tls = has(
    (c) =>
      TLS_CODES.has(c) || c.startsWith('ERR_TLS_') || c.startsWith('ERR_SSL_') || /CERT/.test(c),
  );
  if (tls !== undefined) return { category: 'tls', message: `TLS error (${tls})` };
  const connect = has((c) => c in CONNECT_MESSAGES);
  if (connect !== undefined) {
    return { category: 'connect', message: `${CONNECT_MESSAGES[connect]} (${connect})` };
  }
  const parse = has((c) => c.startsWith('HPE_'));
  if (parse !== undefined) {
    return { category: 'connect', message: `invalid HTTP response (${parse})` };
  }
  return undefined;
}

/** Whether a value is an error, from any realm (node's errors are not a jest sandbox's `Error`). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

/** `code` of an error and of its causes, outermost first (undici may wrap node's errors). */
export function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error, depth = 0; isError(e) && depth < 5; e = e.cause, depth += 1) {
    const { code } = e as NodeJS.ErrnoException;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * The innermost error's message, on one line and short. An ethers error's short message stands
 * for its message, which names the request URL.
 */
export function rootMessage(error: unknown): string {
  let e = error;
  for (let depth = 0; isError(e) && isError(e.cause) && depth < 5; depth += 1) e = e.cause;
  const short = (e as { shortMessage?: unknown } | null | undefined)?.shortMessage;
  if (typeof short === 'string') return oneLine(short);
  return oneLine(isError(e) ? e.message : String(e));
}

/** An error of ours with a node-style code, for the classifier to read. */
export function codedError(code: string, message: string): Error {
  const error: NodeJS.ErrnoException = new Error(message);
  error.code = code;
  return error;
}

/** Whitespace collapsed, at most `max` characters. */
export function oneLine(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/** Replaces every secret (of 3 characters or more) in a message with ****, longest first. */
export function redact(message: string, secrets: readonly string[]): string {
  return secrets
    .filter((s) => s.length >= 3)
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.split(secret).join('****'), message);
}

/** A URL part as written when it does not percent-decode. */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A user's text, quoted for a message: JSON string syntax, at most 80 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
