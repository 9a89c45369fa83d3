import {
  MONITOR_STATES,
  SUBSCRIPTION_STATUSES,
  type Alert,
  type AlertDelivery,
  type Language,
  type Page,
  type Subscription as SubscriptionAnswer,
  type TestAlertResults,
} from '@lighthouse/contracts';
import {
  alerts,
  decodeCursor,
  encodeCursor,
  maintenance,
  users,
  type AlertWithDeliveries,
  type Subscription,
  type SubscriptionFilter,
} from '@lighthouse/db';
import { TARGET_TYPE_NAMES, type TargetTypeName } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth } from '../http/auth';
import { parseInput, pathId } from '../http/validate';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  setActive,
  subscriptionJson,
  subscriptionPage,
  updateSubscription,
  type Written,
} from '../services/subscriptions';
import { sendTestAlerts } from '../services/test-alert';
import { rateLimitsOf } from '../http/rate-limit';
import { PAYMENT_HEADER } from '../payments/x402';
import { pushUrl } from './push';

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be 1-200').max(200, 'must be 1-200').default(50),
  cursor: z.string().max(512).optional(),
});

export const MAX_SEARCH_LENGTH = 200;

/** A list filter, `state=up,down` or `state=up&state=down`: one or more of `values`. */
function oneOrMore<T extends string>(values: readonly [T, ...T[]]) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((raw) => [
      ...new Set((Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(','))),
    ])
    .pipe(z.array(z.enum(values, { error: `must be one or more of ${values.join(', ')}` })));
}

/** The list's filters; each narrows the result, and the cursor stays valid across them. */
export const subscriptionListQuerySchema = listQuerySchema.extend({
  state: oneOrMore(MONITOR_STATES).optional(),
  status: oneOrMore(SUBSCRIPTION_STATUSES).optional(),
  target_type: oneOrMore(TARGET_TYPE_NAMES as [TargetTypeName, ...TargetTypeName[]]).optional(),
  q: z
    .string()
    .trim()
    .max(MAX_SEARCH_LENGTH, `must be at most ${MAX_SEARCH_LENGTH} characters`)
    .optional(),
});

/** The list's filters as the repository takes them. */
export function listFilter(
  query: z.output<typeof subscriptionListQuerySchema>,
): SubscriptionFilter {
  return {
    states: query.state,
    statuses: query.status,
    targetTypes: query.target_type,
    search: query.q || undefined,
  };
}

function idParam(raw: string | undefined): string {
  return pathId(raw, 'subscription');
}

function owner(res: Response): string {
  return principalOf(res).address;
}

/** One subscription's view, with its maintenance windows read for `in_maintenance`. */
async function view(ctx: AppContext, row: Subscription) {
  const windows = await maintenance.windowsFor(ctx.db, [row.id]);
  return subscriptionJson(row, windows.get(row.id) ?? [], {
    defaultRegion: ctx.config.DEFAULT_REGION,
  });
}

/**
 * 201 with the new subscription (no maintenance windows yet), the payment's receipt, and a
 * heartbeat's push URL (shown this once).
 */
function created(
  ctx: AppContext,
  req: Request,
  res: Response,
  { row, payment, pushToken }: Written,
): void {
  if (payment) res.set('PAYMENT-RESPONSE', payment.responseHeader);
  res
    .status(201)
    .location(`/v1/subscriptions/${row.id}`)
    .json({
      ...subscriptionJson(row, [], { defaultRegion: ctx.config.DEFAULT_REGION }),
      ...(pushToken ? { push_token: pushToken, push_url: pushUrl(req, pushToken) } : {}),
    } satisfies SubscriptionAnswer);
}

