import { RE2JS } from 're2js';
import type { z } from 'zod';

/**
 * Regular expressions that users write (a websocket check's `expect.matches`, a canary step's
 * regex extractions) run on RE2 (re2js): matching time grows linearly with the input, never
 * exponentially, so no pattern can backtrack for seconds. RE2 has no backreferences and no
 * lookarounds; such a pattern is refused when the subscription is created. See ADR 0008.
 *
 * Linear is not free: time still grows with program size × input length, so both are capped
 * here, and each check gets one budget for all its pattern work (enforced by the checker).
 */

/** The longest pattern a user may give. */
export const MAX_PATTERN_CHARS = 512;
/**
 * The largest program a pattern may compile to (RE2 instructions): `(?:a?){500}a{500}` is 1,502.
 * Ordinary patterns compile to tens.
 */
export const MAX_PATTERN_PROGRAM = 1_000;
/** A pattern runs over the first 64 Ki characters of a reply, a body or a header value. */
export const MAX_MATCHED_CHARS = 64 * 1024;
/** The time one check may spend matching patterns, all its matches together. */
export const PATTERN_BUDGET_MS = 100;
/** The longest one match (or one pass over a header's values) may hold the event loop. */
export const PATTERN_SLICE_MS = 50;
/** The most response header values one check's regex extractions look at, all together. */
export const MAX_HEADER_VALUES = 100;

/** A compiled user pattern: `test`, `exec` (RegExp-shaped results), `programSize`, `groupCount`. */
export type UserPattern = RE2JS;

/** `source` compiled on RE2, or why it cannot run (a message for a field: "must not use …"). */
export function compileUserPattern(
  source: string,
): { pattern: UserPattern; problem?: undefined } | { pattern?: undefined; problem: string } {
  let pattern: UserPattern;
  try {
    pattern = RE2JS.compile(source);
  } catch (error) {
    return { problem: refusal(error instanceof Error ? error.message : String(error)) };
  }
  const size = pattern.programSize();
  if (size > MAX_PATTERN_PROGRAM) {
    return {
      problem: `is too complex: it compiles to ${size} instructions, at most ${MAX_PATTERN_PROGRAM} (large counted repeats like {500} cost the most)`,
    };
  }
  return { pattern };
}

/** RE2's complaint in words a user can act on. */
function refusal(message: string): string {
  const detail = message.replace(/^error parsing regexp: /, '');
  if (/^invalid escape sequence: `\\([1-9]|k)/.test(detail)) {
    return 'must not use backreferences (\\1, \\k<name>): patterns run on RE2, a linear-time engine that has none';
  }
  if (/`\(\?<?[=!]/.test(detail)) {
    return 'must not use lookaheads or lookbehinds ((?=…), (?!…), (?<=…), (?<!…)): patterns run on RE2, a linear-time engine that has none';
  }
  const hint = detail.includes('`\\u`') ? ' (write \\x{00e9} for \\u00e9)' : '';
  return `must be RE2 syntax (patterns run on RE2, a linear-time engine): ${detail}${hint}`;
}

/** Half of a surrogate pair on its own: not a character. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether JavaScript's RegExp accepts `source` (compiling only: nothing is matched). */
function validJavaScript(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * `field` refined to accept only patterns that run on RE2 within the limits above. A pattern
 * that is not even a valid JavaScript regular expression gets `invalid` (the message such fields
 * always had); one that JavaScript accepts but RE2 refuses is told why (a backreference, a
 * lookaround, a size).
 */
export function userPatternField(field: z.ZodString, invalid: string): z.ZodString {
  return field.superRefine((source, ctx) => {
    // length is the field's own check; a huge string is not worth compiling
    if (source.length === 0 || source.length > MAX_PATTERN_CHARS) return;
    // neither can be stored (PostgreSQL's jsonb refuses both) and neither is needed
    if (source.includes('\0')) {
      ctx.addIssue({ code: 'custom', message: 'must not hold a NUL character (write \\x00)' });
      return;
    }
    if (LONE_SURROGATE.test(source)) {
      ctx.addIssue({ code: 'custom', message: 'must be well-formed Unicode (no lone surrogates)' });
      return;
    }
    const { problem } = compileUserPattern(source);
    if (problem === undefined) return;
    ctx.addIssue({ code: 'custom', message: validJavaScript(source) ? problem : invalid });
  });
}
