import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../connection';
import type { CheckStatus, MonitorState, StatusPage, StatusPagesTable } from '../schema';
import { newestFirst, type Cursor } from './keyset';

export type NewStatusPage = Insertable<StatusPagesTable>;
export type StatusPageUpdate = Omit<
  Updateable<StatusPagesTable>,
  'id' | 'user_address' | 'created_at' | 'updated_at'
>;

/** The unique constraint on status_pages.slug, as PostgreSQL names it. */
export const SLUG_CONSTRAINT = 'status_pages_slug_key';

/** Whether `err` is the unique violation of a slug another page holds. */
export function isSlugTaken(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown } | null;
  return e?.code === '23505' && e.constraint === SLUG_CONSTRAINT;
}

export async function countOwnedPages(db: Executor, userAddress: string): Promise<number> {
  const row = await db
    .selectFrom('status_pages')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_address', '=', userAddress)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function findOwnedPage(
  db: Executor,
  userAddress: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StatusPage | undefined> {
  let query = db
    .selectFrom('status_pages')
    .selectAll()
    .where('id', '=', id)
    .where('user_address', '=', userAddress);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Newest first, keyset-paginated on (created_at, id). */
export async function listOwnedPages(
  db: Executor,
  userAddress: string,
  options: { limit: number; cursor?: Cursor },
): Promise<{ rows: StatusPage[]; next: Cursor | null }> {
  return newestFirst(
    db.selectFrom('status_pages').selectAll().where('user_address', '=', userAddress),
    options,
  );
}

/** Throws the unique violation of SLUG_CONSTRAINT when the slug is taken (see isSlugTaken). */
export async function insertPage(db: Executor, row: NewStatusPage): Promise<StatusPage> {
  return db.insertInto('status_pages').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function updatePage(
  db: Executor,
  id: string,
  changes: StatusPageUpdate,
): Promise<StatusPage> {
  return db
    .updateTable('status_pages')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Whether a page was deleted; its subscription list goes with it (ON DELETE CASCADE). */
export async function deleteOwnedPage(
  db: Executor,
  userAddress: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('status_pages')
    .where('id', '=', id)
    .where('user_address', '=', userAddress)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Replaces the page's subscriptions with `ids`, in that order. */
export async function setPageSubscriptions(
  db: Executor,
  pageId: string,
  ids: readonly string[],
): Promise<void> {
  await db.deleteFrom('status_page_subscriptions').where('page_id', '=', pageId).execute();
  if (ids.length === 0) return;
  await db
    .insertInto('status_page_subscriptions')
    .values(
      ids.map((subscription_id, position) => ({ page_id: pageId, subscription_id, position })),
    )
    .execute();
}

/** The live (not deleted) subscriptions of each page, in page order. */
export async function pageSubscriptionIds(
  db: Executor,
  pageIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byPage = new Map<string, string[]>(pageIds.map((id) => [id, []]));
  if (pageIds.length === 0) return byPage;
  const rows = await db
    .selectFrom('status_page_subscriptions as ps')
    .innerJoin('subscriptions as s', 's.id', 'ps.subscription_id')
    .select(['ps.page_id', 'ps.subscription_id'])
    .where('ps.page_id', 'in', [...pageIds])
    .where('s.deleted_at', 'is', null)
    .orderBy('ps.page_id')
    .orderBy('ps.position')
    .execute();
  for (const row of rows) byPage.get(row.page_id)?.push(row.subscription_id);
  return byPage;
}

/** Which of `ids` are live subscriptions of this owner. */
export async function ownedLiveSubscriptionIds(
  db: Executor,
  userAddress: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('subscriptions')
    .select('id')
    .where('id', 'in', [...ids])
    .where('user_address', '=', userAddress)
    .where('deleted_at', 'is', null)
    .execute();
  return new Set(rows.map((r) => r.id));
}

export async function findPublishedPage(
  db: Executor,
  slug: string,
): Promise<StatusPage | undefined> {
  return db
    .selectFrom('status_pages')
    .selectAll()
    .where('slug', '=', slug)
    .where('published', '=', true)
    .executeTakeFirst();
}

/**
 * What a public page may show of a subscription. Nothing else is selected, so a target, a
 * channel or a secret cannot reach a public answer by accident.
 */
export interface PublicSubscription {
  id: string;
  name: string;
  state: MonitorState;
  active: boolean;
  expires_at: Date | null;
  last_check_at: Date | null;
  /** the regions it is checked from; null: the instance's default region alone */
  regions: string[] | null;
  /** its interval: an SLA report's gaps are told by it */
  check_frequency_seconds: number;
}

const PUBLIC_COLUMNS = [
  's.id',
  's.name',
  's.state',
  's.active',
  's.expires_at',
  's.last_check_at',
  's.regions',
  's.check_frequency_seconds',
] as const;

/** The page's live subscriptions, in page order. */
export async function publicSubscriptions(
  db: Executor,
  pageId: string,
): Promise<PublicSubscription[]> {
  return db
    .selectFrom('status_page_subscriptions as ps')
    .innerJoin('subscriptions as s', 's.id', 'ps.subscription_id')
    .select(PUBLIC_COLUMNS)
    .where('ps.page_id', '=', pageId)
    .where('s.deleted_at', 'is', null)
    .orderBy('ps.position')
    .execute();
}

/** A live subscription listed on at least one published page; undefined otherwise. */
export async function findPublishedSubscription(
  db: Executor,
  id: string,
): Promise<PublicSubscription | undefined> {
  return db
    .selectFrom('subscriptions as s')
    .select(PUBLIC_COLUMNS)
    .where('s.id', '=', id)
    .where('s.deleted_at', 'is', null)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('status_page_subscriptions as ps')
          .innerJoin('status_pages as p', 'p.id', 'ps.page_id')
          .select(sql`1`.as('one'))
          .whereRef('ps.subscription_id', '=', 's.id')
          .where('p.published', '=', true),
      ),
    )
    .executeTakeFirst();
}

/** One region's result for a subscription's latest slot; null: none (see latestRegionStatuses). */
export interface RegionStatus {
  region: string;
  status: CheckStatus | null;
}

/** How many intervals back the latest slot is looked for: older results are no news. */
const LATEST_SLOT_INTERVALS = 3;

/**
 * Of each of these subscriptions checked from more than one region: each region's result for the
 * latest slot, in the order the regions were chosen. The latest slot is the newest one with a
 * result of any region in the last few intervals. A region still at work on it shows its result
 * for the slot before; a region with neither (its checker gone, or no slot lately) has none.
 * Confirmation checks are no slots. Subscriptions with one region are left out.
 */
export async function latestRegionStatuses(
  db: Executor,
  subscriptionIds: readonly string[],
): Promise<Map<string, RegionStatus[]>> {
  const bySubscription = new Map<string, RegionStatus[]>();
  if (subscriptionIds.length === 0) return bySubscription;
  const { rows } = await sql<{
    subscription_id: string;
    region: string;
    status: CheckStatus | null;
  }>`
    SELECT s.id AS subscription_id, r.region, h.status
    FROM subscriptions s
    CROSS JOIN LATERAL (
      SELECT max(l.time) AS slot FROM check_history l
      WHERE l.subscription_id = s.id AND l.confirmation IS NOT TRUE
        AND l.time >= now() - make_interval(secs => ${LATEST_SLOT_INTERVALS} * s.check_frequency_seconds)
    ) latest
    CROSS JOIN LATERAL unnest(s.regions) WITH ORDINALITY AS r(region, position)
    LEFT JOIN LATERAL (
      SELECT c.status FROM check_history c
      WHERE c.subscription_id = s.id AND c.region = r.region AND c.confirmation IS NOT TRUE
        AND c.time <= latest.slot
        AND c.time >= latest.slot - make_interval(secs => s.check_frequency_seconds)
      ORDER BY c.time DESC LIMIT 1
    ) h ON true
    WHERE s.id = ANY(${[...subscriptionIds]}::uuid[]) AND cardinality(s.regions) > 1
    ORDER BY s.id, r.position`.execute(db);
  for (const { subscription_id, ...status } of rows) {
    const list = bySubscription.get(subscription_id) ?? [];
    list.push(status);
    bySubscription.set(subscription_id, list);
  }
  return bySubscription;
}

export interface PublicIncident {
  subscription_id: string;
  started_at: Date;
  resolved_at: Date | null;
}

/**
 * The open incidents of these subscriptions, and up to `recentLimit` resolved at or after
 * `resolvedSince`; newest start first. Error messages are not selected: they may name the target.
 */
export async function incidentsOf(
  db: Executor,
  subscriptionIds: readonly string[],
  options: { resolvedSince: Date; recentLimit: number },
): Promise<{ open: PublicIncident[]; recent: PublicIncident[] }> {
  if (subscriptionIds.length === 0) return { open: [], recent: [] };
  const base = db
    .selectFrom('incidents')
    .select(['subscription_id', 'started_at', 'resolved_at'])
    .where('subscription_id', 'in', [...subscriptionIds]);
  const [open, recent] = await Promise.all([
    base.where('resolved_at', 'is', null).orderBy('started_at', 'desc').execute(),
    base
      .where('resolved_at', '>=', options.resolvedSince)
      .orderBy('started_at', 'desc')
      .limit(options.recentLimit)
      .execute(),
  ]);
  return { open, recent };
}
