import { performance } from 'node:perf_hooks';
import {
  compileUserPattern,
  MAX_HEADER_VALUES,
  MAX_MATCHED_CHARS,
  PATTERN_BUDGET_MS,
  PATTERN_SLICE_MS,
  type UserPattern,
} from '@lighthouse/domain';
import { createPatternBudget, PATTERN_TIME_PROBLEM } from './patterns';

function compile(source: string): UserPattern {
  const { pattern, problem } = compileUserPattern(source);
  if (pattern === undefined) throw new Error(problem);
  return pattern;
}

/**
 * Linear on RE2, but heavy: 20 capture groups over 64 Ki characters keep re2js's NFA busy for
 * a few hundred milliseconds, far past one slice.
 */
const heavy = compile('(a*)'.repeat(20));
const as = 'a'.repeat(MAX_MATCHED_CHARS);

describe('a check’s pattern budget', () => {
  test('matches, capture groups and all, like RegExp', () => {
    const budget = createPatternBudget();
    expect(budget.test(compile('"status":\\s*"ok"'), '{"status": "ok"}')).toEqual({
      ok: true,
      value: true,
    });
    const match = budget.exec(compile('sid=(\\w+)|token=(\\w+)'), 'a; token=t0k; b');
    expect(match.ok && [...(match.value ?? [])]).toEqual(['token=t0k', undefined, 't0k']);
    expect(budget.exec(compile('^x'), 'yx')).toEqual({ ok: true, value: null });
  });

  test(`looks at the first ${MAX_MATCHED_CHARS} characters of an input only`, () => {
    const budget = createPatternBudget();
    const needle = compile('needle');
    expect(budget.test(needle, `${'x'.repeat(MAX_MATCHED_CHARS - 6)}needle`).ok && true).toBe(true);
    expect(budget.test(needle, `${'x'.repeat(MAX_MATCHED_CHARS)}needle`)).toEqual({
      ok: true,
      value: false,
    });
  });

  test('stops a run at the slice, then refuses runs once the budget is spent', () => {
    const budget = createPatternBudget();
    const runs: number[] = [];
    const spent: number[] = [];
    const outcomes = [];
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      outcomes.push(budget.exec(heavy, as));
      runs.push(performance.now() - started);
      spent.push(budget.spentMs());
    }
    expect(outcomes).toEqual(Array(3).fill({ ok: false, problem: PATTERN_TIME_PROBLEM }));
    // two runs cut at the slice use the budget up; the third does not start: it adds nothing
    // to what was spent (a wall-clock bound on it would measure the machine, not the budget)
    expect(PATTERN_BUDGET_MS / PATTERN_SLICE_MS).toBe(2);
    for (const ms of runs.slice(0, 2)) expect(ms).toBeLessThan(PATTERN_SLICE_MS + 100);
    expect(spent[1]).toBeGreaterThanOrEqual(PATTERN_BUDGET_MS);
    expect(spent[2]).toBe(spent[1]);
  });

  test('adds up many small runs into the one budget, compiling included', () => {
    const budget = createPatternBudget();
    expect(budget.compile('(?:a?){300}a{300}').pattern?.programSize()).toBe(902);
    expect(budget.spentMs()).toBeGreaterThan(0);
    const pattern = compile('(a+)+b');
    let outcome = budget.exec(pattern, as.slice(0, 4096));
    let runs = 1;
    while (outcome.ok && runs < 100_000) {
      outcome = budget.exec(pattern, as.slice(0, 4096));
      runs += 1;
    }
    expect(outcome).toEqual({ ok: false, problem: PATTERN_TIME_PROBLEM });
    expect(budget.spentMs()).toBeLessThan(PATTERN_BUDGET_MS + PATTERN_SLICE_MS);
  });

  test(`looks at ${MAX_HEADER_VALUES} header values per check, all extractions together`, () => {
    const pattern = compile('^ok-(\\d+)$');
    const values = (n: number, at: number) =>
      Array.from({ length: n }, (_, i) => (i === at ? `ok-${i}` : 'no'));

    const found = createPatternBudget().execHeaderValues(pattern, values(300, 40), 'x-a');
    expect(found.ok && found.value?.[1]).toBe('40');

    const past = createPatternBudget().execHeaderValues(pattern, values(300, 299), 'x-a');
    expect(past).toEqual({
      ok: false,
      problem: `the response has 300 x-a header values, more than the check's budget of ${MAX_HEADER_VALUES} header values looked at`,
    });

    // the values each extraction looked at (up to its match) count against the same 100
    const shared = createPatternBudget();
    expect(shared.execHeaderValues(pattern, values(300, 40), 'x-a').ok).toBe(true); // 41
    const second = shared.execHeaderValues(pattern, values(50, 45), 'x-b'); // 46
    expect(second.ok && second.value?.[0]).toBe('ok-45');
    const third = shared.execHeaderValues(pattern, values(20, 15), 'x-c'); // 13 left
    expect(third.ok).toBe(false);
    expect(!third.ok && third.problem).toMatch(/^the response has 20 x-c header values/);
  });
});
