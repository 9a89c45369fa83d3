import { sql } from 'kysely';
import type { Executor } from '../connection';

export type PingStatus = 'up' | 'down';

/** Gives a heartbeat subscription its push token (by hash), replacing any earlier one. */
export async function setToken(
  db: Executor,
  subscriptionId: string,
  tokenHash: Buffer,
): Promise<void> {
  await db
    .insertInto('heartbeats')
    .values({ subscription_id: subscriptionId, token_hash: tokenHash })
    .onConflict((oc) =>
      oc
        .column('subscription_id')
        .doUpdateSet({ token_hash: tokenHash, token_rotated_at: sql<Date>`now()` }),
    )
    .execute();
}

/**
 * Records a ping for the push token with this hash, if it belongs to a subscription that is
 * not deleted. Returns that subscription's id, or undefined for an unknown token.
 */
export async function recordPing(
  db: Executor,
  tokenHash: Buffer,
  ping: { status: PingStatus; message: string | null; at?: Date },
): Promise<string | undefined> {
  const row = await db
    .updateTable('heartbeats as h')
    .from('subscriptions as s')
    .set({
      last_ping_at: ping.at ?? sql<Date>`now()`,
      last_status: ping.status,
      last_message: ping.message,
      ping_count: sql<string>`h.ping_count + 1`,
    })
    .whereRef('s.id', '=', 'h.subscription_id')
    .where('h.token_hash', '=', tokenHash)
    .where('s.deleted_at', 'is', null)
    .returning('h.subscription_id')
    .executeTakeFirst();
  return row?.subscription_id;
}

export interface HeartbeatState {
  /** when the push URL was first issued: a subscription never pinged is late from here */
  created_at: Date;
  last_ping_at: Date | null;
  last_status: PingStatus | null;
  last_message: string | null;
  /** the period within which a ping is expected */
  check_frequency_seconds: number;
}

/** What the checker needs at a slot: the last ping and the expected period. */
export async function findState(
  db: Executor,
  subscriptionId: string,
): Promise<HeartbeatState | undefined> {
  return db
    .selectFrom('heartbeats as h')
    .innerJoin('subscriptions as s', 's.id', 'h.subscription_id')
    .select([
      'h.created_at',
      'h.last_ping_at',
      'h.last_status',
      'h.last_message',
      's.check_frequency_seconds',
    ])
    .where('h.subscription_id', '=', subscriptionId)
    .executeTakeFirst();
}
