import { z } from 'zod';
import { page, time, uuid } from './common';
import { PAYMENT_PURPOSES, PAYMENT_STATUSES } from './enums';

/** An x402 payment, as its payer sees it. */
export const payment = z.object({
  id: uuid,
  subscription_id: uuid.nullable(),
  tier: z.string(),
  purpose: z.enum(PAYMENT_PURPOSES),
  status: z.enum(PAYMENT_STATUSES).meta({
    description: 'pending: the settlement outcome is unknown, held for reconciliation',
  }),
  amount_usdc: z.string().meta({ description: 'decimal USDC, e.g. "20.000000"' }),
  amount_atomic: z.string().meta({ description: "in the token's smallest unit" }),
  network: z.string().meta({ description: 'CAIP-2, e.g. eip155:43113' }),
  asset: z.string(),
  pay_to: z.string(),
  payer: z.string(),
  nonce: z.string(),
  transaction: z.string().nullable(),
  settled_via: z.string(),
  period_days: z.int(),
  created_at: time,
  settled_at: time.nullable(),
});
export type Payment = z.output<typeof payment>;

export const paymentPage = page(payment);
