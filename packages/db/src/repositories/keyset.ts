import { sql, type SelectQueryBuilder } from 'kysely';

/**
 * Keyset pagination: a list query fetches `limit + 1` rows; this splits them into the page
 * and the cursor of the next one (null at the end), taken from the page's last row.
 */
export function keysetPage<R, C>(
  rows: R[],
  limit: number,
  cursorOf: (last: R) => C,
): { page: R[]; next: C | null } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}

/**
 * A row's created_at to the microsecond, as the cursor carries it. A JavaScript Date keeps
 * milliseconds only: a cursor made from one would skip the rows of the same millisecond that
 * sort after it (rows written by one transaction share their created_at exactly).
 */
const cursorAt = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Where a newest-first list stopped: the last row's (created_at, id). */
export interface Cursor {
  createdAt: string;
  id: string;
}

/**
 * One page of `query`'s rows, newest first by (created_at, id), after `cursor`; with the
 * cursor of the next page. The query's rows need `created_at` and `id`.
 */
export async function newestFirst<
  DB,
  TB extends keyof DB,
  R extends { created_at: Date; id: string },
>(
  query: SelectQueryBuilder<DB, TB, R>,
  options: { limit: number; cursor?: Cursor | undefined },
): Promise<{ rows: R[]; next: Cursor | null }> {
  const { cursor } = options;
  const after = cursor
    ? query.where(
        sql<boolean>`(created_at, id) < (${cursor.createdAt}::timestamptz, ${cursor.id}::uuid)`,
      )
    : query;
  const rows = (await after
    .select(cursorAt.as('cursor_at'))
    .orderBy(sql`created_at`, 'desc')
    .orderBy(sql`id`, 'desc')
    .limit(options.limit + 1)
    .execute()) as unknown as (R & { cursor_at: string })[];
  const { page, next } = keysetPage(rows, options.limit, (last) => ({
    createdAt: last.cursor_at,
    id: last.id,
  }));
  return { rows: page.map(({ cursor_at: _cursor, ...row }) => row as unknown as R), next };
}
