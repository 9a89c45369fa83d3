import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { ApiKey, ApiKeyScope } from '../schema';

export async function insertNonce(db: Executor, nonce: string): Promise<void> {
  await db.insertInto('auth_nonces').values({ nonce }).execute();
}

/**
 * Marks a nonce used if it exists, is unused and younger than `maxAgeSeconds`.
 * Atomic: two concurrent sign-ins with one nonce cannot both succeed.
 */
export async function consumeNonce(
  db: Executor,
  nonce: string,
  maxAgeSeconds: number,
): Promise<boolean> {
  const row = await db
    .updateTable('auth_nonces')
    .set({ used_at: sql<Date>`now()` })
    .where('nonce', '=', nonce)
    .where('used_at', 'is', null)
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${maxAgeSeconds})`)
    .returning('nonce')
    .executeTakeFirst();
  return row !== undefined;
}

export async function deleteStaleNonces(db: Executor, olderThanSeconds: number): Promise<void> {
  await db
    .deleteFrom('auth_nonces')
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
    .execute();
}

export async function insertSession(
  db: Executor,
  session: { userAddress: string; tokenHash: Buffer; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      user_address: session.userAddress,
      token_hash: session.tokenHash,
      expires_at: session.expiresAt,
    })
    .execute();
}

/** The owner of a live (unexpired, unrevoked) session token. */
export async function findSessionOwner(
  db: Executor,
  tokenHash: Buffer,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('user_address')
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return row?.user_address;
}

/** The id of the session revoked; undefined when it was revoked already. */
export async function revokeSession(db: Executor, tokenHash: Buffer): Promise<string | undefined> {
  const row = await db
    .updateTable('sessions')
    .set({ revoked_at: sql<Date>`now()` })
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

export async function insertApiKey(
  db: Executor,
  key: { userAddress: string; name: string; scope: ApiKeyScope; prefix: string; keyHash: Buffer },
): Promise<ApiKey> {
  return db
    .insertInto('api_keys')
    .values({
      user_address: key.userAddress,
      name: key.name,
      scope: key.scope,
      prefix: key.prefix,
      key_hash: key.keyHash,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An API key's id, owner and scope, touching `last_used_at` at most once a minute. */
export async function useApiKey(
  db: Executor,
  keyHash: Buffer,
): Promise<{ id: string; userAddress: string; scope: ApiKeyScope } | undefined> {
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'user_address', 'scope', 'last_used_at'])
    .where('key_hash', '=', keyHash)
    .executeTakeFirst();
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
  }
  return { id: row.id, userAddress: row.user_address, scope: row.scope };
}

export async function listApiKeys(db: Executor, userAddress: string): Promise<ApiKey[]> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('user_address', '=', userAddress)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function deleteApiKey(
  db: Executor,
  userAddress: string,
  id: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('api_keys')
    .where('id', '=', id)
    .where('user_address', '=', userAddress)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}
