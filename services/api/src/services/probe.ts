import { audit, checkers, history, subscriptions, type Db } from '@lighthouse/db';
import {
  TARGET_TYPE_NAMES,
  describeTarget,
  fieldIssues,
  isTargetType,
  targetTypes,
  type TargetTypeName,
} from '@lighthouse/domain';
import { createRegionQueues, enqueue, type RegionQueues } from '@lighthouse/queue';
import { AppError } from '@lighthouse/shared';
import { declareDiscoveryExtension } from '@x402/extensions/bazaar';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AppContext } from '../context';
import { applyPayment, takePurchase, type TakenPayment } from './payments';
import { parseWhole, refuseUnreachable, regionList, targetColumns } from './subscriptions';

// A single check, sold over x402 to anyone (POST /v1/probe): the target is validated as a
// subscription's is, then the request is answered 402 with the terms until it carries a
// payment. A payment that reads, matches and verifies claims its nonce, the check runs at
// once from each region asked (through the regions' checkers, as a subscription of kind
// 'probe'), and the money moves only once every region answered.

export const PROBE_PATH = '/v1/probe';
/** How long past its own timeout a probe's results are waited for. */
export const PROBE_GRACE_MS = 10_000;
const POLL_MS = 100;
/** What a settlement may take after the check, in the authorization's validity. */
const SETTLE_MARGIN_SECONDS = 30;
const DEFAULT_TIMEOUT_MS = 10_000;

/** Target types a single check can run: a heartbeat is pushed, never checked from outside. */
export const PROBE_TARGET_TYPES = TARGET_TYPE_NAMES.filter((t) => t !== 'heartbeat');

export const probeRequestSchema = z.strictObject({
  target_type: z
    .string({ error: `is required: one of ${PROBE_TARGET_TYPES.join(', ')}` })
    .meta({ description: `one of ${PROBE_TARGET_TYPES.join(', ')}` }),
  target_config: z
    .record(z.string(), z.unknown(), { error: 'is required: the target, as for a subscription' })
    .meta({ description: "the target type's config, as for a subscription (Target_<type>)" }),
  regions: regionList('be left out')
    .optional()
    .meta({ description: 'where to check from (GET /v1/regions); default the instance’s own' }),
});

interface ValidProbe {
  type: TargetTypeName;
  config: Record<string, unknown>;
  regions: string[];
}

/** The request, checked as a subscription's target is: 400 naming the field, before any 402. */
export async function validateProbe(ctx: AppContext, body: unknown): Promise<ValidProbe> {
  const input = parseWhole(probeRequestSchema, body);
  const type = input.target_type;
  if (!isTargetType(type) || type === 'heartbeat') {
    throw AppError.validation([
      {
        field: 'target_type',
        message:
          type === 'heartbeat'
            ? 'a heartbeat is pushed to Lighthouse, not checked once from outside'
            : `unknown target type "${type}": one of ${PROBE_TARGET_TYPES.join(', ')}`,
      },
    ]);
  }
  const parsed = targetTypes[type].schema.safeParse(input.target_config);
  if (!parsed.success) throw AppError.validation(fieldIssues(parsed.error, ['target_config']));
  const config = parsed.data as Record<string, unknown>;
  const regions = input.regions ?? [ctx.config.DEFAULT_REGION];
  const live = await checkers.liveRegions(ctx.db, ctx.config.REGION_DARK_AFTER_SECONDS * 1000);
  const names = new Set(live.map((r) => r.region));
  const dark = regions.filter((r) => !names.has(r));
  if (dark.length > 0) {
    const message = `no live checker in ${dark.map((r) => `"${r}"`).join(', ')}: the regions with live checkers are ${
      live.length === 0 ? 'none' : live.map((r) => r.region).join(', ')
    } (GET /v1/regions)`;
    if (input.regions !== undefined) throw AppError.validation([{ field: 'regions', message }]);
    throw new AppError(
      'dependency_unavailable',
      `cannot check now, ${message}; nothing was charged`,
    );
  }
  await refuseUnreachable(ctx, type, config);
  return { type, config, regions };
}

