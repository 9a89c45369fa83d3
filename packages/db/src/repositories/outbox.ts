import { sql } from 'kysely';
import type { Executor } from '../connection';

/** Locks up to `limit` unpublished state events, oldest first; replicas skip each other's. */
export async function claimUnpublished(
  db: Executor,
  limit: number,
): Promise<{ id: string; created_at: Date }[]> {
  return db
    .selectFrom('state_events')
    .select(['id', 'created_at'])
    .where('published_at', 'is', null)
    .orderBy('created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markPublished(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('state_events')
    .set({ published_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('published_at', 'is', null)
    .execute();
}
