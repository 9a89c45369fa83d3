import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { MonitorState, NewSubscription, Subscription, SubscriptionUpdate } from '../schema';
import { newestFirst, type Cursor } from './keyset';

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export type { Cursor } from './keyset';

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdAt, c.id])).toString('base64url');
}

/** Returns undefined for anything that is not a cursor this API issued. */
export function decodeCursor(raw: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      /^[0-9a-f-]{36}$/.test(value[1])
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}

export async function insertSubscription(
  db: Executor,
  row: NewSubscription,
): Promise<Subscription> {
  return db.insertInto('subscriptions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** A live (not deleted) subscription of this owner. */
export async function findOwnedSubscription(
  db: Executor,
  userAddress: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Subscription | undefined> {
  let query = db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('user_address', '=', userAddress)
    .where('deleted_at', 'is', null);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

export interface SubscriptionFilter {
  /** any of these states */
  states?: readonly MonitorState[] | undefined;
  /** any of these: active (checked), paused, expired (a paid period that has passed) */
  statuses?: readonly ('active' | 'paused' | 'expired')[] | undefined;
  targetTypes?: readonly string[] | undefined;
  /** a case-insensitive substring of the name, or of the target's url, host or address */
  search?: string | undefined;
}

/** The target fields a search looks in besides the name: none of them is secret. */
const SEARCHED_TARGET_FIELDS = ['url', 'host', 'address', 'hostname', 'name'] as const;

/**
 * Newest first, keyset-paginated on (created_at, id), narrowed by `filter`: the owner's, or
 * (`null`, the operator console) everyone's.
 */
export async function listOwnedSubscriptions(
  db: Executor,
  userAddress: string | null,
  options: { limit: number; cursor?: Cursor | undefined; filter?: SubscriptionFilter },
): Promise<{ rows: Subscription[]; next: Cursor | null }> {
  const { states, statuses, targetTypes, search } = options.filter ?? {};
  let query = db.selectFrom('subscriptions').selectAll().where('deleted_at', 'is', null);
  if (userAddress !== null) query = query.where('user_address', '=', userAddress);
  if (states?.length) query = query.where('state', 'in', states);
  if (targetTypes?.length) query = query.where('target_type', 'in', targetTypes);
  if (statuses?.length) {
    const expired = sql<boolean>`(expires_at is not null and expires_at <= now())`;
    query = query.where((eb) =>
      eb.or(
        statuses.map((status) =>
          status === 'expired'
            ? expired
            : eb.and([eb('active', '=', status === 'active'), sql<boolean>`not ${expired}`]),
        ),
      ),
    );
  }
  if (search) {
    const pattern = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('name', 'ilike', pattern),
        ...SEARCHED_TARGET_FIELDS.map(
          (field) => sql<boolean>`target_config->>${field} ilike ${pattern}`,
        ),
      ]),
    );
  }
  return newestFirst(query, options);
}

/** Live subscriptions of this owner on this tier: what tier limits count. */
export async function countOwnedSubscriptions(
  db: Executor,
  userAddress: string,
  tier: string,
): Promise<number> {
  const row = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_address', '=', userAddress)
    .where('tier', '=', tier)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateSubscription(
  db: Executor,
  id: string,
  changes: SubscriptionUpdate,
): Promise<Subscription> {
  return db
    .updateTable('subscriptions')
    .set({ ...changes, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A live (not deleted) subscription, whoever owns it: for the operator console. */
export async function findSubscription(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Subscription | undefined> {
  let query = db
    .selectFrom('subscriptions')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}

/** Takes a subscription off every status page not owned by `owner` (after a transfer). */
export async function detachFromOthersPages(
  db: Executor,
  id: string,
  owner: string,
): Promise<void> {
  await db
    .deleteFrom('status_page_subscriptions')
    .where('subscription_id', '=', id)
    .where('page_id', 'in', (eb) =>
      eb.selectFrom('status_pages').select('id').where('user_address', '<>', owner),
    )
    .execute();
}

/**
 * Live subscriptions by monitoring state and by status (as the list's `status` filter counts
 * them: expired is a paid period that has passed, whether paused or not), for the console.
 */
export async function countByState(db: Executor): Promise<{
  total: number;
  active: number;
  paused: number;
  expired: number;
  by_state: Record<MonitorState, number>;
}> {
  const expired = sql<boolean>`(expires_at is not null and expires_at <= now())`;
  const rows = await db
    .selectFrom('subscriptions')
    .select(['state', 'active', expired.as('expired'), (eb) => eb.fn.countAll<string>().as('n')])
    .where('deleted_at', 'is', null)
    .groupBy(['state', 'active', sql`3`])
    .execute();
  const out = {
    total: 0,
    active: 0,
    paused: 0,
    expired: 0,
    by_state: { unknown: 0, up: 0, down: 0, degraded: 0 } as Record<MonitorState, number>,
  };
  for (const row of rows) {
    const n = Number(row.n);
    out.total += n;
    if (row.expired) out.expired += n;
    else if (row.active) out.active += n;
    else out.paused += n;
    out.by_state[row.state] += n;
  }
  return out;
}
