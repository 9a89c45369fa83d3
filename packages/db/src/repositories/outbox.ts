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

export async function markPublished(db: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('state_events')
    .set({ published_at: sql<Date>`now()` })
    .where('id', 'in', ids)
    .where('published_at', 'is', null)
    .execute();
}

/** The alerter is done with an event: the redrive leaves it alone from now on. */
export async function markHandled(db: Executor, id: string): Promise<void> {
  await db
    .updateTable('state_events')
    .set({ handled_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('handled_at', 'is', null)
    .execute();
}

/**
 * Published events the alerter has not finished with, published more than `afterMs` ago and
 * raised within the last day, oldest first (or, given `ids`, those of them that still are):
 * the ones whose alert job Redis may have lost.
 */
export async function unhandled(
  db: Executor,
  options: { afterMs: number; limit: number; ids?: string[] },
): Promise<string[]> {
  if (options.ids?.length === 0) return [];
  let query = db
    .selectFrom('state_events')
    .select('id')
    .where('handled_at', 'is', null)
    .where('published_at', '<', sql<Date>`now() - make_interval(secs => ${options.afterMs / 1000})`)
    // implied by created_at (an event is published after it is raised); bounds the index scan
    .where('published_at', '>', sql<Date>`now() - interval '1 day'`)
    .where('created_at', '>', sql<Date>`now() - interval '1 day'`);
  if (options.ids) query = query.where('id', 'in', options.ids);
  const rows = await query.orderBy('published_at').limit(options.limit).execute();
  return rows.map((r) => r.id);
}
