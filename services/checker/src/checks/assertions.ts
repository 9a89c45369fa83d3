import type { HttpTarget } from '@lighthouse/domain';
import { quote } from './errors';
import type { CheckResult, Timings } from './types';

// What an HTTP answer is judged by: its status, a keyword, a JSON assertion and the latency
// (the http check), and the JSON reads canary steps assert and extract with.

/** The most of a response body the probe reads; keyword and JSON assertions see at most this. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** How much of the body a failed check keeps. */
export const BODY_EXCERPT_BYTES = 1024;

/** What the probe got back, for {@link judgeResponse}. */
export interface Answer {
  status: number;
  /** the decoded body, at most MAX_BODY_BYTES (only what the assertions need) */
  body: Buffer;
  truncated: boolean;
  total: number;
  timings: Timings;
}

/** Status, then body assertions, then latency: the first failure decides the result. */
export function judgeResponse(config: HttpTarget, answer: Answer): CheckResult {
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
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

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

/** The first BODY_EXCERPT_BYTES of a body, as text; null for an empty body. */
export function excerpt(body: Buffer): string | null {
  if (body.length === 0) return null;
  // Cutting at a byte count may split a character; drop the replacement char that leaves.
  return body
    .subarray(0, BODY_EXCERPT_BYTES)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
}
