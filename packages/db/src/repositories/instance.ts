import { sql } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Db, Executor } from '../connection';
import { ensureUser } from './users';

/** The account that owns a self-hosted instance, if one was made. */
export async function findOwner(db: Executor): Promise<string | undefined> {
  const row = await db.selectFrom('instance_owner').select('user_address').executeTakeFirst();
  return row?.user_address;
}

/**
 * The owner's account, made on first use: an address of its own (random, with no key behind
 * it) so that everything an owner has sits under one account, like a wallet's; the owner
 * signs in with one-time links and may add wallets or API keys later. Safe to race: every
 * caller gets the one owner.
 */
export async function ensureOwner(db: Db): Promise<string> {
  const existing = await findOwner(db);
  if (existing) return existing;
  const address = `0x${randomBytes(20).toString('hex')}`;
  await db.transaction().execute(async (tx) => {
    await ensureUser(tx, address);
    await tx
      .insertInto('instance_owner')
      .values({ user_address: address })
      .onConflict((oc) => oc.column('singleton').doNothing())
      .execute();
  });
  const owner = await findOwner(db);
  if (!owner) throw new Error('the instance owner could not be recorded');
  return owner;
}

/** Whether an account has ever signed in (a session) or made an API key. */
export async function hasSignedIn(db: Executor, address: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select((eb) => [
      eb.exists(eb.selectFrom('sessions').select('id').where('user_address', '=', address)).as('s'),
      eb.exists(eb.selectFrom('api_keys').select('id').where('user_address', '=', address)).as('k'),
    ])
    .where('wallet_address', '=', address)
    .executeTakeFirst();
  return Boolean(row?.s) || Boolean(row?.k);
}

export async function insertSignInLink(
  db: Executor,
  link: { userAddress: string; tokenHash: Buffer; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sign_in_links')
    .values({
      token_hash: link.tokenHash,
      user_address: link.userAddress,
      expires_at: link.expiresAt,
    })
    .execute();
}

/**
 * Spends a sign-in link: the account it signs in to, if the link exists, is unused and has
 * not expired. Atomic: two requests with one link cannot both succeed.
 */
export async function consumeSignInLink(
  db: Executor,
  tokenHash: Buffer,
): Promise<string | undefined> {
  const row = await db
    .updateTable('sign_in_links')
    .set({ used_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .returning('user_address')
    .executeTakeFirst();
  return row?.user_address;
}

/** Links older than `days` (used or not) are of no use to anyone. */
export async function deleteStaleSignInLinks(db: Executor, days: number): Promise<void> {
  await db
    .deleteFrom('sign_in_links')
    .where('expires_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .execute();
}

/** The account a wallet signs in to when it was linked to one. */
export async function linkedAccount(db: Executor, wallet: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('user_wallets')
    .select('user_address')
    .where('wallet_address', '=', wallet)
    .executeTakeFirst();
  return row?.user_address;
}

export interface LinkedWallet {
  wallet_address: string;
  created_at: Date;
}

export async function listWallets(db: Executor, account: string): Promise<LinkedWallet[]> {
  return db
    .selectFrom('user_wallets')
    .select(['wallet_address', 'created_at'])
    .where('user_address', '=', account)
    .orderBy('created_at')
    .execute();
}

/** Links a wallet to an account; false when the wallet is linked already (to any account). */
export async function linkWallet(db: Executor, wallet: string, account: string): Promise<boolean> {
  const row = await db
    .insertInto('user_wallets')
    .values({ wallet_address: wallet, user_address: account })
    .onConflict((oc) => oc.column('wallet_address').doNothing())
    .returning('wallet_address')
    .executeTakeFirst();
  return row !== undefined;
}

export async function unlinkWallet(
  db: Executor,
  wallet: string,
  account: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('user_wallets')
    .where('wallet_address', '=', wallet)
    .where('user_address', '=', account)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
