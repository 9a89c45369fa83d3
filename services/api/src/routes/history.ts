import type {
  CanaryStep,
  Check,
  Incident,
  Metrics,
  MetricsSummary,
  Page,
} from '@lighthouse/contracts';
import { decodeCursor, encodeCursor, history, rollups, type Subscription } from '@lighthouse/db';
import {
  REGION_PATTERN,
  UNIT_MS,
  addCounts,
  bucketEnd,
  bucketStart,
  emptyCounts,
  dueSlots,
  summarize,
  type BucketUnit,
  type ScheduleChange,
} from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { principalOf, requireAuth } from '../http/auth';
import { parseInput, pathId } from '../http/validate';
import { getSubscription } from '../services/subscriptions';
import { listQuerySchema } from './subscriptions';

const DAY_MS = UNIT_MS.day;
/** Without `from`, metrics cover this much time before `to`. */
const DEFAULT_RANGE_MS = DAY_MS;
/** Ranges up to this long default to hourly buckets, longer ones to daily. */
const HOURLY_DEFAULT_MAX_DAYS = 7;
export const HOURLY_MAX_DAYS = 31;
export const RANGE_MAX_DAYS = 730;
export const CHECKS_MAX_LIMIT = 1_000;

export const BUCKETS = { '1h': 'hour', '1d': 'day' } as const satisfies Record<string, BucketUnit>;
type BucketName = keyof typeof BUCKETS;

const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 time with a zone, like 2026-01-31T00:00:00Z',
});

const REGION_RULE = 'must be a region name: 1-32 lower-case letters, digits and dashes';
const region = z.string({ error: REGION_RULE }).regex(REGION_PATTERN, REGION_RULE);

export const metricsQuerySchema = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  bucket: z.enum(['1h', '1d'], { error: 'must be 1h or 1d' }).optional(),
  region: region.optional(),
});

export const checksQuerySchema = z.object({
  from: isoTime.optional(),
  to: isoTime.optional(),
  region: region.optional(),
  limit: z.coerce
    .number({ error: `must be a whole number 1-${CHECKS_MAX_LIMIT}` })
    .int(`must be a whole number 1-${CHECKS_MAX_LIMIT}`)
    .min(1, `must be 1-${CHECKS_MAX_LIMIT}`)
    .max(CHECKS_MAX_LIMIT, `must be 1-${CHECKS_MAX_LIMIT}`)
    .default(100),
  cursor: z.string().max(512).optional(),
});

export const incidentsQuerySchema = listQuerySchema.extend({
  status: z.enum(['open', 'resolved'], { error: 'must be open or resolved' }).optional(),
});

const badCursor = () =>
  AppError.validation([{ field: 'cursor', message: 'is not a cursor from this list' }]);

/** The exact UTC times the repository puts in cursors; anything else was not issued here. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function readCursor(raw: string): { time: string; id: string } {
  const cursor = decodeCursor(raw);
  if (!cursor || !CURSOR_TIME.test(cursor.createdAt)) throw badCursor();
  return { time: cursor.createdAt, id: cursor.id };
}

/** A checks list's cursor: the (subscription_id, time, region) key of the last row shown. */
function checksCursor(id: string, at: history.CheckCursor): string {
  return Buffer.from(JSON.stringify([at.time, id, at.region])).toString('base64url');
}

/** A checks cursor of subscription `id`; one without a region (issued before regions) still reads. */
function readChecksCursor(raw: string, id: string): history.CheckCursor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  if (Array.isArray(value) && value.length === 3) {
    const [time, owner, at] = value as unknown[];
    if (
      typeof time === 'string' &&
      CURSOR_TIME.test(time) &&
      owner === id &&
      typeof at === 'string' &&
      REGION_PATTERN.test(at)
    ) {
      return { time, region: at };
    }
    throw badCursor();
  }
  const legacy = readCursor(raw);
  if (legacy.id !== id) throw badCursor();
  return { time: legacy.time };
}

/** The range a metrics request covers: `from` floored and `to` ceiled to the (UTC) bucket. */
export interface MetricsRange {
  from: Date;
  to: Date;
  bucket: BucketName;
  unit: BucketUnit;
  /** one region's figures; null: all regions together */
  region: string | null;
}

