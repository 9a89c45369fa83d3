import { z } from 'zod';
import { compileUserPattern, MAX_PATTERN_PROGRAM, userPatternField } from './patterns';

const field = userPatternField(z.string().min(1).max(512), 'must be a valid regular expression');
const problem = (pattern: string): string | null => {
  const parsed = field.safeParse(pattern);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? null);
};

describe('user patterns', () => {
  test.each([
    ['a catastrophic pattern for a backtracking engine', '^(a+)+$'],
    ['a JSON field', '"status":\\s*"ok"'],
    ['a capture', 'name="csrf" value="([^"]+)"'],
    ['named groups, JavaScript style', '(?<year>\\d{4})-(?<month>\\d{2})'],
    ['RE2 flags', '(?i)^pong'],
    ['escaped punctuation', '\\/api\\/v1\\?x=\\-1'],
  ])('runs on RE2: %s', (_what, pattern) => {
    expect(problem(pattern)).toBeNull();
    expect(compileUserPattern(pattern).pattern).toBeDefined();
  });

  test.each([
    ['a backreference', '(a)\\1', /^must not use backreferences/],
    ['a named backreference', '(?<n>a)\\k<n>', /^must not use backreferences/],
    ['a lookahead', '(?=a)b', /^must not use lookaheads or lookbehinds/],
    ['a negative lookahead', 'a(?!b)', /^must not use lookaheads or lookbehinds/],
    ['a lookbehind', '(?<=a)b', /^must not use lookaheads or lookbehinds/],
    ['a negative lookbehind', '(?<!a)b', /^must not use lookaheads or lookbehinds/],
    [
      'a \\u escape',
      '\\u00e9',
      /^must be RE2 syntax .*: invalid escape sequence: `\\u` \(write \\x\{00e9\} for \\u00e9\)$/,
    ],
    [
      'a repeat RE2 does not allow',
      'a{1001}',
      /^must be RE2 syntax .*: invalid repeat count: `\{1001\}`$/,
    ],
    [
      'a program too large',
      '(?:a?){500}a{500}',
      new RegExp(
        `^is too complex: it compiles to 1502 instructions, at most ${MAX_PATTERN_PROGRAM}`,
      ),
    ],
  ])('refuses %s, saying why', (_what, pattern, message) => {
    expect(problem(pattern)).toMatch(message);
    expect(compileUserPattern(pattern).problem).toMatch(message);
  });

  test('a pattern JavaScript refuses too keeps the field’s own message', () => {
    expect(problem('(')).toBe('must be a valid regular expression');
    expect(problem('a**')).toBe('must be a valid regular expression');
  });

  test('NUL and lone surrogates are refused (jsonb cannot store them)', () => {
    expect(problem('a\u0000b')).toBe('must not hold a NUL character (write \\x00)');
    expect(problem('a\\x00b')).toBeNull();
    expect(problem('\ud800')).toBe('must be well-formed Unicode (no lone surrogates)');
    expect(problem('a\udfffb')).toBe('must be well-formed Unicode (no lone surrogates)');
    expect(problem('💥+')).toBeNull();
  });

  test('length is the field’s check: an oversized pattern gets one issue', () => {
    const parsed = field.safeParse('('.repeat(300_000));
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toHaveLength(1);
  });
});
