import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { PaymentPurpose } from '../schema';
import { newestFirst, type Cursor } from './keyset';

export interface PaymentClaim {
  userAddress: string;
  subscriptionId: string | null;
  tier: string;
  network: string;
  asset: string;
  payTo: string;
  payer: string;
  amountAtomic: bigint;
  amountUsdc: string;
  nonce: string;
  /** null when it never lapses in practice */
  validBefore: Date | null;
  settledVia: 'facilitator' | 'relayer';
  periodDays: number;
  purpose: PaymentPurpose;
  x402Version: number;
}

/**
 * Claims an authorization's nonce before it is settled: a 'pending' row. Returns its id,
 * or undefined when the nonce was seen before (settled, or being settled right now).
 */
export async function claimPayment(db: Executor, claim: PaymentClaim): Promise<string | undefined> {
  const row = await db
    .insertInto('payments')
    .values({
      user_address: claim.userAddress,
      subscription_id: claim.subscriptionId,
      tier: claim.tier,
      network: claim.network,
      asset: claim.asset,
      pay_to: claim.payTo,
      payer: claim.payer,
      amount_atomic: claim.amountAtomic.toString(),
      amount_usdc: claim.amountUsdc,
      nonce: claim.nonce,
      valid_before: claim.validBefore,
      settled_via: claim.settledVia,
      period_days: claim.periodDays,
      purpose: claim.purpose,
      x402_version: claim.x402Version,
      status: 'pending',
    })
    .onConflict((oc) => oc.column('nonce').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id;
}

/** Gives a claim back when its settlement certainly did not happen: the nonce is free again. */
export async function releasePayment(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('payments').where('id', '=', id).where('status', '=', 'pending').execute();
}

/** Notes the settlement's transaction on the claim as soon as it is known. */
export async function noteTransaction(db: Executor, id: string, txHash: string): Promise<void> {
  await db.updateTable('payments').set({ tx_hash: txHash }).where('id', '=', id).execute();
}

/**
 * Marks a claim settled for the subscription it paid for and adds it to the user's total;
 * run in the transaction that creates or extends the subscription.
 */
export async function completePayment(
  db: Executor,
  id: string,
  subscriptionId: string,
): Promise<void> {
  const row = await db
    .updateTable('payments')
    .set({ status: 'settled', settled_at: sql<Date>`now()`, subscription_id: subscriptionId })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .returning(['user_address', 'amount_usdc'])
    .executeTakeFirst();
  if (!row) throw new Error(`payment ${id} is not pending`);
  await db
    .updateTable('users')
    .set({ total_spent_usdc: sql`total_spent_usdc + ${row.amount_usdc}::numeric` })
    .where('wallet_address', '=', row.user_address)
    .execute();
}

export interface PaymentRow {
  id: string;
  subscription_id: string | null;
  tier: string;
  purpose: PaymentPurpose;
  status: 'pending' | 'settled';
  network: string;
  asset: string;
  pay_to: string;
  payer: string;
  amount_usdc: string;
  amount_atomic: string;
  nonce: string;
  tx_hash: string | null;
  settled_via: string;
  period_days: number;
  created_at: Date;
  settled_at: Date | null;
  user_address: string;
}

/**
 * The owner's payments (`null`: everyone's, for the operator console), newest first,
 * keyset-paged like subscriptions; optionally only those of one status.
 */
export async function listPayments(
  db: Executor,
  owner: string | null,
  options: {
    limit: number;
    cursor?: Cursor | undefined;
    status?: PaymentRow['status'] | undefined;
  },
): Promise<{ rows: PaymentRow[]; next: Cursor | null }> {
  let query = db
    .selectFrom('payments')
    .select([
      'id',
      'subscription_id',
      'tier',
      'purpose',
      'status',
      'network',
      'asset',
      'pay_to',
      'payer',
      'amount_usdc',
      'amount_atomic',
      'nonce',
      'tx_hash',
      'settled_via',
      'period_days',
      'created_at',
      'settled_at',
      'user_address',
    ]);
  if (owner !== null) query = query.where('user_address', '=', owner);
  if (options.status) query = query.where('status', '=', options.status);
  return newestFirst(query, options);
}

/** Payments still pending: claimed, their settlement neither confirmed nor refused. */
export async function countPending(db: Executor): Promise<number> {
  const row = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One payment, whoever paid it (the operator console). */
export async function findPayment(
  db: Executor,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<
  { id: string; status: PaymentRow['status']; user_address: string; nonce: string } | undefined
> {
  let query = db
    .selectFrom('payments')
    .select(['id', 'status', 'user_address', 'nonce'])
    .where('id', '=', id);
  if (options.forUpdate) query = query.forUpdate();
  return query.executeTakeFirst();
}