export function subscriptionRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  router.use(['/v1/subscriptions', '/subscribe'], requireAuth(ctx));

  router.post('/v1/subscriptions', limits.create, async (req, res) => {
    const written = await createSubscription({
      ctx,
      actor: actorOf(req, res),
      body: req.body,
      pay: { get: (name) => req.get(name), resource: '/v1/subscriptions' },
    });
    created(ctx, req, res, written);
  });

  // The seed's payload: the same body plus the owner's address, which must be the caller, and
  // `payment_signature`: an x402 payment (what PAYMENT-SIGNATURE carries) for a paid tier,
  // ignored on a free one.
  router.post('/subscribe', limits.create, async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw AppError.validation([{ field: '(body)', message: 'must be a JSON object' }]);
    }
    const {
      user_address: claimed,
      payment_signature: signature,
      ...rest
    } = body as Record<string, unknown>;
    if (signature !== undefined && signature !== null && typeof signature !== 'string') {
      throw AppError.validation([
        {
          field: 'payment_signature',
          message:
            'must be a string: the x402 payment payload, as the PAYMENT-SIGNATURE header carries it',
        },
      ]);
    }
    const caller = owner(res);
    if (
      claimed !== undefined &&
      (typeof claimed !== 'string' || claimed.toLowerCase() !== caller)
    ) {
      throw new AppError('forbidden', 'user_address must be the signed-in wallet', {
        details: { fields: [{ field: 'user_address', message: `must equal ${caller}` }] },
      });
    }
    const written = await createSubscription({
      ctx,
      actor: actorOf(req, res),
      body: rest,
      pay: {
        get: (name) =>
          req.get(name) ??
          (name.toUpperCase() === PAYMENT_HEADER && signature ? signature : undefined),
        resource: '/subscribe',
      },
    });
    created(ctx, req, res, written);
  });

  router.get('/v1/subscriptions', async (req, res) => {
    const query = parseInput(subscriptionListQuerySchema, req.query);
    res.json(
      await subscriptionPage(ctx, owner(res), {
        limit: query.limit,
        cursor: query.cursor,
        filter: listFilter(query),
      }),
    );
  });

  router.get('/v1/subscriptions/:id', async (req, res) => {
    res.json(await view(ctx, await getSubscription(ctx, owner(res), idParam(req.params.id))));
  });

  router.patch('/v1/subscriptions/:id', async (req, res) => {
    const id = idParam(req.params.id);
    const { row, payment } = await updateSubscription({
      ctx,
      actor: actorOf(req, res),
      id,
      body: req.body,
      pay: { get: (name) => req.get(name), resource: `/v1/subscriptions/${id}` },
    });
    if (payment) res.set('PAYMENT-RESPONSE', payment.responseHeader);
    res.json(await view(ctx, row));
  });

  router.delete('/v1/subscriptions/:id', async (req, res) => {
    await deleteSubscription(ctx, actorOf(req, res), idParam(req.params.id));
    res.status(204).end();
  });

  router.get('/v1/subscriptions/:id/alerts', async (req, res) => {
    const subscription = await getSubscription(ctx, owner(res), idParam(req.params.id));
    const query = parseInput(listQuerySchema, req.query);
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !before) {
      throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    }
    const page = await alerts.listAlerts(ctx.db, subscription.id, { limit: query.limit, before });
    res.json({
      items: page.rows.map(alertJson),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    } satisfies Page<Alert>);
  });

  router.post('/v1/subscriptions/:id/test-alert', limits.testAlert, async (req, res) => {
    const caller = owner(res);
    const subscription = await getSubscription(ctx, caller, idParam(req.params.id));
    const user = await users.findUser(ctx.db, caller);
    const results = await sendTestAlerts(ctx, subscription, user?.language_preference ?? 'en');
    res.json({ results } satisfies TestAlertResults);
  });

  router.post('/v1/subscriptions/:id/pause', async (req, res) => {
    const row = await setActive(ctx, actorOf(req, res), idParam(req.params.id), false);
    res.json(await view(ctx, row));
  });

  router.post('/v1/subscriptions/:id/resume', async (req, res) => {
    const row = await setActive(ctx, actorOf(req, res), idParam(req.params.id), true);
    res.json(await view(ctx, row));
  });

  return router;
}

/**
 * An alert with its deliveries. The alerter writes the contract's words (severities, languages,
 * channel types) and check constraints hold the statuses to them; the columns are plain text.
 */
function alertJson(a: AlertWithDeliveries): Alert {
  return {
    id: a.id,
    event_id: a.event_id,
    alert_type: a.alert_type,
    severity: a.severity as Alert['severity'],
    message: a.message,
    language: a.language as Language,
    delivery_status: a.delivery_status as Alert['delivery_status'],
    /** set when the alert was recorded but not sent: 'maintenance' or 'flapping' */
    suppressed_reason: a.suppressed_reason as Alert['suppressed_reason'],
    channels_sent: a.channels_sent,
    retry_count: a.retry_count,
    created_at: a.created_at.toISOString(),
    deliveries: a.deliveries.map((d) => ({
      channel_id: d.channel_id,
      channel_type: d.channel_type as AlertDelivery['channel_type'],
      status: d.status as AlertDelivery['status'],
      attempts: d.attempts,
      last_error: d.last_error,
      last_attempt_at: d.last_attempt_at?.toISOString() ?? null,
      delivered_at: d.delivered_at?.toISOString() ?? null,
    })),
  };
}
