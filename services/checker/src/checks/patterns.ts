import { performance } from 'node:perf_hooks';
import { createContext, Script } from 'node:vm';
import {
  compileUserPattern,
  MAX_HEADER_VALUES,
  MAX_MATCHED_CHARS,
  PATTERN_BUDGET_MS,
  PATTERN_SLICE_MS,
  type UserPattern,
} from '@lighthouse/domain';

/**
 * One check's budget for running its users' patterns (ADR 0008). The patterns are RE2 (linear
 * time), each runs over at most MAX_MATCHED_CHARS characters, and on top of that:
 *
 * - all the check's matches (and compiling its patterns) together get PATTERN_BUDGET_MS,
 *   measured;
 * - one run (a match, or one pass over a header's values) holds the event loop for at most
 *   PATTERN_SLICE_MS: a run that could take longer goes under node's vm watchdog, which stops it;
 * - regex extractions look at MAX_HEADER_VALUES header values at most, all together.
 *
 * When any of these runs out the run's outcome is a problem, never a pass.
 */
export interface PatternBudget {
  /** compileUserPattern, its time charged to the budget (a large program takes milliseconds). */
  compile(source: string): ReturnType<typeof compileUserPattern>;
  /** Whether the pattern matches somewhere in (the first MAX_MATCHED_CHARS of) `input`. */
  test(pattern: UserPattern, input: string): Outcome<boolean>;
  /** The pattern's first match in (the capped) `input`, or null. */
  exec(pattern: UserPattern, input: string): Outcome<PatternMatch | null>;
  /**
   * The first match among header values, in order. Values past the check's MAX_HEADER_VALUES
   * are not looked at: when the match could be among them, that is a problem, not a miss.
   */
  execHeaderValues(
    pattern: UserPattern,
    values: readonly string[],
    header: string,
  ): Outcome<PatternMatch | null>;
  /** Milliseconds of matching so far. */
  spentMs(): number;
}

/** A match: the whole match, then each capture group (undefined when it took no part). */
export type PatternMatch = readonly (string | undefined)[];

export type Outcome<T> = { ok: true; value: T } | { ok: false; problem: string };

export const PATTERN_TIME_PROBLEM = `pattern matching ran past the check's budget (${PATTERN_BUDGET_MS} ms in all, ${PATTERN_SLICE_MS} ms at a time): simplify the pattern`;
const PATTERN_ERROR_PROBLEM = 'the pattern could not run on this input';

/**
 * Runs below this much work (program size × characters × (1 + capture groups)) skip the
 * watchdog, which costs about 0.1 ms of CPU per run. re2js's slowest paths measured about
 * 150 ns per unit here (ADR 0008), so such a run takes a few milliseconds at worst.
 */
const UNWATCHED_WORK = 40_000;

export function createPatternBudget(): PatternBudget {
  let spent = 0;
  let valuesLeft = MAX_HEADER_VALUES;

  /** Runs `work` within what is left of the budget; its time is charged either way. */
  const run = <T>(work: () => T, estimate: number): Outcome<T> => {
    const left = Math.min(PATTERN_BUDGET_MS - spent, PATTERN_SLICE_MS);
    if (left <= 0) return { ok: false, problem: PATTERN_TIME_PROBLEM };
    const started = performance.now();
    try {
      const outcome = estimate <= UNWATCHED_WORK ? ok(work()) : watched(work, left);
      const took = performance.now() - started;
      if (outcome !== 'timeout') {
        spent += took;
        return outcome;
      }
      // a run the watchdog stopped used its whole slice, though the watchdog's clock may end
      // it a fraction of a millisecond early by ours
      spent += Math.max(took, left);
      return { ok: false, problem: PATTERN_TIME_PROBLEM };
    } catch {
      // anything else (a stack overflow deep in a match) is the pattern's problem too
      spent += performance.now() - started;
      return { ok: false, problem: PATTERN_ERROR_PROBLEM };
    }
  };

  /** The first input the pattern matches, and how many inputs were looked at. */
  const find = (pattern: UserPattern, inputs: readonly string[]) => {
    const capped = inputs.map(cap);
    const chars = capped.reduce((sum, input) => sum + input.length, 0);
    return run(
      () => {
        for (const [index, input] of capped.entries()) {
          const match: PatternMatch | null = pattern.exec(input);
          if (match !== null) return { match, looked: index + 1 };
        }
        return { match: null, looked: capped.length };
      },
      work(pattern, chars),
    );
  };

  return {
    compile(source) {
      const started = performance.now();
      try {
        return compileUserPattern(source);
      } finally {
        spent += performance.now() - started;
      }
    },
    test(pattern, input) {
      const capped = cap(input);
      return run(() => pattern.test(capped), work(pattern, capped.length));
    },
    exec(pattern, input) {
      const outcome = find(pattern, [input]);
      return outcome.ok ? ok(outcome.value.match) : outcome;
    },
    execHeaderValues(pattern, values, header) {
      const allowed = values.slice(0, valuesLeft);
      const outcome = find(pattern, allowed);
      valuesLeft -= outcome.ok ? outcome.value.looked : allowed.length;
      if (!outcome.ok) return outcome;
      if (outcome.value.match === null && allowed.length < values.length) {
        return {
          ok: false,
          problem: `the response has ${values.length} ${header} header values, more than the check's budget of ${MAX_HEADER_VALUES} header values looked at`,
        };
      }
      return ok(outcome.value.match);
    },
    spentMs: () => spent,
  };
}

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function cap(input: string): string {
  return input.length > MAX_MATCHED_CHARS ? input.slice(0, MAX_MATCHED_CHARS) : input;
}

function work(pattern: UserPattern, chars: number): number {
  return pattern.programSize() * chars * (1 + pattern.groupCount());
}

/**
 * Runs `work` under node's vm watchdog, which interrupts it after `timeoutMs` (as it would any
 * script). An interrupted run leaves nothing behind that the next one reads: re2js keeps its
 * scratch state in the compiled pattern, which a check compiles for itself.
 */
const sandbox = createContext(Object.create(null) as object) as { work?: () => unknown };
const runWork = new Script('work()');

function watched<T>(work: () => T, timeoutMs: number): Outcome<T> | 'timeout' {
  sandbox.work = work;
  try {
    return ok(runWork.runInContext(sandbox, { timeout: Math.max(1, Math.floor(timeoutMs)) }) as T);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw error;
  } finally {
    delete sandbox.work;
  }
}
