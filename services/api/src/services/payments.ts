import {
  audit,
  payments,
  subscriptions,
  users,
  type Executor,
  type PaymentPurpose,
  type Subscription,
} from '@lighthouse/db';
import type { Tier } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import { encodePaymentResponseHeader } from '@x402/core/http';
import { formatUnits } from 'ethers';
import type { AppContext } from '../context';
import { PaymentRefused, SettlementFailed, settlerFor, type Settler } from '../payments/settle';
import {
  checkPayment,
  paymentRequiredError,
  PERIOD_DAYS,
  readPayment,
  requirementsAt,
  x402Settings,
  type X402Settings,
} from '../payments/x402';

/** 9999-12-31T23:59:59Z in seconds */
const LAST_TIMESTAMP = 253_402_300_799n;

interface Payments {
  settings: X402Settings | null;
  settler: Settler | undefined;
}

const built = new WeakMap<AppContext, Payments>();

/** The server's payment terms and how it settles, built once per context. */
export function paymentsOf(ctx: AppContext): Payments {
  let p = built.get(ctx);
  if (!p) {
    const settings = x402Settings(ctx.config);
    p = { settings, settler: settings ? settlerFor(ctx.config, settings) : undefined };
    built.set(ctx, p);
  }
  return p;
}

/** What a request is buying. */
export interface PaymentTerms {
  tier: Tier;
  purpose: PaymentPurpose;
  /** the subscription renewed or upgraded; null for a new one */
  subscriptionId: string | null;
  /** the URL path paid for, shown to the payer */
  resource: string;
}

/** A settled payment that still has to be applied (see {@link applyPayment}). */
export interface TakenPayment {
  id: string;
  tier: string;
  amountUsdc: string;
  transaction: string;
  network: string;
  payer: string;
  periodDays: number;
  /** the `PAYMENT-RESPONSE` header for the answer */
  responseHeader: string;
}

function describeTerms(terms: PaymentTerms): string {
  const what =
    terms.purpose === 'create'
      ? 'a new subscription'
      : terms.purpose === 'renew'
        ? 'renewing a subscription'
        : 'moving a subscription';
  return `${what} on the ${terms.tier.name} tier for ${PERIOD_DAYS} days`;
}

/**
 * Takes the payment a request carries for a tier's period, or answers 402 with the terms.
 * The payer must be `owner`. See {@link takePurchase}.
 */
export async function takePayment(
  ctx: AppContext,
  get: (header: string) => string | undefined,
  owner: string,
  terms: PaymentTerms,
): Promise<TakenPayment> {
  const { tier } = terms;
  return takePurchase(ctx, get, {
    price: tier.price_usdc_per_30_days,
    label: tier.name,
    purpose: terms.purpose,
    subscriptionId: terms.subscriptionId,
    resource: terms.resource,
    description: describeTerms(terms),
    periodDays: PERIOD_DAYS,
    payer: owner,
    details: {
      tier: tier.name,
      price_usdc_per_30_days: tier.price_usdc_per_30_days,
      period_days: PERIOD_DAYS,
    },
    unconfigured: `the ${tier.name} tier costs ${tier.price_usdc_per_30_days} USDC per ${PERIOD_DAYS} days, but this server does not take payments (X402_PAY_TO is not set); only free tiers can be used here`,
  });
}

/** Something sold over x402: a tier's period, or one single check. */
export interface Purchase {
  /** in whole units of the asset */
  price: string;
  /** what the payment row's `tier` names: the tier, or `probe` */
  label: string;
  purpose: PaymentPurpose;
  subscriptionId: string | null;
  /** the URL paid for, shown to the payer */
  resource: string;
  /** one line, in the terms and the 402's message */
  description: string;
  periodDays: number;
  /** the wallet that must pay (lower case); null: any */
  payer: string | null;
  /** more of the 402's `details` */
  details: Record<string, unknown>;
  /** x402 extensions of the terms (the bazaar's discovery) */
  extensions?: Record<string, unknown>;
  /** the 402's message when this server takes no payments */
  unconfigured: string;
  /** how long the authorization must stay valid: `work` runs before it is settled */
  minValiditySeconds?: number;
}

/**
 * Takes the payment a request carries for `purchase`, or answers 402 with the terms: reads
 * `PAYMENT-SIGNATURE` (or v1 `X-PAYMENT`), checks it, claims its nonce, verifies it, runs
 * `work` (what is paid for, when it must happen before the money moves), then settles. On any
 * failure nothing stays recorded (a failing `work` frees the nonce, and its error is thrown),
 * except a settlement whose outcome is unknown, which stays claimed ('pending') for
 * reconciliation.
 */
