import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../connection';
import type { MaintenanceWindow, MaintenanceWindowsTable } from '../schema';

/** Every maintenance window of these subscriptions, grouped by subscription id. */
export async function windowsFor(
  db: Executor,
  subscriptionIds: readonly string[],
): Promise<Map<string, MaintenanceWindow[]>> {
  const byId = new Map<string, MaintenanceWindow[]>();
  if (subscriptionIds.length === 0) return byId;
  const rows = await db
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('subscription_id', 'in', [...subscriptionIds])
    .execute();
  for (const row of rows) {
    const list = byId.get(row.subscription_id) ?? [];
    list.push(row);
    byId.set(row.subscription_id, list);
  }
  return byId;
}

export type NewMaintenanceWindow = Insertable<MaintenanceWindowsTable>;
export type MaintenanceWindowUpdate = Omit<
  Updateable<MaintenanceWindowsTable>,
  'id' | 'subscription_id' | 'created_at' | 'updated_at'
>;

/** The windows of one subscription, earliest start first. */
export async function listWindows(
  db: Executor,
  subscriptionId: string,
): Promise<MaintenanceWindow[]> {
  return db
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('subscription_id', '=', subscriptionId)
    .orderBy('starts_at')
    .orderBy('id')
    .execute();
}

/** A window of this subscription; undefined when it has no window with this id. */
export async function findWindow(
  db: Executor,
  subscriptionId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<MaintenanceWindow | undefined> {
  let query = db
    .selectFrom('maintenance_windows')
    .selectAll()
    .where('id', '=', id)
    .where('subscription_id', '=', subscriptionId);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export async function countWindows(db: Executor, subscriptionId: string): Promise<number> {
  const row = await db
    .selectFrom('maintenance_windows')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertWindow(
  db: Executor,
  row: NewMaintenanceWindow,
): Promise<MaintenanceWindow> {
  return db.insertInto('maintenance_windows').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updateWindow(
  db: Executor,
  subscriptionId: string,
  id: string,
  changes: MaintenanceWindowUpdate,
): Promise<MaintenanceWindow | undefined> {
  return db
    .updateTable('maintenance_windows')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('subscription_id', '=', subscriptionId)
    .returningAll()
    .executeTakeFirst();
}

/** Whether a window was deleted. */
export async function deleteWindow(
  db: Executor,
  subscriptionId: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('maintenance_windows')
    .where('id', '=', id)
    .where('subscription_id', '=', subscriptionId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
