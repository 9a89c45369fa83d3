import { pingDb } from '@lighthouse/db';
import { pingRedis } from '@lighthouse/queue';
import { checkDependencies } from '@lighthouse/shared';
import { Router } from 'express';
import type { AppContext } from '../context';

/** `/health` answers 503 naming each dependency that does not answer; `/metrics` is Prometheus text. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/health', async (_req, res) => {
    const { ok, ...parts } = await checkDependencies({
      database: () => pingDb(ctx.db),
      redis: () => pingRedis(ctx.redis),
    });
    if (!ok) ctx.logger.warn('health check failed', { errors: parts.errors });
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'unavailable', ...parts, timestamp: new Date().toISOString() });
  });

  router.get('/metrics', async (_req, res) => {
    res
      .set('Content-Type', ctx.metrics.registry.contentType)
      .send(await ctx.metrics.registry.metrics());
  });

  return router;
}
