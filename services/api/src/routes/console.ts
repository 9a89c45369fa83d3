import {
  QUEUE_JOB_STATES,
  type Checker,
  type ConsoleRegion,
  type ConsolePayment,
  type ConsoleUser,
  type Overview,
  type Page,
  type QueueCounts,
  type Subscription,
  type WholeList,
} from '@lighthouse/contracts';
import {
  checkers,
  decodeCursor,
  encodeCursor,
  instance,
  maintenance,
  payments,
  pingDb,
  storage,
  subscriptions,
  users,
  type StorageReport,
} from '@lighthouse/db';
import { pingRedis } from '@lighthouse/queue';
import { AppError, checkDependencies } from '@lighthouse/shared';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth } from '../http/auth';
import { parseInput, pathId } from '../http/validate';
import { isOperator } from '../services/operators';
import { discardPayment } from '../services/payments';
import {
  deleteSubscription,
  setActive,
  subscriptionJson,
  subscriptionPage,
  transferSubscription,
} from '../services/subscriptions';
import { ADMIN_BASE_PATH } from './admin';
import { VERSION } from './instance';
import { paymentJson } from './payments';
import {
  listFilter,
  listQuerySchema,
  MAX_SEARCH_LENGTH,
  subscriptionListQuerySchema,
} from './subscriptions';

const search = z
  .string()
  .trim()
  .max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`)
  .optional();
const wallet = z
  .string({ error: 'is required: a 0x-prefixed 20-byte wallet address' })
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte wallet address')
  .transform((v) => v.toLowerCase());

export const consoleUsersQuerySchema = listQuerySchema.extend({ q: search });
export const consoleSubscriptionsQuerySchema = subscriptionListQuerySchema.extend({
  owner: wallet.optional(),
});
export const consolePaymentsQuerySchema = listQuerySchema.extend({
  status: z.enum(['pending', 'settled'], { error: 'must be pending or settled' }).optional(),
});
export const transferBodySchema = z.strictObject({ to: wallet });

const badCursor = () =>
  AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);

function cursorOf(raw: string | undefined) {
  if (raw === undefined) return undefined;
  const cursor = decodeCursor(raw);
  if (!cursor) throw badCursor();
  return cursor;
}

/** Users page by (created_at, address): their own cursor shape. */
function encodeUserCursor(c: users.UserCursor): string {
  return Buffer.from(JSON.stringify(['u', c.createdAt, c.address])).toString('base64url');
}

function decodeUserCursor(raw: string | undefined): users.UserCursor | undefined {
  if (raw === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(v) &&
      v.length === 3 &&
      v[0] === 'u' &&
      typeof v[1] === 'string' &&
      !Number.isNaN(Date.parse(v[1])) &&
      typeof v[2] === 'string' &&
      /^0x[0-9a-f]{40}$/.test(v[2])
    ) {
      return { createdAt: v[1], address: v[2] };
    }
  } catch {
    // not ours
  }
  throw badCursor();
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The storage engine and TimescaleDB's background jobs (none on plain PostgreSQL). */
function storageJson(report: StorageReport): Overview['storage'] {
  return {
    engine: report.engine,
    timescaledb_version: report.timescaledbVersion,
    jobs: report.jobs.map((job) => ({
      job_id: job.jobId,
      proc_name: job.procName,
      hypertable: job.hypertable,
      last_run_status: job.lastRunStatus,
      job_status: job.jobStatus,
      last_run_started_at: iso(job.lastRunStartedAt),
      last_successful_finish: iso(job.lastSuccessfulFinish),
      next_start: iso(job.nextStart),
      total_runs: job.totalRuns,
      total_failures: job.totalFailures,
      consecutive_failures: job.consecutiveFailures,
    })),
  };
}

/**
 * The operator console: `/v1/admin/*`, for the owner of a self-hosted instance and the wallets
 * in LIGHTHOUSE_ADMIN_WALLETS. Anyone else gets 404, as for a route that does not exist.
 * Every change is audit-logged in the affected owner's log, naming the operator.
 */
