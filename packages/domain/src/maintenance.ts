import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';

/**
 * A maintenance window: one-off (`cron` null: from `starts_at` to `ends_at`) or recurring
 * (each `cron` occurrence, read in `timezone`, lasts `duration_seconds`; occurrences count
 * from `starts_at` and, when `ends_at` is set, start before it).
 */
export interface MaintenanceWindowRule {
  starts_at: Date;
  ends_at: Date | null;
  cron: string | null;
  duration_seconds: number | null;
  timezone: string;
}

export interface Occurrence {
  start: Date;
  end: Date;
}

/** The longest single occurrence of a window: one week. */
export const MAX_MAINTENANCE_SECONDS = 7 * 86_400;

/** The occurrence of `window` that covers `at`, or null. */
export function occurrenceAt(window: MaintenanceWindowRule, at: Date): Occurrence | null {
  const t = at.getTime();
  if (t < window.starts_at.getTime()) return null;
  if (window.cron === null) {
    if (window.ends_at === null || t >= window.ends_at.getTime()) return null;
    return { start: window.starts_at, end: window.ends_at };
  }
  const duration = (window.duration_seconds ?? 0) * 1000;
  // prev() is strictly before currentDate: +1 ms lets an occurrence starting at `at` count.
  const start = CronExpressionParser.parse(window.cron, {
    currentDate: new Date(t + 1),
    tz: window.timezone,
  })
    .prev()
    .toDate();
  if (start.getTime() < window.starts_at.getTime()) return null;
  if (window.ends_at !== null && start.getTime() >= window.ends_at.getTime()) return null;
  if (t >= start.getTime() + duration) return null;
  return { start, end: new Date(start.getTime() + duration) };
}

/** Whether any of `windows` covers `at`. */
export function inMaintenance(windows: readonly MaintenanceWindowRule[], at: Date): boolean {
  return windows.some((w) => occurrenceAt(w, at) !== null);
}

/** The occurrence in progress at `after`, else the next one to start; null when none will. */
export function nextOccurrence(window: MaintenanceWindowRule, after: Date): Occurrence | null {
  const current = occurrenceAt(window, after);
  if (current) return current;
  if (window.cron === null) {
    if (window.ends_at === null || after.getTime() >= window.ends_at.getTime()) return null;
    return { start: window.starts_at, end: window.ends_at };
  }
  const from = Math.max(after.getTime(), window.starts_at.getTime() - 1);
  const expression = CronExpressionParser.parse(window.cron, {
    currentDate: new Date(from),
    tz: window.timezone,
  });
  const start = expression.next().toDate();
  if (window.ends_at !== null && start.getTime() >= window.ends_at.getTime()) return null;
  return { start, end: new Date(start.getTime() + (window.duration_seconds ?? 0) * 1000) };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why a cron expression is not usable, or null when it is. */
export function cronProblem(expression: string, timezone: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && !expression.trim().startsWith('@')) {
    return 'must be a cron expression with 5 fields (minute hour day-of-month month day-of-week)';
  }
  try {
    CronExpressionParser.parse(expression, { tz: timezone }).next();
    return null;
  } catch (err) {
    return `is not a valid cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time with a zone' });

/** Fields a maintenance window is written with; the API checks them together with {@link maintenanceProblems}. */
export const maintenanceWindowInput = z.strictObject({
  name: z.string().trim().max(200, 'must be at most 200 characters').optional(),
  starts_at: isoTime.optional(),
  ends_at: isoTime.nullable().optional(),
  cron: z.string().trim().min(1, 'must not be empty').max(200).nullable().optional(),
  duration_minutes: z
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be at least 1')
    .max(MAX_MAINTENANCE_SECONDS / 60, `must be at most ${MAX_MAINTENANCE_SECONDS / 60} (7 days)`)
    .nullable()
    .optional(),
  timezone: z.string().min(1).max(64).optional(),
});
export type MaintenanceWindowInput = z.output<typeof maintenanceWindowInput>;

/**
 * Checks a window as it would be stored (after merging an update into the stored one):
 * field-named problems, empty when the window is sound.
 */
export function maintenanceProblems(w: {
  starts_at: Date | null;
  ends_at: Date | null;
  cron: string | null;
  duration_seconds: number | null;
  timezone: string;
}): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (!isTimeZone(w.timezone)) {
    problems.push({ field: 'timezone', message: `unknown time zone "${w.timezone}"` });
  }
  if (w.cron === null) {
    if (w.starts_at === null) {
      problems.push({ field: 'starts_at', message: 'is required for a one-off window' });
    }
    if (w.ends_at === null) {
      problems.push({
        field: 'ends_at',
        message: 'is required for a one-off window (or give cron and duration_minutes)',
      });
    }
    if (w.duration_seconds !== null) {
      problems.push({ field: 'duration_minutes', message: 'only applies with cron' });
    }
  } else {
    if (w.duration_seconds === null) {
      problems.push({ field: 'duration_minutes', message: 'is required with cron' });
    }
    if (problems.every((p) => p.field !== 'timezone')) {
      const problem = cronProblem(w.cron, w.timezone);
      if (problem) problems.push({ field: 'cron', message: problem });
    }
  }
  if (w.starts_at && w.ends_at && w.ends_at.getTime() <= w.starts_at.getTime()) {
    problems.push({ field: 'ends_at', message: 'must be after starts_at' });
  }
  if (
    w.cron === null &&
    w.starts_at &&
    w.ends_at &&
    w.ends_at.getTime() - w.starts_at.getTime() > 366 * 86_400_000
  ) {
    problems.push({ field: 'ends_at', message: 'a one-off window lasts at most 366 days' });
  }
  return problems;
}
