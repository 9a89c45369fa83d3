import { fieldIssues } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import type { RequestHandler } from 'express';
import type { z } from 'zod';

/** Parses `value` with `schema` or throws a 400 naming each bad field (prefixed by `base`). */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  base: (string | number)[] = [],
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw AppError.validation(fieldIssues(result.error, base));
  return result.data;
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A uuid from the path, lower-cased. A malformed id cannot name anything the caller owns:
 * the same 404 as a stranger's id.
 */
export function pathId(raw: string | undefined, what: string): string {
  if (!raw || !UUID_PATTERN.test(raw)) throw AppError.notFound(what);
  return raw.toLowerCase();
}

const NUL = '\u0000';
/** Half of a UTF-16 surrogate pair without its other half: no valid text, and jsonb refuses it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string (a value or a key) cannot be stored, if it cannot. */
function unsafeText(text: string): string | undefined {
  if (text.includes(NUL)) return 'must not contain NUL (\\u0000)';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (a lone UTF-16 surrogate is not)';
  return undefined;
}
/**
 * No request body of this API nests nearly this deep; recursive code (masking, sealing) would
 * overflow the stack on much deeper ones.
 */
export const MAX_BODY_DEPTH = 32;

/** The first place in a parsed JSON body that cannot be stored or handled safely, and why. */
function unsafeField(body: unknown): { field: string; message: string } | undefined {
  // iterative, since the point is that a body may nest deeper than the stack allows
  const stack: [unknown, string, number][] = [[body, '', 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop() as [unknown, string, number];
    const field = path || '(body)';
    if (typeof value === 'string') {
      const why = unsafeText(value);
      if (why) return { field, message: why };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      return { field, message: `nests deeper than ${MAX_BODY_DEPTH} levels` };
    }
    if (Array.isArray(value)) {
      value.forEach((v, i) => stack.push([v, `${path}[${i}]`, depth + 1]));
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      const at = path === '' ? k : `${path}.${k}`;
      const why = unsafeText(k);
      if (why) return { field: at, message: why };
      stack.push([v, at, depth + 1]);
    }
  }
  return undefined;
}

/**
 * Refuses with a 400, before any route runs, what would otherwise fail deep inside as a 500:
 * NUL (U+0000) in the URL (as %00) or in the JSON body, and lone UTF-16 surrogates in it, which
 * PostgreSQL text and jsonb cannot hold, and bodies nested deeper than {@link MAX_BODY_DEPTH}.
 */
export const refuseUnsafeInput: RequestHandler = (req, _res, next) => {
  if (/%00/i.test(req.originalUrl)) {
    throw AppError.validation([{ field: '(url)', message: 'must not contain NUL (%00)' }]);
  }
  const unsafe = unsafeField(req.body);
  if (unsafe) throw AppError.validation([unsafe]);
  next();
};
