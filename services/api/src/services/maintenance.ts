import type { MaintenanceWindow as WindowAnswer } from '@lighthouse/contracts';
import {
  audit,
  maintenance,
  subscriptions,
  type Executor,
  type MaintenanceWindow,
} from '@lighthouse/db';
import {
  maintenanceProblems,
  maintenanceWindowInput,
  nextOccurrence,
  occurrenceAt,
  type MaintenanceWindowInput,
} from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import type { AppContext } from '../context';
import { parseWhole } from './subscriptions';

export const MAX_WINDOWS_PER_SUBSCRIPTION = 50;

/** The columns a window is written with. */
type WindowFields = Pick<
  MaintenanceWindow,
  'name' | 'starts_at' | 'ends_at' | 'cron' | 'duration_seconds' | 'timezone'
>;

/** A window being written: a new one has no start until its input gives one. */
type Draft = Omit<WindowFields, 'starts_at'> & { starts_at: Date | null };

const BLANK: Draft = {
  name: '',
  starts_at: null,
  ends_at: null,
  cron: null,
  duration_seconds: null,
  timezone: 'UTC',
};

/** A missing field keeps the stored value; null clears it. */
function given<T, U>(
  value: T | null | undefined,
  stored: U | null,
  convert: (v: T) => U,
): U | null {
  if (value === undefined) return stored;
  return value === null ? null : convert(value);
}

const toDate = (iso: string): Date => new Date(iso);

/**
 * Merges `input` into `base` and checks the window as it would be stored; throws a 400 naming
 * each problem. A recurring window without a start counts its occurrences from `now`.
 */
function merge(base: Draft, input: MaintenanceWindowInput, now: Date): WindowFields {
  const cron = given(input.cron, base.cron, (c) => c);
  const merged: Draft = {
    name: input.name ?? base.name,
    starts_at: given(input.starts_at, base.starts_at, toDate) ?? (cron === null ? null : now),
    ends_at: given(input.ends_at, base.ends_at, toDate),
    cron,
    duration_seconds: given(input.duration_minutes, base.duration_seconds, (m) => m * 60),
    timezone: input.timezone ?? base.timezone,
  };
  const problems = maintenanceProblems(merged);
  if (problems.length > 0) throw AppError.validation(problems);
  const { starts_at } = merged;
  if (starts_at === null) throw new Error('unreachable: maintenanceProblems requires starts_at');
  return { ...merged, starts_at };
}

async function ownedSubscriptionId(
  db: Executor,
  owner: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<string> {
  const row = await subscriptions.findOwnedSubscription(db, owner, id, options);
  if (!row) throw AppError.notFound('subscription');
  return row.id;
}

const windowNotFound = (): AppError => AppError.notFound('maintenance window');

/** The API names of the fields `next` changes, for the audit log. */
function changedFields(current: WindowFields, next: WindowFields): string[] {
  const names: Record<keyof WindowFields, string> = {
    name: 'name',
    starts_at: 'starts_at',
    ends_at: 'ends_at',
    cron: 'cron',
    duration_seconds: 'duration_minutes',
    timezone: 'timezone',
  };
  const same = (a: unknown, b: unknown): boolean =>
    a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : a === b;
  return (Object.keys(names) as (keyof WindowFields)[])
    .filter((key) => !same(current[key], next[key]))
    .map((key) => names[key]);
}

export async function listWindows(
  ctx: AppContext,
  owner: string,
  subscriptionId: string,
): Promise<MaintenanceWindow[]> {
  await ownedSubscriptionId(ctx.db, owner, subscriptionId);
  return maintenance.listWindows(ctx.db, subscriptionId);
}

export async function getWindow(
  ctx: AppContext,
  owner: string,
  subscriptionId: string,
  id: string,
): Promise<MaintenanceWindow> {
  await ownedSubscriptionId(ctx.db, owner, subscriptionId);
  const row = await maintenance.findWindow(ctx.db, subscriptionId, id);
  if (!row) throw windowNotFound();
  return row;
}

export async function createWindow({
  ctx,
  actor,
  subscriptionId,
  body,
}: {
  ctx: AppContext;
  actor: audit.AuditActor;
  subscriptionId: string;
  body: unknown;
}): Promise<MaintenanceWindow> {
  return ctx.db.transaction().execute(async (tx) => {
    // the lock makes concurrent creates count one after another
    await ownedSubscriptionId(tx, actor.address, subscriptionId, { forUpdate: true });
    const input = parseWhole(maintenanceWindowInput, body);
    const fields = merge(BLANK, input, new Date());
    const count = await maintenance.countWindows(tx, subscriptionId);
    if (count >= MAX_WINDOWS_PER_SUBSCRIPTION) {
      throw new AppError(
        'conflict',
        `a subscription has at most ${MAX_WINDOWS_PER_SUBSCRIPTION} maintenance windows and this one has ${count}: delete one first`,
        { details: { limit: MAX_WINDOWS_PER_SUBSCRIPTION } },
      );
    }
    const row = await maintenance.insertWindow(tx, { subscription_id: subscriptionId, ...fields });
    await audit.recordAudit(tx, {
      ...actor,
      action: 'maintenance_window.create',
      resourceType: 'maintenance_window',
      resourceId: row.id,
      details: { subscription_id: subscriptionId },
    });
    return row;
  });
}

export async function updateWindow({
  ctx,
  actor,
  subscriptionId,
  id,
  body,
}: {
  ctx: AppContext;
  actor: audit.AuditActor;
  subscriptionId: string;
  id: string;
  body: unknown;
}): Promise<MaintenanceWindow> {
  return ctx.db.transaction().execute(async (tx) => {
    await ownedSubscriptionId(tx, actor.address, subscriptionId);
    const current = await maintenance.findWindow(tx, subscriptionId, id, { forUpdate: true });
    if (!current) throw windowNotFound();
    const input = parseWhole(maintenanceWindowInput, body);
    const fields = merge(current, input, new Date());
    const row = await maintenance.updateWindow(tx, subscriptionId, id, fields);
    if (!row) throw windowNotFound();
    await audit.recordAudit(tx, {
      ...actor,
      action: 'maintenance_window.update',
      resourceType: 'maintenance_window',
      resourceId: id,
      details: { subscription_id: subscriptionId, fields: changedFields(current, fields) },
    });
    return row;
  });
}

export async function deleteWindow(
  ctx: AppContext,
  actor: audit.AuditActor,
  subscriptionId: string,
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    await ownedSubscriptionId(tx, actor.address, subscriptionId);
    if (!(await maintenance.deleteWindow(tx, subscriptionId, id))) throw windowNotFound();
    await audit.recordAudit(tx, {
      ...actor,
      action: 'maintenance_window.delete',
      resourceType: 'maintenance_window',
      resourceId: id,
      details: { subscription_id: subscriptionId },
    });
  });
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/** The API's view of a window, read at `now`. */
export function windowJson(row: MaintenanceWindow, now: Date = new Date()): WindowAnswer {
  const next = nextOccurrence(row, now);
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    name: row.name,
    type: row.cron === null ? ('one-off' as const) : ('recurring' as const),
    starts_at: row.starts_at.toISOString(),
    ends_at: iso(row.ends_at),
    cron: row.cron,
    duration_minutes: row.duration_seconds === null ? null : row.duration_seconds / 60,
    timezone: row.timezone,
    active_now: occurrenceAt(row, now) !== null,
    next: next ? { start: next.start.toISOString(), end: next.end.toISOString() } : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