/** The terms' discovery extension: what to send and what comes back, as JSON Schema. */
export function probeDiscovery(): Record<string, unknown> {
  const extensions = declareDiscoveryExtension({
    bodyType: 'json',
    input: {
      target_type: 'http',
      target_config: { url: 'https://example.com/health' },
      regions: ['local'],
    },
    inputSchema: z.toJSONSchema(probeRequestSchema, { io: 'input', unrepresentable: 'any' }),
    output: {
      example: {
        id: '8f7a0c8e-0000-4000-8000-000000000000',
        target_type: 'http',
        target: 'GET https://example.com/health',
        checked_at: '2026-12-06T12:00:00.000Z',
        results: [
          {
            region: 'local',
            status: 'up',
            http_status: 200,
            response_time_ms: 87,
            timings: { total: 87 },
            error_category: null,
            error_message: null,
            value: null,
            value_text: null,
          },
        ],
        payment: {
          id: '0e1d2c3b-0000-4000-8000-000000000000',
          amount_usdc: '0.001',
          network: 'eip155:8453',
          payer: '0x0000000000000000000000000000000000000001',
          transaction: `0x${'0'.repeat(64)}`,
        },
        proof: null,
      },
      schema: {
        type: 'object',
        required: ['id', 'target_type', 'target', 'checked_at', 'results', 'payment', 'proof'],
        properties: {
          // no `format`: the bazaar's validator knows none, and warns of each
          id: { type: 'string', description: 'a UUID' },
          target_type: { type: 'string' },
          target: { type: 'string' },
          checked_at: { type: 'string', description: 'ISO 8601' },
          results: {
            type: 'array',
            items: {
              type: 'object',
              required: ['region', 'status'],
              properties: {
                region: { type: 'string' },
                status: { enum: ['up', 'down', 'degraded'] },
                http_status: { type: ['integer', 'null'] },
                response_time_ms: { type: ['integer', 'null'] },
                error_category: { type: ['string', 'null'] },
                error_message: { type: ['string', 'null'] },
              },
            },
          },
          payment: { type: 'object' },
          proof: { type: ['object', 'null'] },
        },
      },
    },
  });
  const bazaar = extensions.bazaar as { info: { input: Record<string, unknown> } };
  // a resource server's bazaar extension fills the method in from the route: this is a POST
  bazaar.info.input.method = 'POST';
  return extensions;
}

const regionQueuesOf = new WeakMap<AppContext, RegionQueues>();

function regionQueues(ctx: AppContext): RegionQueues {
  let queues = regionQueuesOf.get(ctx);
  if (!queues) {
    queues = createRegionQueues({
      connection: ctx.redis,
      prefix: ctx.config.QUEUE_PREFIX,
      checks: ctx.queues.checks,
      onError: (queue, err) => ctx.logger.warn('queue error', { queue, error: err.message }),
    });
    regionQueuesOf.set(ctx, queues);
  }
  return queues;
}

/** The probe's rows once every region wrote its own, polled; undefined when time ran out. */
async function waitForRows(
  db: Db,
  id: string,
  slot: Date,
  regions: string[],
  waitMs: number,
): Promise<history.HistoryCheck[] | undefined> {
  for (let waited = 0; waited <= waitMs; waited += POLL_MS) {
    const { rows } = await history.listChecks(db, id, {
      limit: regions.length,
      from: slot,
      to: new Date(slot.getTime() + 1),
    });
    if (regions.every((r) => rows.some((row) => row.region === r))) {
      return regions.map((r) => rows.find((row) => row.region === r)!);
    }
    await sleep(POLL_MS);
  }
  return undefined;
}

