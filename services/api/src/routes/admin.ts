import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { safeEqual } from '@lighthouse/shared';
import { Router, type RequestHandler } from 'express';
import type { AppContext } from '../context';

export const ADMIN_BASE_PATH = '/admin/queues';

/** Accepts `Authorization: Bearer <ADMIN_TOKEN>`, or Basic auth with the token as password (browsers). */
export function requireAdmin(token: string): RequestHandler {
  return (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const [scheme = '', value = ''] = header.split(/\s+/, 2);
    let given = '';
    if (/^bearer$/i.test(scheme)) given = value;
    if (/^basic$/i.test(scheme)) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      given = decoded.slice(decoded.indexOf(':') + 1);
    }
    if (given !== '' && safeEqual(given, token)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Basic realm="Lighthouse queues", charset="UTF-8"')
      .json({ error: { code: 'unauthorized', message: 'ADMIN_TOKEN required', details: null } });
  };
}

export function adminRoutes(ctx: AppContext): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(ADMIN_BASE_PATH);
  createBullBoard({
    queues: Object.values(ctx.queues).map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
  });
  const router = Router();
  router.use(
    ADMIN_BASE_PATH,
    requireAdmin(ctx.config.ADMIN_TOKEN),
    serverAdapter.getRouter() as RequestHandler,
  );
  return router;
}