export function consoleRoutes(ctx: AppContext): Router {
  const router = Router();
  const operatorsOnly: RequestHandler = async (_req, res, next) => {
    if (!(await isOperator(ctx, principalOf(res).address))) throw AppError.notFound('route');
    next();
  };
  router.use('/v1/admin', requireAuth(ctx), operatorsOnly);

  router.get('/v1/admin/overview', async (_req, res) => {
    const [health, counts, queues, fleet, pending, engine] = await Promise.all([
      checkDependencies({
        database: () => pingDb(ctx.db),
        redis: () => pingRedis(ctx.redis),
      }),
      subscriptions.countByState(ctx.db),
      queueCounts(ctx),
      checkers.listCheckers(ctx.db),
      payments.countPending(ctx.db),
      storage.storageReport(ctx.db),
    ]);
    const { ok, parts } = health;
    const now = Date.now();
    res.set('Cache-Control', 'no-store').json({
      mode: ctx.config.LIGHTHOUSE_MODE,
      version: VERSION,
      health: { status: ok ? 'ok' : 'unavailable', ...parts },
      subscriptions: counts,
      queues,
      bull_board_url: ADMIN_BASE_PATH,
      checkers: {
        live: fleet.filter((c) => checkers.isLive(c, now)).length,
        known: fleet.length,
      },
      pending_payments: pending,
      storage: storageJson(engine),
    } satisfies Overview);
  });

  router.get('/v1/admin/users', async (req, res) => {
    const query = parseInput(consoleUsersQuerySchema, req.query);
    const page = await users.listUsers(ctx.db, {
      limit: query.limit,
      cursor: decodeUserCursor(query.cursor),
      search: query.q || undefined,
    });
    res.json({
      items: page.rows.map((u) => ({
        address: u.wallet_address,
        created_at: u.created_at.toISOString(),
        language: u.language_preference,
        subscriptions: u.subscriptions,
        active_subscriptions: u.active_subscriptions,
        payments: u.payments,
        total_spent_usdc: u.total_spent_usdc,
        wallets: u.wallets,
      })),
      next_cursor: page.next ? encodeUserCursor(page.next) : null,
    } satisfies Page<ConsoleUser>);
  });

  router.get('/v1/admin/subscriptions', async (req, res) => {
    const query = parseInput(consoleSubscriptionsQuerySchema, req.query);
    // a wallet that signs in to an account stands for that account
    const owner =
      query.owner === undefined
        ? null
        : ((await instance.linkedAccount(ctx.db, query.owner)) ?? query.owner);
    res.json(
      await subscriptionPage(ctx, owner, {
        limit: query.limit,
        cursor: query.cursor,
        filter: listFilter(query),
      }),
    );
  });

  const changed = async (id: string): Promise<Subscription> => {
    const row = await subscriptions.findSubscription(ctx.db, id);
    if (!row) throw AppError.notFound('subscription');
    const windows = await maintenance.windowsFor(ctx.db, [id]);
    return subscriptionJson(row, windows.get(id) ?? [], {
      defaultRegion: ctx.config.DEFAULT_REGION,
    });
  };

  for (const [verb, active] of [
    ['pause', false],
    ['resume', true],
  ] as const) {
    router.post(`/v1/admin/subscriptions/:id/${verb}`, async (req, res) => {
      const id = pathId(req.params.id, 'subscription');
      await setActive(ctx, { actor: actorOf(req, res), operator: true }, id, active);
      res.json(await changed(id));
    });
  }

  router.delete('/v1/admin/subscriptions/:id', async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    await deleteSubscription(ctx, { actor: actorOf(req, res), operator: true }, id);
    res.status(204).end();
  });

  router.post('/v1/admin/subscriptions/:id/transfer', async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const { to } = parseInput(transferBodySchema, req.body);
    await transferSubscription(ctx, actorOf(req, res), id, to);
    res.json(await changed(id));
  });

  router.get('/v1/admin/payments', async (req, res) => {
    const query = parseInput(consolePaymentsQuerySchema, req.query);
    const page = await payments.listPayments(ctx.db, null, {
      limit: query.limit,
      cursor: cursorOf(query.cursor),
      status: query.status,
    });
    res.json({
      items: page.rows.map((p) => ({ ...paymentJson(p), user_address: p.user_address })),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    } satisfies Page<ConsolePayment>);
  });

  // a payment left pending holds its authorization's nonce: discarding it frees the nonce
  router.post('/v1/admin/payments/:id/discard', async (req, res) => {
    await discardPayment(ctx, actorOf(req, res), pathId(req.params.id, 'payment'));
    res.status(204).end();
  });

  router.get('/v1/admin/regions', async (_req, res) => {
    const regions = await checkers.regionStatus(ctx.db, {
      defaultRegion: ctx.config.DEFAULT_REGION,
      darkAfterMs: ctx.config.REGION_DARK_AFTER_SECONDS * 1000,
    });
    res.set('Cache-Control', 'no-store').json({
      items: regions.map((r) => ({
        ...r,
        last_seen_at: r.last_seen_at?.toISOString() ?? null,
        default: r.region === ctx.config.DEFAULT_REGION,
      })),
      next_cursor: null,
    } satisfies WholeList<ConsoleRegion>);
  });

  router.get('/v1/admin/checkers', async (_req, res) => {
    const now = Date.now();
    const rows = await checkers.listCheckers(ctx.db);
    res.set('Cache-Control', 'no-store').json({
      items: rows.map((c) => ({
        name: c.name,
        host: c.host,
        version: c.version,
        region: c.region,
        started_at: c.started_at.toISOString(),
        last_seen_at: c.last_seen_at.toISOString(),
        live: checkers.isLive(c, now),
        checks_total: Number(c.checks_total),
        errors_total: Number(c.errors_total),
        checks_per_second: c.checks_per_second,
      })),
      next_cursor: null,
    } satisfies WholeList<Checker>);
  });

  return router;
}

/** Jobs per state in each queue; a queue Redis cannot answer for is reported as null. */
async function queueCounts(ctx: AppContext): Promise<Record<string, QueueCounts | null>> {
  const entries = await Promise.all(
    Object.entries(ctx.queues).map(async ([name, queue]) => {
      try {
        const counts = await queue.getJobCounts(...QUEUE_JOB_STATES);
        return [name, counts] as const;
      } catch {
        return [name, null] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}
