import type { FieldIssue } from '@lighthouse/shared';
import type { z } from 'zod';

/** Turns zod issues into `{ field: "target_config.url", message }`, prefixing a base path. */
export function fieldIssues(error: z.ZodError, base: (string | number)[] = []): FieldIssue[] {
  return error.issues.map((issue) => {
    const path = [...base, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    let field = '';
    for (const part of path) {
      field += typeof part === 'number' ? `[${part}]` : field === '' ? part : `.${part}`;
    }
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (field === '' ? k : `${field}.${k}`));
      return {
        field: keys[0] ?? (field || '(body)'),
        message: `unknown field(s): ${keys.join(', ')}`,
      };
    }
    return { field: field || '(body)', message: issue.message };
  });
}

const MASK = '****';

/** Shows enough of a secret to recognise it, never enough to use it. */
export function maskSecret(value: string): string {
  if (/^https?:\/\//i.test(value)) {
    try {
      return `${new URL(value).origin}/${MASK}`;
    } catch {
      return MASK;
    }
  }
  return value.length >= 20 ? `${MASK}${value.slice(-4)}` : MASK;
}

export function isMasked(value: string): boolean {
  return value.includes(MASK);
}
