import { fieldIssues } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
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
