import { z } from 'zod';
import { maskSecret } from '../fields';
import {
  MAX_HEADER_VALUES,
  MAX_MATCHED_CHARS,
  MAX_PATTERN_CHARS,
  PATTERN_BUDGET_MS,
  PATTERN_SLICE_MS,
  userPatternField,
} from '../patterns';
import {
  HTTP_METHODS,
  httpHeadersSchema,
  isHttpUrl,
  jsonAssertionSchema,
  jsonPathSchema,
  statusCodesSchema,
} from './http';

/**
 * A multi-step API flow: ordered HTTP steps, each of which may extract values (JSON path,
 * response header, regex) into variables that later steps use as `{{name}}` in their URL,
 * header values and body, and may assert on its answer. The flow stops at the first step
 * that fails.
 */

export const MAX_CANARY_STEPS = 20;
const MASKED_BODY = '****';
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** `{{name}}` or `{{ name }}`. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;

/** Whether a text holds any {{placeholder}}. */
export function hasPlaceholder(text: string): boolean {
  return new RegExp(PLACEHOLDER.source).test(text);
}

/** The variable names a text refers to, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string);
}

/**
 * `text` with each `{{name}}` replaced by `value(name, offset)`, where offset is where the
 * placeholder starts in `text`.
 */
export function fillPlaceholders(
  text: string,
  value: (name: string, offset: number) => string,
): string {
  return text.replace(PLACEHOLDER, (_match, name: string, offset: number) => value(name, offset));
}

const varField = z
  .string({ error: 'is required: the variable name later steps use as {{name}}' })
  .regex(VAR_NAME, 'must be a name like token or user_id (letters, digits, _; at most 64)');

const headerField = z
  .string({ error: 'is required: a response header name' })
  .regex(headerName, 'must be an HTTP header name');

const regexField = userPatternField(
  z
    .string({ error: 'is required: a regular expression' })
    .min(1, 'must not be empty')
    .max(MAX_PATTERN_CHARS, `must be at most ${MAX_PATTERN_CHARS} characters`),
  'must be a valid JavaScript regular expression',
).describe(
  `A regular expression in RE2 syntax (no backreferences or lookarounds); the value is its first capture group, else the whole match. It runs over the first ${MAX_MATCHED_CHARS} characters of the body, or of each value of \`header\` (at most ${MAX_HEADER_VALUES} header values per check); the step fails if the check's matching takes more than ${PATTERN_BUDGET_MS} ms in all (${PATTERN_SLICE_MS} ms at a time).`,
);

const extractionSchema = z.discriminatedUnion(
  'from',
  [
    z.strictObject({ var: varField, from: z.literal('json'), path: jsonPathSchema }),
    z.strictObject({ var: varField, from: z.literal('header'), header: headerField }),
    z.strictObject({
      var: varField,
      from: z.literal('regex'),
      pattern: regexField,
      /** the regex runs on this response header instead of the body */
      header: headerField.optional(),
    }),
  ],
  { error: 'must be "json" (with a path), "header" (with a header) or "regex" (with a pattern)' },
);

export type CanaryExtraction = z.output<typeof extractionSchema>;

const assertSchema = z.strictObject({
  /** a code, a range like "200-299", or a list of them; default 200-299 */
  status: z
    .preprocess(
      (v) => (typeof v === 'number' || typeof v === 'string' ? [v] : v),
      statusCodesSchema,
    )
    .optional(),
  max_latency_ms: z
    .number({ error: 'must be a whole number of milliseconds' })
    .int('must be a whole number of milliseconds')
    .positive('must be positive')
    .max(60_000, 'must be at most 60000')
    .optional(),
  body_contains: z
    .string({ error: 'must be a string' })
    .min(1, 'must not be empty')
    .max(1024, 'must be at most 1024 characters')
    .optional(),
  json: z
    .array(jsonAssertionSchema, { error: 'must be a list of {path, operator, value}' })
    .max(20, 'at most 20 assertions')
    .optional(),
});

/**
 * Whether a step URL is an absolute http(s) URL once its placeholders are filled: one at the
 * very start may stand for a whole base URL, others for parts.
 */
function isUrlTemplate(url: string): boolean {
  return isHttpUrl(fillPlaceholders(url, (_name, offset) => (offset === 0 ? 'http://x' : 'x')));
}

