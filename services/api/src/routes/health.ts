import { pingDb } from '@lighthouse/db';
import { pingRedis } from '@lighthouse/queue';
import { checkDependencies, metricsTokenAccepted } from '@lighthouse/shared';
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../context';

/** `/health` answers 503 naming each dependency that does not answer; `/metrics` is Prometheus text. */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/health', async (_req, res) => {
    const { ok, parts, errors } = await checkDependencies({
      database: () => pingDb(ctx.db),
      redis: () => pingRedis(ctx.redis),
    });
    // the reasons go to the log: a driver's words can name hosts and users
    if (!ok) ctx.logger.warn('health check failed', { errors });
    res
      .status(ok ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({ status: ok ? 'ok' : 'unavailable', ...parts, timestamp: new Date().toISOString() });
  });

  router.get('/metrics', requireMetricsToken(ctx.config.METRICS_TOKEN), async (_req, res) => {
    res
      .set('Content-Type', ctx.metrics.registry.contentType)
      .send(await ctx.metrics.registry.metrics());
  });

  return router;
}

/** `/metrics` behind `Authorization: Bearer <METRICS_TOKEN>` when one is set. */
function requireMetricsToken(token: string | undefined): RequestHandler {
  return (req, res, next) => {
    if (metricsTokenAccepted(token, req.get('authorization'))) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="Lighthouse metrics"')
      .json({ error: { code: 'unauthorized', message: 'METRICS_TOKEN required', details: null } });
  };
}