export interface RanProbe {
  id: string;
  type: TargetTypeName;
  description: string;
  slot: Date;
  results: history.HistoryCheck[];
  payment: TakenPayment;
}

/**
 * Sells one check: 402 with the terms (and the bazaar's discovery) until the request pays;
 * then the check runs from each region, and the payment settles once every region answered.
 * A region that does not answer in time fails the request with nothing charged.
 */
export async function runPaidProbe(
  ctx: AppContext,
  probe: ValidProbe,
  request: { get: (header: string) => string | undefined; ip: string | null },
): Promise<RanProbe> {
  const { type, config, regions } = probe;
  const description = describeTarget(type, config);
  const price = ctx.config.X402_PROBE_PRICE_USDC;
  const timeout = typeof config.timeout_ms === 'number' ? config.timeout_ms : DEFAULT_TIMEOUT_MS;
  const waitMs = timeout + PROBE_GRACE_MS;
  let ran: Omit<RanProbe, 'payment'> | undefined;
  const payment = await takePurchase(
    ctx,
    request.get,
    {
      price,
      label: 'probe',
      purpose: 'probe',
      subscriptionId: null,
      resource: `${ctx.config.PUBLIC_URL.replace(/\/+$/, '')}${PROBE_PATH}`,
      description: `one check of a target from ${regions.length === 1 ? 'one region' : `${regions.length} regions`}, run now`,
      periodDays: 0,
      payer: null,
      details: { price_usdc: price, target_types: PROBE_TARGET_TYPES },
      extensions: probeDiscovery(),
      unconfigured: `a single check costs ${price} USDC, but this server does not take payments (X402_PAY_TO is not set)`,
      // the check and its wait, then the settlement
      minValiditySeconds: Math.ceil(waitMs / 1000) + SETTLE_MARGIN_SECONDS,
    },
    async (payer) => {
      // written deleted: no list, quota, schedule or status page sees it; its slot still runs
      const slot = new Date();
      const row = await subscriptions.insertSubscription(ctx.db, {
        user_address: payer,
        name: `probe: ${description}`.slice(0, 200),
        ...targetColumns(ctx, type, config),
        kind: 'probe',
        tier: 'probe',
        check_frequency_seconds: 60,
        next_check_at: slot,
        deleted_at: slot,
      });
      const queues = regionQueues(ctx);
      await Promise.all(
        regions.map((region) =>
          // at the head of the region's queue: someone is waiting for this one
          enqueue(
            { checks: queues.get(region) },
            'checks',
            [{ slots: [{ subscriptionId: row.id, scheduledAt: slot.toISOString() }] }],
            { lifo: true },
          ),
        ),
      );
      const results = await waitForRows(ctx.db, row.id, slot, regions, waitMs);
      if (!results) {
        throw new AppError(
          'dependency_unavailable',
          `no result from ${regions.join(', ')} within ${Math.round(waitMs / 1000)} s: the check did not run everywhere asked, and nothing was charged`,
          { logLevel: 'warn' },
        );
      }
      ran = { id: row.id, type, description, slot, results };
    },
  );
  if (!ran) throw new Error('unreachable: a settled probe ran');
  const done = ran;
  const actor: audit.AuditActor = {
    address: payment.payer.toLowerCase(),
    actor: 'x402',
    apiKeyId: null,
    ip: request.ip,
  };
  await ctx.db.transaction().execute(async (tx) => {
    await applyPayment(tx, payment, done.id, actor, 'probe');
    await audit.recordAudit(tx, {
      ...actor,
      action: 'probe.run',
      resourceType: 'probe',
      resourceId: done.id,
      details: {
        payment_id: payment.id,
        // no target: the audit log holds no target URL
        target_type: type,
        regions,
        statuses: done.results.map((r) => r.status),
      },
    });
  });
  ctx.logger.info('paid probe ran', {
    probe_id: done.id,
    payment_id: payment.id,
    target_type: type,
    regions,
  });
  return { ...done, payment };
}
