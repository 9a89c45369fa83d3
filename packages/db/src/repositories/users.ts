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
