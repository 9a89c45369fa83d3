import { records, statusPages, subscriptions } from '@lighthouse/db';
import { REGION_PATTERN } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import { buildReport, type RecordsReport, type StoredBatch } from '@lighthouse/verify';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { principalOf, requireAuth } from '../http/auth';
import { rateLimitsOf } from '../http/rate-limit';
import { parseInput, pathId } from '../http/validate';

const DAY_MS = 86_400_000;
/** An SLA report without `from` covers this much before `to`. */
const DEFAULT_REPORT_DAYS = 30;
/** the longest period one report covers */
export const REPORT_MAX_DAYS = 400;
/** the most records one report holds (a month of a 1-minute monitor from two regions is 86,400) */
export const REPORT_MAX_ROWS = 100_000;
const ANCHORS_MAX_LIMIT = 1_000;

const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with a zone, like 2026-01-31T00:00:00Z',
});
const REGION_RULE = 'must be a region name: 1-32 lower-case letters, digits and dashes';

const reportQuerySchema = z.object({ from: isoTime.optional(), to: isoTime.optional() });
const proofQuerySchema = z.object({
  region: z.string({ error: REGION_RULE }).regex(REGION_PATTERN, REGION_RULE).optional(),
});
const anchorsQuerySchema = z.object({
  before: isoTime.optional(),
  limit: z.coerce
    .number({ error: `must be a whole number 1-${ANCHORS_MAX_LIMIT}` })
    .int(`must be a whole number 1-${ANCHORS_MAX_LIMIT}`)
    .min(1, `must be 1-${ANCHORS_MAX_LIMIT}`)
    .max(ANCHORS_MAX_LIMIT, `must be 1-${ANCHORS_MAX_LIMIT}`)
    .default(100),
});

export interface Readable {
  id: string;
  name: string;
  check_frequency_seconds: number;
}

/**
 * Verifiable records: the probes' signing addresses and the hours' roots (public), and a
 * subscription's proofs and SLA reports, for its owner or for anyone when it is on a published
 * status page. Mount before subscriptionRoutes, whose auth covers every /v1/subscriptions path.
 */
export function recordsRoutes(ctx: AppContext): Router {
  const router = Router();
  const auth = requireAuth(ctx);
  const limits = rateLimitsOf(ctx);

  /** The caller's subscription, or a published one; 404 otherwise (a bad token is a 401). */
  const readable = async (req: Request, res: Response, id: string): Promise<Readable> => {
    if (req.get('authorization')) {
      await auth(req, res, () => undefined);
      const owned = await subscriptions.findOwnedSubscription(ctx.db, principalOf(res).address, id);
      if (owned) return owned;
    }
    const published = await statusPages.findPublishedSubscription(ctx.db, id);
    if (!published) throw AppError.notFound('subscription');
    return published;
  };

  router.get('/v1/probes', async (_req, res) => {
    const probes = await records.listProbes(ctx.db);
    res.set('Cache-Control', 'no-store').json({ items: probes.map(probeJson), next_cursor: null });
  });

  router.get('/v1/anchors', async (req, res) => {
    const q = parseInput(anchorsQuerySchema, req.query);
    const rows = await records.listAnchors(ctx.db, {
      limit: q.limit + 1,
      ...(q.before ? { before: new Date(q.before) } : {}),
    });
    const items = rows.slice(0, q.limit).map((a) => ({
      ...anchorJson(a),
      published_at: a.published_at?.toISOString() ?? null,
      last_error: a.last_error,
    }));
    res.json({
      instance: await records.instanceId(ctx.db),
      items,
      next_cursor: rows.length > q.limit ? items[items.length - 1]!.hour : null,
    });
  });

  router.get('/v1/subscriptions/:id/checks/:time/proof', limits.reports, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    // whose it is first: a stranger learns nothing, not even that the slot was malformed
    const subscription = await readable(req, res, id);
    const time = parseInput(z.object({ time: isoTime }), { time: req.params.time }).time;
    const q = parseInput(proofQuerySchema, req.query);
    const at = new Date(time);
    const report = await recordsReport(ctx, subscription, {
      kind: 'proof',
      from: at,
      to: new Date(at.getTime() + 1),
      ...(q.region ? { region: q.region } : {}),
    });
    if (report.rows.length === 0) throw AppError.notFound('signed check');
    res.json(report);
  });

  router.get('/v1/subscriptions/:id/sla-report', limits.reports, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const q = parseInput(reportQuerySchema, req.query);
    const to = q.to === undefined ? new Date() : new Date(q.to);
    const from =
      q.from === undefined
        ? new Date(to.getTime() - DEFAULT_REPORT_DAYS * DAY_MS)
        : new Date(q.from);
    if (from.getTime() >= to.getTime()) {
      throw AppError.validation([{ field: 'from', message: 'must be before to' }]);
    }
    if (to.getTime() - from.getTime() > REPORT_MAX_DAYS * DAY_MS) {
      throw AppError.validation([
        { field: 'from', message: `must be at most ${REPORT_MAX_DAYS} days before to` },
      ]);
    }
    const subscription = await readable(req, res, id);
    const report = await recordsReport(ctx, subscription, { kind: 'sla-report', from, to });
    res
      .set(
        'Content-Disposition',
        `attachment; filename="lighthouse-sla-${id}-${from.toISOString().slice(0, 10)}.json"`,
      )
      .json(report);
  });

  return router;
}