const stepSchema = z
  .strictObject({
    name: z
      .string({ error: 'is required' })
      .trim()
      .min(1, 'must not be empty')
      .max(100, 'must be at most 100 characters'),
    method: z
      .enum(HTTP_METHODS, { error: `must be one of ${HTTP_METHODS.join(', ')}` })
      .default('GET'),
    url: z
      .string({ error: 'is required' })
      .max(2048, 'must be at most 2048 characters')
      .refine(
        isUrlTemplate,
        'must be an absolute http:// or https:// URL (placeholders like {{token}} may stand for parts of it)',
      ),
    headers: httpHeadersSchema.optional(),
    body: z
      .string({ error: 'must be a string' })
      .max(16_384, 'must be at most 16384 characters')
      .optional(),
    timeout_ms: z
      .number({ error: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100')
      .max(60_000, 'must be at most 60000')
      .default(10_000),
    follow_redirects: z.boolean({ error: 'must be true or false' }).default(true),
    extract: z
      .array(extractionSchema, { error: 'must be a list of extractions' })
      .max(20, 'at most 20 extractions per step')
      .optional(),
    assert: assertSchema.optional(),
  })
  .refine((s) => s.body === undefined || !['GET', 'HEAD'].includes(s.method), {
    message: 'GET and HEAD requests cannot carry a body',
    path: ['body'],
  });

export type CanaryStep = z.output<typeof stepSchema>;

export const canaryTargetSchema = z
  .strictObject({
    steps: z
      .array(stepSchema, { error: 'is required: a list of steps' })
      .min(1, 'must have at least one step')
      .max(MAX_CANARY_STEPS, `at most ${MAX_CANARY_STEPS} steps`),
    /** the whole flow's budget; each step also has its own timeout_ms */
    timeout_ms: z
      .number({ error: 'must be a whole number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(1_000, 'must be at least 1000')
      .max(120_000, 'must be at most 120000')
      .default(30_000),
  })
  .superRefine((config, ctx) => {
    const names = new Map<string, number>();
    const defined = new Set<string>();
    config.steps.forEach((step, i) => {
      const first = names.get(step.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', i, 'name'],
          message: `"${step.name}" is also the name of step ${first + 1}: names must be unique`,
        });
      } else {
        names.set(step.name, i);
      }
      const texts: [(string | number)[], string][] = [
        [['url'], step.url],
        ...Object.entries(step.headers ?? {}).map(
          ([name, value]): [(string | number)[], string] => [['headers', name], value],
        ),
        ...(step.body === undefined ? [] : [[['body'], step.body] as [string[], string]]),
      ];
      for (const [path, text] of texts) {
        for (const name of placeholdersIn(text)) {
          if (defined.has(name)) continue;
          ctx.addIssue({
            code: 'custom',
            path: ['steps', i, ...path],
            message: `{{${name}}} is not extracted by an earlier step`,
          });
        }
      }
      for (const extraction of step.extract ?? []) defined.add(extraction.var);
    });
  });

export type CanaryTarget = z.output<typeof canaryTargetSchema>;

/**
 * `https://user:secret@host/…?key=abc` → `https://user:****@host/…?key=****`, the rest left
 * exactly as written: a query value that is only a `{{placeholder}}` holds no secret and stays.
 */
function maskStepUrl(url: string): string {
  const masked = url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)([^/?#@]*)@/i,
    (_m, head: string) => `${head}****@`,
  );
  return masked.replace(
    /\?([^#]*)/,
    (_m, query: string) => `?${query.split('&').map(maskQueryPart).join('&')}`,
  );
}

const ONLY_A_PLACEHOLDER = new RegExp(`^${PLACEHOLDER.source}$`);

function maskQueryPart(part: string): string {
  const eq = part.indexOf('=');
  if (eq === -1) return part;
  const value = part.slice(eq + 1);
  return value === '' || ONLY_A_PLACEHOLDER.test(value) ? part : `${part.slice(0, eq)}=****`;
}

/**
 * The view of a flow that is safe to return: header values, bodies, URL passwords and query
 * values masked.
 */
export function maskCanaryTarget(target: CanaryTarget): CanaryTarget {
  return {
    ...target,
    steps: target.steps.map((step) => ({
      ...step,
      url: maskStepUrl(step.url),
      ...(step.headers === undefined
        ? {}
        : {
            headers: Object.fromEntries(
              Object.entries(step.headers).map(([k, v]) => [k, maskSecret(v)]),
            ),
          }),
      // a body is masked whole: even its last characters may be part of a password
      ...(step.body === undefined ? {} : { body: MASKED_BODY }),
    })),
  };
}

export function describeCanaryTarget(target: CanaryTarget): string {
  const line = `${target.steps.length}-step flow: ${target.steps.map((s) => s.name).join(' → ')}`;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
