import { z } from 'zod';
import { maskSecret } from '../fields';

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Headers the probe sets itself; letting users set them would break framing. */
const reservedHeaders = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

const statusCode = z.number().int().min(100, 'must be 100-599').max(599, 'must be 100-599');
const statusRange = z
  .string()
  .regex(/^[1-5]\d\d(-[1-5]\d\d)?$/, 'must be a code like 200 or a range like "200-299"')
  .refine((v) => {
    const [lo, hi] = v.split('-').map(Number);
    return hi === undefined || (lo !== undefined && lo <= hi);
  }, 'range must run from low to high');

export const JSON_ASSERTION_OPERATORS = [
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'exists',
  'not_exists',
] as const;

/** An absolute http:// or https:// URL with a host. */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Request headers a probe may send: names are HTTP tokens, values one line each. */
export const httpHeadersSchema = z
  .record(
    z.string().regex(headerName, 'header names must be HTTP tokens'),
    z
      .string({ error: 'header values must be strings' })
      .max(4096, 'header values must be at most 4096 characters')
      .regex(/^[^\r\n\0]*$/, 'header values must not contain line breaks'),
  )
  .refine((h) => Object.keys(h).length <= 50, 'at most 50 headers')
  .refine(
    (h) => Object.keys(h).every((k) => !reservedHeaders.has(k.toLowerCase())),
    `must not set ${[...reservedHeaders].join(', ')}`,
  );

/** Accepted response statuses: codes and ranges like "200-299". */
export const statusCodesSchema = z
  .array(
    z.union([statusCode, statusRange], {
      error: 'must be a status code or a range like "200-299"',
    }),
  )
  .min(1, 'must list at least one code or range')
  .max(50, 'at most 50 entries');

/** A JSON path like `$.data.items[0].status`: dotted keys and array indexes. */
export const jsonPathSchema = z
  .string()
  .regex(/^\$(\.[A-Za-z_][\w-]*|\[\d+\])*$/, 'must be a JSON path like $.data.items[0].status');

export const jsonAssertionSchema = z
  .strictObject({
    path: jsonPathSchema,
    operator: z.enum(JSON_ASSERTION_OPERATORS),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .refine((a) => a.operator === 'exists' || a.operator === 'not_exists' || a.value !== undefined, {
    message: 'is required for this operator',
    path: ['value'],
  });

export type JsonAssertion = z.output<typeof jsonAssertionSchema>;

/** An absolute http(s) URL a probe requests; `error` when it is missing or not a string. */
export const httpUrlField = (error = 'is required') =>
  z
    .string({ error })
    .max(2048, 'must be at most 2048 characters')
    .refine(isHttpUrl, 'must be an absolute http:// or https:// URL');

/** A request body a probe sends. */
export const requestBodyField = z
  .string({ error: 'must be a string' })
  .max(16_384, 'must be at most 16384 characters');

export const httpTargetSchema = z
  .strictObject({
    url: httpUrlField(),
    method: z
      .enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })
      .default('GET'),
    headers: httpHeadersSchema.default({}),
    body: requestBodyField.optional(),
    timeout_ms: z
      .number()
      .int()
      .min(100, 'must be at least 100')
      .max(60_000, 'must be at most 60000')
      .default(10_000),
    follow_redirects: z.boolean().default(true),
    max_redirects: z.number().int().min(0).max(10, 'must be at most 10').default(5),
    valid_status_codes: statusCodesSchema.default(['200-299']),
    max_latency_ms: z.number().int().positive('must be positive').max(60_000).optional(),
    keyword: z
      .strictObject({
        text: z.string().min(1, 'must not be empty').max(1024),
        present: z.boolean().default(true),
        case_sensitive: z.boolean().default(true),
      })
      .optional(),
    json_assertion: jsonAssertionSchema.optional(),
  })
  .refine((c) => c.body === undefined || !['GET', 'HEAD'].includes(c.method), {
    message: 'GET and HEAD requests cannot carry a body',
    path: ['body'],
  });

export type HttpTarget = z.output<typeof httpTargetSchema>;

/**
 * `url` with its password and every query value masked (`?api_key=****`), as websocket URLs
 * are: a query often carries an API key. Empty values stay empty; names stay readable.
 */
export function maskUrlSecrets(url: URL): URL {
  const masked = new URL(url);
  if (masked.password) masked.password = '****';
  if (masked.search !== '') {
    const query = new URLSearchParams();
    for (const [name, value] of masked.searchParams) query.append(name, value === '' ? '' : '****');
    masked.search = query.toString();
  }
  return masked;
}

/** The view of a target that is safe to return: header values, URL password and query values masked. */
export function maskHttpTarget(target: HttpTarget): HttpTarget {
  const headers = Object.fromEntries(
    Object.entries(target.headers).map(([k, v]) => [k, maskSecret(v)]),
  );
  return { ...target, url: maskUrlSecrets(new URL(target.url)).toString(), headers };
}

/** `GET https://example.com/health?api_key=****`: no credentials, no query values. */
export function describeHttpTarget(target: HttpTarget): string {
  const url = maskUrlSecrets(new URL(target.url));
  url.username = '';
  url.password = '';
  return `${target.method} ${url.toString()}`;
}