export function metricsRange(query: unknown, now: Date): MetricsRange {
  const q = parseInput(metricsQuerySchema, query);
  const to = q.to === undefined ? now : new Date(q.to);
  const from = q.from === undefined ? new Date(to.getTime() - DEFAULT_RANGE_MS) : new Date(q.from);
  const span = to.getTime() - from.getTime();
  if (span <= 0) throw AppError.validation([{ field: 'from', message: 'must be before to' }]);
  if (span > RANGE_MAX_DAYS * DAY_MS) {
    throw AppError.validation([
      { field: 'from', message: `must be at most ${RANGE_MAX_DAYS} days before to` },
    ]);
  }
  const bucket = q.bucket ?? (span <= HOURLY_DEFAULT_MAX_DAYS * DAY_MS ? '1h' : '1d');
  if (bucket === '1h' && span > HOURLY_MAX_DAYS * DAY_MS) {
    throw AppError.validation([
      {
        field: 'bucket',
        message: `1h buckets cover at most ${HOURLY_MAX_DAYS} days; ask for 1d or a shorter range`,
      },
    ]);
  }
  const unit = BUCKETS[bucket];
  return {
    from: bucketStart(from, unit),
    to: bucketEnd(to, unit),
    bucket,
    unit,
    region: q.region ?? null,
  };
}

export interface MetricsSeries extends MetricsSummary {
  series: Metrics['series'];
}

/**
 * Every bucket of the range that has begun by `now`, with what was checked and what was
 * due, so a stretch without checks shows as a gap (coverage 0, uptime null) rather than
 * as uptime; the whole range's figures merge the buckets. `regions` is how many regions
 * the buckets count (each checks every slot, so each slot is due that many times).
 */
export function metricsSeries(
  buckets: readonly rollups.Bucket[],
  log: readonly ScheduleChange[],
  range: MetricsRange,
  opts: { now: Date; expiresAt: Date | null; regions?: number },
): MetricsSeries {
  const byTime = new Map(buckets.map((b) => [b.time.getTime(), b]));
  const size = UNIT_MS[range.unit];
  const end = Math.min(range.to.getTime(), opts.now.getTime());
  const total = emptyCounts();
  let expected = 0;
  const series: MetricsSeries['series'] = [];
  for (let t = range.from.getTime(); t < end; t += size) {
    const counts = byTime.get(t) ?? emptyCounts();
    const due = dueSlots(counts, log, new Date(t), new Date(t + size), opts);
    addCounts(total, counts);
    expected += due;
    series.push({ time: new Date(t).toISOString(), ...summarize(counts, due) });
  }
  return { ...summarize(total, expected), series };
}

/** How many regions check a subscription: those it chose, or the instance's default one. */
export function regionCount(subscription: Pick<Subscription, 'regions'>): number {
  return Math.max(1, subscription.regions?.length ?? 1);
}

function checkJson(row: history.HistoryCheck): Check {
  return {
    time: row.time.toISOString(),
    status: row.status,
    http_status: row.http_status,
    response_time_ms: row.response_time_ms,
    timings: row.timings,
    error_category: row.error_category,
    error_message: row.error_message,
    schedule_lag_ms: row.schedule_lag_ms,
    region: row.region,
    maintenance: row.maintenance,
    confirmation: row.confirmation,
    value: row.value,
    value_text: row.value_text,
  };
}

/** A canary step; `step` counts from 1, as check errors name steps ("step 2 'login': …"). */
function stepJson(step: history.HistoryCanaryStep): CanaryStep {
  return {
    step: step.step_index + 1,
    name: step.step_name,
    // a step passes or fails: the checker records no degraded step
    status: step.status as CanaryStep['status'],
    http_status: step.http_status,
    response_time_ms: step.response_time_ms,
    timings: step.timings,
    error_category: step.error_category,
    error_message: step.error_message,
  };
}

