import { z } from 'zod';
import { page, time, uuid } from './common';
import { CHECK_STATUSES, PAYMENT_PURPOSES, PAYMENT_STATUSES } from './enums';

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

/** One region's result of a paid single check. */
export const probeCheck = z.object({
  region: z.string(),
  status: z.enum(CHECK_STATUSES),
  http_status: z.int().nullable(),
  response_time_ms: z.int().nullable(),
  timings: z.record(z.string(), z.number()).nullable(),
  error_category: z.string().nullable(),
  error_message: z.string().nullable(),
  value: z.number().nullable(),
  value_text: z.string().nullable(),
});

/** What a paid single check (POST /v1/probe) answers: its results, the payment, the proof. */
export const probeResult = z.object({
  id: uuid.meta({ description: 'the probe: its payment names it, and its proof' }),
  target_type: z.string(),
  target: z.string().meta({ description: 'the target in one line, secrets masked' }),
  checked_at: time.meta({ description: 'the slot every region checked' }),
  results: z.array(probeCheck).meta({ description: 'one per region, in the order asked' }),
  payment: z.object({
    id: uuid,
    amount_usdc: z.string(),
    network: z.string(),
    payer: z.string(),
    transaction: z.string(),
  }),
  proof: z.unknown().nullable().meta({
    description:
      'a records report of kind `proof` (the signed rows, their batches and probes), for lighthouse-verify; null when the rows were not signed',
  }),
});
export type ProbeResult = z.output<typeof probeResult>;