export async function takePurchase(
  ctx: AppContext,
  get: (header: string) => string | undefined,
  purchase: Purchase,
  work?: (payer: string) => Promise<void>,
): Promise<TakenPayment> {
  const { settings, settler } = paymentsOf(ctx);
  if (!settings || !settler) {
    throw new AppError('payment_required', purchase.unconfigured, {
      details: { reason: 'payments_not_configured', ...purchase.details },
    });
  }
  const { description } = purchase;
  const demand = (message: string, reason?: string) =>
    paymentRequiredError({
      price: purchase.price,
      settings,
      resource: purchase.resource,
      description,
      message,
      details: purchase.details,
      ...(purchase.extensions ? { extensions: purchase.extensions } : {}),
      ...(reason ? { reason } : {}),
    });
  const refuse = (message: string, reason: string) => {
    ctx.metrics.payments.inc({ outcome: 'refused', via: settler.via });
    return demand(`payment refused: ${message}`, reason);
  };
  const payment = readPayment(get);
  if (!payment) {
    throw demand(
      `${description} costs ${purchase.price} USDC: pay over x402 (the terms are in the PAYMENT-REQUIRED header) and send the request again with PAYMENT-SIGNATURE`,
    );
  }
  const requirements = requirementsAt(purchase.price, settings);
  const rejection = checkPayment(payment, requirements, settings);
  if (rejection) throw refuse(rejection.message, rejection.reason);
  const a = payment.authorization;
  const lasts = purchase.minValiditySeconds ?? 0;
  if (a.validBefore < BigInt(Math.ceil(Date.now() / 1000 + lasts))) {
    throw refuse(
      `the authorization must stay valid for ${lasts} s (validBefore), while the work paid for runs and the payment settles`,
      'authorization_too_short',
    );
  }
  const payer = a.from.toLowerCase();
  if (purchase.payer !== null && payer !== purchase.payer) {
    throw refuse(
      `it must come from the signed-in wallet ${purchase.payer}, not ${a.from}`,
      'payer_mismatch',
    );
  }

  // the payments row names a user: an anonymous payer becomes one by paying
  if (purchase.payer === null) await users.ensureUser(ctx.db, payer);
  const id = await payments.claimPayment(ctx.db, {
    userAddress: purchase.payer ?? payer,
    subscriptionId: purchase.subscriptionId,
    tier: purchase.label,
    network: settings.network,
    asset: settings.asset,
    payTo: settings.payTo,
    payer,
    amountAtomic: a.value,
    amountUsdc: formatUnits(a.value, settings.decimals),
    nonce: a.nonce,
    // uint256 seconds: beyond what a timestamp holds, it never lapses
    validBefore: a.validBefore <= LAST_TIMESTAMP ? new Date(Number(a.validBefore) * 1000) : null,
    settledVia: settler.via,
    periodDays: purchase.periodDays,
    purpose: purchase.purpose,
    x402Version: payment.x402Version,
  });
  if (!id) {
    throw refuse('this authorization was already used', 'nonce_used');
  }
  let transaction: string;
  try {
    await settler.verify(payment, requirements);
    if (work) {
      try {
        await work(payer);
      } catch (err) {
        // what was paid for did not happen: nothing is charged
        await payments.releasePayment(ctx.db, id);
        throw new WorkFailed(err);
      }
    }
    ({ transaction } = await settler.settle(payment, requirements, (hash) =>
      payments.noteTransaction(ctx.db, id, hash),
    ));
  } catch (err) {
    if (err instanceof WorkFailed) throw err.cause;
    const settled = err instanceof SettlementFailed ? err.settled : 'no';
    const cause = err instanceof SettlementFailed ? err.error : err;
    if (!(cause instanceof PaymentRefused)) {
      ctx.metrics.payments.inc({
        outcome: settled === 'unknown' ? 'unknown' : 'unavailable',
        via: settler.via,
      });
    }
    if (settled === 'no') await payments.releasePayment(ctx.db, id);
    else {
      ctx.logger.error('payment settlement outcome unknown; claim kept for reconciliation', {
        payment_id: id,
        payer: a.from,
      });
    }
    if (cause instanceof PaymentRefused) throw refuse(cause.message, cause.reason);
    throw cause;
  }
  ctx.metrics.payments.inc({ outcome: 'settled', via: settler.via });
  ctx.logger.info('payment settled', {
    payment_id: id,
    tier: purchase.label,
    purpose: purchase.purpose,
    via: settler.via,
    transaction,
  });
  return {
    id,
    tier: purchase.label,
    amountUsdc: formatUnits(a.value, settings.decimals),
    transaction,
    network: settings.network,
    payer: a.from,
    periodDays: purchase.periodDays,
    responseHeader: encodePaymentResponseHeader({
      success: true,
      transaction,
      network: settings.network as `${string}:${string}`,
      payer: a.from,
    }),
  };
}