/** A report of a subscription's signed records in [from, to), with everything to verify it. */
export async function recordsReport(
  ctx: AppContext,
  subscription: Readable,
  q: { kind: RecordsReport['kind']; from: Date; to: Date; region?: string },
): Promise<RecordsReport> {
  const rows = await records.signedRows(ctx.db, {
    subscriptionId: subscription.id,
    from: q.from,
    to: q.to,
    limit: REPORT_MAX_ROWS + 1,
    ...(q.region ? { region: q.region } : {}),
  });
  if (rows.length > REPORT_MAX_ROWS) {
    throw AppError.validation([
      {
        field: 'from',
        message: `the period holds more than ${REPORT_MAX_ROWS} records: ask for a shorter one`,
      },
    ]);
  }
  const ids = [...new Set(rows.map((r) => String(r.batch_id)))];
  const [stored, unsigned, probes, instance] = await Promise.all([
    records.batchesByIds(ctx.db, ids),
    records.unsignedCount(ctx.db, { subscriptionId: subscription.id, from: q.from, to: q.to }),
    records.listProbes(ctx.db),
    records.instanceId(ctx.db),
  ]);
  const hours = [
    ...new Set(stored.flatMap((b) => (b.anchor_hour ? [b.anchor_hour.getTime()] : []))),
  ].map((t) => new Date(t));
  const anchors = await records.anchorsAt(ctx.db, hours);
  const batches = new Map<string, StoredBatch>(
    stored.map((b) => [
      b.id,
      {
        id: b.id,
        probe: b.probe,
        region: b.region,
        root: b.root,
        sealed_at: b.sealed_at.getTime(),
        signature: b.signature,
        leafHashes: () => records.unpack(b.leaves),
        hour: b.anchor_hour?.toISOString() ?? null,
        hour_path: b.hour_path,
      },
    ]),
  );
  return buildReport({
    kind: q.kind,
    instance,
    subscription: {
      id: subscription.id,
      name: subscription.name,
      interval_seconds: subscription.check_frequency_seconds,
    },
    from: q.from,
    to: q.to,
    rows: rows.map((r) => ({
      time: r.time.toISOString(),
      region: r.region,
      status: r.status,
      http_status: r.http_status,
      response_time_ms: r.response_time_ms,
      error_category: r.error_category,
      batch_id: String(r.batch_id),
      leaf_index: r.leaf_index ?? 0,
    })),
    batches,
    unsigned,
    probes: probes.map(probeJson),
    anchors: anchors.map(anchorJson),
  });
}

function probeJson(p: records.ProbeRow) {
  return {
    address: p.address,
    region: p.region,
    first_seen: p.first_seen.toISOString(),
    last_seen: p.last_seen.toISOString(),
  };
}

function anchorJson(a: records.AnchorRow) {
  return {
    hour: a.hour.toISOString(),
    root: a.root,
    batches: a.batches,
    chain_id: a.chain_id,
    contract: a.contract,
    tx_hash: a.tx_hash as `0x${string}` | null,
    block_number: a.block_number,
  };
}
