import type { Executor } from '../connection';
import type { MaintenanceWindow } from '../schema';

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
