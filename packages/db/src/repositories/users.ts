import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { User } from '../schema';

/** Creates the user on first sign-in; a no-op afterwards. */
export async function ensureUser(db: Executor, walletAddress: string): Promise<void> {
  await db
    .insertInto('users')
    .values({ wallet_address: walletAddress })
    .onConflict((oc) => oc.column('wallet_address').doNothing())
    .execute();
}

export async function findUser(db: Executor, walletAddress: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('wallet_address', '=', walletAddress)
    .executeTakeFirst();
}

/** Serialises writes that check per-user limits (e.g. subscriptions per tier). */
export async function lockUser(db: Executor, walletAddress: string): Promise<void> {
  await db
    .selectFrom('users')
    .select('wallet_address')
    .where('wallet_address', '=', walletAddress)
    .forUpdate()
    .execute();
}

export interface UserSummary {
  wallet_address: string;
  created_at: Date;
  total_spent_usdc: string;
  language_preference: string;
  /** live (not deleted) subscriptions, and how many of them are active */
  subscriptions: number;
  active_subscriptions: number;
  /** settled payments */
  payments: number;
  /** the wallets that sign in to this account */
  wallets: string[];
}

/** Where a list of users stopped: the last row's created_at (to the microsecond) and address. */
export interface UserCursor {
  createdAt: string;
  address: string;
}

/**
 * Every account, newest first, with its subscription and payment counts (the operator
 * console); `search` matches a substring of the address or of a linked wallet.
 */
export async function listUsers(
  db: Executor,
  options: { limit: number; cursor?: UserCursor | undefined; search?: string | undefined },
): Promise<{ rows: UserSummary[]; next: UserCursor | null }> {
  let query = db
    .selectFrom('users as u')
    .select((eb) => [
      'u.wallet_address',
      'u.created_at',
      'u.total_spent_usdc',
      'u.language_preference',
      sql<string>`to_char(u.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as(
        'cursor_at',
      ),
      eb
        .selectFrom('subscriptions as s')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('s.user_address', '=', 'u.wallet_address')
        .where('s.deleted_at', 'is', null)
        .as('subscriptions'),
      eb
        .selectFrom('subscriptions as s')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('s.user_address', '=', 'u.wallet_address')
        .where('s.deleted_at', 'is', null)
        .where('s.active', '=', true)
        .as('active_subscriptions'),
      eb
        .selectFrom('payments as p')
        .select(eb.fn.countAll<string>().as('n'))
        .whereRef('p.user_address', '=', 'u.wallet_address')
        .where('p.status', '=', 'settled')
        .as('payments'),
      sql<
        string[]
      >`coalesce((SELECT array_agg(w.wallet_address ORDER BY w.created_at) FROM user_wallets w WHERE w.user_address = u.wallet_address), '{}')`.as(
        'wallets',
      ),
    ]);
  if (options.search) {
    const pattern = `%${options.search.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('u.wallet_address', 'like', pattern),
        sql<boolean>`EXISTS (SELECT 1 FROM user_wallets w WHERE w.user_address = u.wallet_address AND w.wallet_address LIKE ${pattern})`,
      ]),
    );
  }
  if (options.cursor) {
    const { createdAt, address } = options.cursor;
    query = query.where(
      sql<boolean>`(u.created_at, u.wallet_address) < (${createdAt}::timestamptz, ${address})`,
    );
  }
  const rows = await query
    .orderBy('u.created_at', 'desc')
    .orderBy('u.wallet_address', 'desc')
    .limit(options.limit + 1)
    .execute();
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    rows: page.map(({ cursor_at: _c, ...r }) => ({
      ...r,
      subscriptions: Number(r.subscriptions ?? 0),
      active_subscriptions: Number(r.active_subscriptions ?? 0),
      payments: Number(r.payments ?? 0),
    })),
    next:
      rows.length > options.limit && last
        ? { createdAt: last.cursor_at, address: last.wallet_address }
        : null,
  };
}
