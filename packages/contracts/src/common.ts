import { z } from 'zod';

/** An ISO 8601 time in UTC, as `Date.toISOString()` writes it. */
export const time = z.iso.datetime();
/** A UTC day, YYYY-MM-DD. */
export const day = z.iso.date();
export const uuid = z.uuid();
/** A JSON object whose keys the schema does not list (a target's config, audit details). */
export const anyObject = z.record(z.string(), z.unknown());

/** `{items, next_cursor}`: every list answers so, next_cursor null at the end. */
export function page<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    next_cursor: z.string().nullable().meta({ description: 'null at the end' }),
  });
}

/** A list that always fits in one answer: next_cursor is always null. */
export function wholeList<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.null() });
}

/** What a list answers, for a client that reads one: `{items, next_cursor}`. */
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** A list answered whole. */
export interface WholeList<T> {
  items: T[];
  next_cursor: null;
}

/** Every refusal: `{"error":{"code","message","details"}}`; a 400's details.fields names each bad field. */
export const apiError = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown() }),
});
export type ApiError = z.output<typeof apiError>;