/** The paid-for work failed: its error, carried past the settlement's error handling. */
class WorkFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('the paid work failed');
  }
}

/**
 * In the transaction that creates, renews or moves the subscription: the claim turns
 * settled, the user's total grows, and the audit log says who paid for what.
 */
export async function applyPayment(
  tx: Executor,
  payment: TakenPayment,
  subscriptionId: string,
  actor: audit.AuditActor,
  purpose: PaymentPurpose,
): Promise<void> {
  await payments.completePayment(tx, payment.id, subscriptionId);
  await audit.recordAudit(tx, {
    ...actor,
    action: 'payment.settle',
    resourceType: 'payment',
    resourceId: payment.id,
    details: {
      subscription_id: subscriptionId,
      purpose,
      tier: payment.tier,
      amount_usdc: payment.amountUsdc,
      network: payment.network,
      transaction: payment.transaction,
    },
  });
}

/** A paid period added to what is left: from now, or from the current end if later. */
export function extendedExpiry(current: Date | null, days: number, now = new Date()): Date {
  const from = current && current.getTime() > now.getTime() ? current : now;
  return new Date(from.getTime() + days * 86_400_000);
}

/** Pays for another period of a subscription's paid tier. */
export async function renewSubscription(options: {
  ctx: AppContext;
  actor: audit.AuditActor;
  id: string;
  get: (header: string) => string | undefined;
}): Promise<{ row: Subscription; payment: TakenPayment }> {
  const { ctx, actor, id } = options;
  const current = await subscriptions.findOwnedSubscription(ctx.db, actor.address, id);
  if (!current) throw AppError.notFound('subscription');
  const tier = ctx.tiers.get(current.tier);
  if (!tier) {
    throw new AppError(
      'conflict',
      `the ${current.tier} tier is no longer offered; move the subscription to another tier with PATCH`,
    );
  }
  if (!tier.paid) {
    throw new AppError(
      'conflict',
      `the ${tier.name} tier is free and never expires; there is nothing to renew`,
    );
  }
  const payment = await takePayment(ctx, options.get, actor.address, {
    tier,
    purpose: 'renew',
    subscriptionId: id,
    resource: `/v1/subscriptions/${id}/renew`,
  });
  const row = await ctx.db.transaction().execute(async (tx) => {
    const locked = await subscriptions.findOwnedSubscription(tx, actor.address, id, {
      forUpdate: true,
    });
    // paid for: applied even if the subscription was deleted meanwhile, so nothing is lost
    const base = locked ?? current;
    const now = new Date();
    const expired = base.expires_at !== null && base.expires_at.getTime() <= now.getTime();
    const updated = await subscriptions.updateSubscription(tx, id, {
      expires_at: extendedExpiry(base.expires_at, payment.periodDays, now),
      // an expired subscription is checked again at once
      ...(expired ? { next_check_at: now } : {}),
    });
    await applyPayment(tx, payment, id, actor, 'renew');
    await audit.recordAudit(tx, {
      ...actor,
      action: 'subscription.renew',
      resourceType: 'subscription',
      resourceId: id,
      details: { tier: tier.name, expires_at: updated.expires_at?.toISOString() ?? null },
    });
    return updated;
  });
  return { row, payment };
}

/**
 * Discards a payment left pending (its settlement neither confirmed nor refused, say the api
 * died mid-way), which frees its authorization's nonce: the operator console's way out, once
 * the operator has checked the chain and found no transfer. Audited in the payer's log, naming
 * the operator; 409 once it settled.
 */
export async function discardPayment(
  ctx: AppContext,
  actor: audit.AuditActor,
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const row = await payments.findPayment(tx, id, { forUpdate: true });
    if (!row) throw AppError.notFound('payment');
    if (row.status !== 'pending') {
      throw new AppError('conflict', 'only a pending payment can be discarded; this one settled');
    }
    await payments.releasePayment(tx, id);
    await audit.recordAudit(tx, {
      ...actor,
      address: row.user_address,
      action: 'payment.discard',
      resourceType: 'payment',
      resourceId: id,
      details: { operator: actor.address, nonce: row.nonce },
    });
  });
}
