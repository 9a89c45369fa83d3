import {
  alerts,
  decodeCursor,
  encodeCursor,
  subscriptions,
  users,
  type AlertWithDeliveries,
} from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { principalOf, requireAuth } from '../http/auth';
import { parseInput, UUID_PATTERN } from '../http/validate';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  setActive,
  subscriptionJson,
  updateSubscription,
} from '../services/subscriptions';
import { sendTestAlerts } from '../services/test-alert';

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1, 'must be 1-200').max(200, 'must be 1-200').default(50),
  cursor: z.string().max(512).optional(),
});

function idParam(raw: string | undefined): string {
  // A malformed id cannot name anything the caller owns: same answer as a stranger's id.
  if (!raw || !UUID_PATTERN.test(raw)) throw AppError.notFound('subscription');
  return raw.toLowerCase();
}

function owner(res: Response): string {
  return principalOf(res).address;
}

export function subscriptionRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use(['/v1/subscriptions', '/subscribe'], requireAuth(ctx));

  router.post('/v1/subscriptions', async (req, res) => {
    const row = await createSubscription({ ctx, owner: owner(res), body: req.body });
    res.status(201).location(`/v1/subscriptions/${row.id}`).json(subscriptionJson(row));
  });

  // The seed's payload: the same body plus the owner's address, which must be the caller.
  router.post('/subscribe', async (req, res) => {
    const body: unknown = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw AppError.validation([{ field: '(body)', message: 'must be a JSON object' }]);
    }
    const { user_address: claimed, ...rest } = body as Record<string, unknown>;
    const caller = owner(res);
    if (
      claimed !== undefined &&
      (typeof claimed !== 'string' || claimed.toLowerCase() !== caller)
    ) {
      throw new AppError('forbidden', 'user_address must be the signed-in wallet', {
        details: { fields: [{ field: 'user_address', message: `must equal ${caller}` }] },
      });
    }
    const row = await createSubscription({ ctx, owner: caller, body: rest });
    res.status(201).location(`/v1/subscriptions/${row.id}`).json(subscriptionJson(row));
  });

  router.get('/v1/subscriptions', async (req, res) => {
    const query = parseInput(listQuerySchema, req.query);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    }
    const page = await subscriptions.listOwnedSubscriptions(ctx.db, owner(res), {
      limit: query.limit,
      cursor,
    });
    res.json({
      items: page.rows.map(subscriptionJson),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  router.get('/v1/subscriptions/:id', async (req, res) => {
    res.json(subscriptionJson(await getSubscription(ctx, owner(res), idParam(req.params.id))));
  });

  router.patch('/v1/subscriptions/:id', async (req, res) => {
    const row = await updateSubscription({
      ctx,
      owner: owner(res),
      id: idParam(req.params.id),
      body: req.body,
    });
    res.json(subscriptionJson(row));
  });

  router.delete('/v1/subscriptions/:id', async (req, res) => {
    await deleteSubscription(ctx, owner(res), idParam(req.params.id));
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
    });
  });

  router.post('/v1/subscriptions/:id/test-alert', async (req, res) => {
    const caller = owner(res);
    const subscription = await getSubscription(ctx, caller, idParam(req.params.id));
    const user = await users.findUser(ctx.db, caller);
    const results = await sendTestAlerts(ctx, subscription, user?.language_preference ?? 'en');
    res.json({ results });
  });

  router.post('/v1/subscriptions/:id/pause', async (req, res) => {
    res.json(subscriptionJson(await setActive(ctx, owner(res), idParam(req.params.id), false)));
  });

  router.post('/v1/subscriptions/:id/resume', async (req, res) => {
    res.json(subscriptionJson(await setActive(ctx, owner(res), idParam(req.params.id), true)));
  });

  return router;
}

function alertJson(a: AlertWithDeliveries) {
  return {
    id: a.id,
    event_id: a.event_id,
    alert_type: a.alert_type,
    severity: a.severity,
    message: a.message,
    language: a.language,
    delivery_status: a.delivery_status,
    channels_sent: a.channels_sent,
    retry_count: a.retry_count,
    created_at: a.created_at.toISOString(),
    deliveries: a.deliveries.map((d) => ({
      channel_id: d.channel_id,
      channel_type: d.channel_type,
      status: d.status,
      attempts: d.attempts,
      last_error: d.last_error,
      last_attempt_at: d.last_attempt_at?.toISOString() ?? null,
      delivered_at: d.delivered_at?.toISOString() ?? null,
    })),
  };
}
