import type { ProbeResult } from '@lighthouse/contracts';
import { AppError } from '@lighthouse/shared';
import { Router } from 'express';
import type { AppContext } from '../context';
import { rateLimitsOf } from '../http/rate-limit';
import { PROBE_PATH, runPaidProbe, validateProbe } from '../services/probe';
import { recordsReport } from './records';

/**
 * `POST /v1/probe`: one check of any target, now, for anyone who pays over x402 (service mode
 * only). Bad input is a 400 before any terms are given; then 402 until the request pays.
 */
export function probeRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);

  router.post(PROBE_PATH, limits.probes, async (req, res) => {
    if (ctx.config.LIGHTHOUSE_MODE !== 'service') {
      throw new AppError(
        'not_found',
        'single paid checks are sold in service mode only: on a self-hosted Lighthouse, add a subscription instead',
      );
    }
    const probe = await validateProbe(ctx, req.body);
    const ran = await runPaidProbe(ctx, probe, {
      get: (name) => req.get(name),
      ip: req.ip ?? null,
    });
    const proof = await recordsReport(
      ctx,
      { id: ran.id, name: `probe: ${ran.description}`, check_frequency_seconds: 60 },
      { kind: 'proof', from: ran.slot, to: new Date(ran.slot.getTime() + 1) },
    );
    res.set('PAYMENT-RESPONSE', ran.payment.responseHeader).json({
      id: ran.id,
      target_type: ran.type,
      target: ran.description,
      checked_at: ran.slot.toISOString(),
      results: ran.results.map((r) => ({
        region: r.region,
        status: r.status,
        http_status: r.http_status,
        response_time_ms: r.response_time_ms,
        timings: r.timings,
        error_category: r.error_category,
        error_message: r.error_message,
        value: r.value,
        value_text: r.value_text,
      })),
      payment: {
        id: ran.payment.id,
        amount_usdc: ran.payment.amountUsdc,
        network: ran.payment.network,
        payer: ran.payment.payer,
        transaction: ran.payment.transaction,
      },
      proof: proof.rows.length === 0 ? null : proof,
    } satisfies ProbeResult);
  });

  return router;
}
