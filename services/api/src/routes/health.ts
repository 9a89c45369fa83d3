import { pingDb } from '@lighthouse/db';
import { pingRedis } from '@lighthouse/queue';
import { Router } from 'express';
import type { AppContext } from '../context';

/** `/health` answers 503 naming each dependency that does not answer; `/metrics` is Prometheus text. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/health', async (_req, res) => {
    const [database, redis] = await Promise.allSettled([pingDb(ctx.db), pingRedis(ctx.redis)]);
    const ok = database.status === 'fulfilled' && redis.status === 'fulfilled';
    const errors: Record<string, string> = {};
    if (database.status === 'rejected') errors.database = reason(database.reason);
    if (redis.status === 'rejected') errors.redis = reason(redis.reason);
    if (!ok) ctx.logger.warn('health check failed', { errors });
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: ok ? 'ok' : 'unavailable',
        database: database.status === 'fulfilled' ? 'connected' : 'disconnected',
        redis: redis.status === 'fulfilled' ? 'connected' : 'disconnected',
        ...(ok ? {} : { errors }),
        timestamp: new Date().toISOString(),
      });
  });

  router.get('/metrics', async (_req, res) => {
    res
      .set('Content-Type', ctx.metrics.registry.contentType)
      .send(await ctx.metrics.registry.metrics());
  });

  return router;
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
