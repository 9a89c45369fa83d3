import type { MaintenanceWindowList } from '@lighthouse/contracts';
import { Router, type Response } from 'express';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth } from '../http/auth';
import { pathId } from '../http/validate';
import {
  createWindow,
  deleteWindow,
  getWindow,
  listWindows,
  updateWindow,
  windowJson,
} from '../services/maintenance';
import { rateLimitsOf } from '../http/rate-limit';

const WINDOWS = '/v1/subscriptions/:id/maintenance-windows';
const WINDOW = `${WINDOWS}/:windowId`;

/** The owner and ids a request names; malformed ids answer 404 like a stranger's. */
function scope(params: { id: string }, res: Response) {
  return {
    owner: principalOf(res).address,
    subscriptionId: pathId(params.id, 'subscription'),
  };
}

function windowId(params: { windowId: string }): string {
  return pathId(params.windowId, 'maintenance window');
}

/**
 * Maintenance windows of a subscription, for its owner only. Mount before subscriptionRoutes,
 * whose auth for every /v1/subscriptions path would otherwise run first as well.
 */
export function maintenanceRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  router.use(WINDOWS, requireAuth(ctx));

  router.get(WINDOWS, async (req, res) => {
    const { owner, subscriptionId } = scope(req.params, res);
    const rows = await listWindows(ctx, owner, subscriptionId);
    const now = new Date();
    res.json({ items: rows.map((row) => windowJson(row, now)) } satisfies MaintenanceWindowList);
  });

  router.post(WINDOWS, limits.create, async (req, res) => {
    const { subscriptionId } = scope(req.params, res);
    const actor = actorOf(req, res);
    const row = await createWindow({ ctx, actor, subscriptionId, body: req.body });
    res
      .status(201)
      .location(`/v1/subscriptions/${subscriptionId}/maintenance-windows/${row.id}`)
      .json(windowJson(row));
  });

  router.get(WINDOW, async (req, res) => {
    const { owner, subscriptionId } = scope(req.params, res);
    res.json(windowJson(await getWindow(ctx, owner, subscriptionId, windowId(req.params))));
  });

  router.patch(WINDOW, async (req, res) => {
    const { subscriptionId } = scope(req.params, res);
    const row = await updateWindow({
      ctx,
      actor: actorOf(req, res),
      subscriptionId,
      id: windowId(req.params),
      body: req.body,
    });
    res.json(windowJson(row));
  });

  router.delete(WINDOW, async (req, res) => {
    const { subscriptionId } = scope(req.params, res);
    await deleteWindow(ctx, actorOf(req, res), subscriptionId, windowId(req.params));
    res.status(204).end();
  });

  return router;
}