function incidentJson(row: history.HistoryIncident, now: Date): Incident {
  const end = row.resolved_at ?? now;
  return {
    id: row.id,
    started_at: row.started_at.toISOString(),
    resolved_at: row.resolved_at?.toISOString() ?? null,
    open: row.resolved_at === null,
    duration_seconds: Math.max(0, Math.floor((end.getTime() - row.started_at.getTime()) / 1000)),
    error_category: row.error_category,
    error_message: row.error_message,
  };
}

/** An optional from/to pair of a list: from must come first. */
function timeFilter(q: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = q.from === undefined ? undefined : new Date(q.from);
  const to = q.to === undefined ? undefined : new Date(q.to);
  if (from && to && from.getTime() >= to.getTime()) {
    throw AppError.validation([{ field: 'from', message: 'must be before to' }]);
  }
  return { from, to };
}

const METRICS = '/v1/subscriptions/:id/metrics';
const CHECKS = '/v1/subscriptions/:id/checks';
const INCIDENTS = '/v1/subscriptions/:id/incidents';

/**
 * Metrics, raw checks and incidents of a subscription, for its owner only. Mount before
 * subscriptionRoutes, whose auth for every /v1/subscriptions path would otherwise run
 * first as well. Each handler validates its query first, then reads the subscription
 * (the ownership check, 404 when not the caller's) and the data concurrently.
 */
export function historyRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use([METRICS, CHECKS, INCIDENTS], requireAuth(ctx));
  const owned = (res: Response, id: string): Promise<Subscription> =>
    getSubscription(ctx, principalOf(res).address, id);

  router.get(METRICS, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const now = new Date();
    const range = metricsRange(req.query, now);
    const [subscription, byRegion, log] = await Promise.all([
      owned(res, id),
      rollups.regionBucketStats(ctx.db, id, range.from, range.to, range.unit),
      rollups.scheduleLog(ctx.db, id),
    ]);
    const buckets =
      range.region === null ? rollups.mergeRegions(byRegion) : (byRegion.get(range.region) ?? []);
    // each region checks every slot: all of them together are due once per region
    const regions = range.region === null ? regionCount(subscription) : 1;
    res.json({
      subscription_id: subscription.id,
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      bucket: range.bucket,
      region: range.region,
      regions: [...byRegion.keys()],
      ...metricsSeries(buckets, log, range, { now, expiresAt: subscription.expires_at, regions }),
    } satisfies Metrics);
  });

  router.get(CHECKS, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const q = parseInput(checksQuerySchema, req.query);
    const { from, to } = timeFilter(q);
    const before = q.cursor === undefined ? undefined : readChecksCursor(q.cursor, id);
    const [subscription, page] = await Promise.all([
      owned(res, id),
      history.listChecks(ctx.db, id, { limit: q.limit, from, to, before, region: q.region }),
    ]);
    // a canary's checks carry their steps (one more query, for canaries only)
    const steps =
      subscription.target_type === 'canary'
        ? await history.canarySteps(
            ctx.db,
            id,
            page.rows.map((r) => r.time),
          )
        : undefined;
    res.json({
      items: page.rows.map((row) =>
        steps === undefined
          ? checkJson(row)
          : {
              ...checkJson(row),
              steps: (steps.get(history.checkKey(row.time, row.region)) ?? []).map(stepJson),
            },
      ),
      next_cursor: page.next === null ? null : checksCursor(id, page.next),
    } satisfies Page<Check>);
  });

  router.get(INCIDENTS, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const q = parseInput(incidentsQuerySchema, req.query);
    let cursor: history.IncidentCursor | undefined;
    if (q.cursor !== undefined) {
      const decoded = readCursor(q.cursor);
      cursor = { startedAt: decoded.time, id: decoded.id };
    }
    const [, page] = await Promise.all([
      owned(res, id),
      history.listIncidents(ctx.db, id, { limit: q.limit, status: q.status, cursor }),
    ]);
    const now = new Date();
    res.json({
      items: page.rows.map((row) => incidentJson(row, now)),
      next_cursor: page.next
        ? encodeCursor({ createdAt: page.next.startedAt, id: page.next.id })
        : null,
    } satisfies Page<Incident>);
  });

  return router;
}
