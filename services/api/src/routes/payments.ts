import type { Page, Payment, Subscription } from '@lighthouse/contracts';
import { decodeCursor, encodeCursor, maintenance, payments, type PaymentRow } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router } from 'express';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth } from '../http/auth';
import { rateLimitsOf } from '../http/rate-limit';
import { parseInput, pathId } from '../http/validate';
import { renewSubscription } from '../services/payments';
import { subscriptionJson } from '../services/subscriptions';
import { listQuerySchema } from './subscriptions';

export function paymentJson(row: PaymentRow): Payment {
  return {
    id: row.id,
    subscription_id: row.subscription_id,
    tier: row.tier,
    purpose: row.purpose,
    status: row.status,
    amount_usdc: row.amount_usdc,
    amount_atomic: row.amount_atomic,
    network: row.network,
    asset: row.asset,
    pay_to: row.pay_to,
    payer: row.payer,
    nonce: row.nonce,
    transaction: row.tx_hash,
    settled_via: row.settled_via,
    period_days: row.period_days,
    created_at: row.created_at.toISOString(),
    settled_at: row.settled_at?.toISOString() ?? null,
  };
}

export function paymentRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  const authenticated = requireAuth(ctx);

  router.get('/v1/payments', authenticated, async (req, res) => {
    const query = parseInput(listQuerySchema, req.query);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    }
    const page = await payments.listPayments(ctx.db, principalOf(res).address, {
      limit: query.limit,
      cursor,
    });
    res.json({
      items: page.rows.map(paymentJson),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    } satisfies Page<Payment>);
  });

  // Another period of a paid tier, paid over x402: 402 with the terms, then the same
  // request with PAYMENT-SIGNATURE. The period is added to what is left.
  router.post('/v1/subscriptions/:id/renew', authenticated, limits.create, async (req, res) => {
    const { row, payment } = await renewSubscription({
      ctx,
      actor: actorOf(req, res),
      id: pathId(String(req.params.id), 'subscription'),
      get: (name) => req.get(name),
    });
    const windows = await maintenance.windowsFor(ctx.db, [row.id]);
    res.set('PAYMENT-RESPONSE', payment.responseHeader).json({
      ...subscriptionJson(row, windows.get(row.id) ?? [], {
        defaultRegion: ctx.config.DEFAULT_REGION,
      }),
      payment_id: payment.id,
    } satisfies Subscription);
  });

  return router;
}
