import cors from 'cors';
import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { AppContext } from './context';
import { errorHandler, notFoundHandler } from './http/errors';
import { refuseUnsafeInput } from './http/validate';
import { accountRoutes } from './routes/account';
import { adminRoutes } from './routes/admin';
import { auditRoutes } from './routes/audit';
import { consoleRoutes } from './routes/console';
import { authRoutes } from './routes/auth';
import { dashboardRoutes } from './routes/dashboard';
import { healthRoutes } from './routes/health';
import { historyRoutes } from './routes/history';
import { instanceRoutes } from './routes/instance';
import { probeRoutes } from './routes/probe';
import { recordsRoutes } from './routes/records';
import { maintenanceRoutes } from './routes/maintenance';
import { openApiRoutes } from './routes/openapi';
import { paymentRoutes } from './routes/payments';
import { pushRoutes } from './routes/push';
import { statusPageRoutes } from './routes/status-pages';
import { subscriptionRoutes } from './routes/subscriptions';
import { regionRoutes, tierRoutes } from './routes/tiers';

export const BODY_LIMIT = '256kb';

function observe(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const stop = ctx.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      // route templates, not raw paths, to keep label cardinality bounded
      const route = req.route
        ? `${req.baseUrl}${String((req.route as { path: string }).path)}`
        : 'unmatched';
      stop({ method: req.method, route });
      ctx.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

export function createApp(ctx: AppContext): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.config.TRUST_PROXY);
  app.use(observe(ctx));
  // The usual security headers. No global CSP (the JSON API has no documents, Bull Board
  // needs its scripts, status pages and the dashboard set their own), and badges must load on
  // other sites.
  app.use(
    helmet({
      contentSecurityPolicy: false,
      crossOriginResourcePolicy: { policy: 'cross-origin' },
    }),
  );
  const origins = ctx.config.CORS_ORIGINS;
  if (origins.length > 0) {
    app.use(
      cors({
        origin: origins.includes('*') ? '*' : origins,
        methods: ['GET', 'POST', 'PATCH', 'DELETE'],
        allowedHeaders: ['Authorization', 'Content-Type', 'PAYMENT-SIGNATURE', 'X-PAYMENT'],
        exposedHeaders: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE', 'Location'],
        maxAge: 600,
      }),
    );
  }
  app.use(express.json({ limit: BODY_LIMIT }));
  app.use(refuseUnsafeInput);
  app.use(healthRoutes(ctx));
  app.use(openApiRoutes());
  app.use(tierRoutes(ctx));
  app.use(regionRoutes(ctx));
  app.use(instanceRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use(authRoutes(ctx));
  app.use(accountRoutes(ctx));
  app.use(consoleRoutes(ctx));
  app.use(auditRoutes(ctx));
  app.use(maintenanceRoutes(ctx));
  app.use(recordsRoutes(ctx));
  app.use(historyRoutes(ctx));
  app.use(statusPageRoutes(ctx));
  app.use(paymentRoutes(ctx));
  app.use(probeRoutes(ctx));
  app.use(pushRoutes(ctx));
  app.use(subscriptionRoutes(ctx));
  // last: the web dashboard answers only what no API route did (it sets its own CSP)
  app.use(dashboardRoutes(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler(ctx.logger.child({ component: 'http' })));
  return app;
}
