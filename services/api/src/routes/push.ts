import type { PushToken } from '@lighthouse/contracts';
import express, { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { actorOf, requireAuth } from '../http/auth';
import { rateLimitsOf } from '../http/rate-limit';
import { pathId } from '../http/validate';
import { parsePing, recordPing, rotatePushToken } from '../services/heartbeats';

export const PUSH_PATH = '/v1/push/:token';
const ROTATE_PATH = '/v1/subscriptions/:id/push-token';

/** The push URL of a token, on the origin the caller reached this API at. */
export function pushUrl(req: Request, token: string): string {
  return `${req.protocol}://${req.get('host') ?? 'localhost'}/v1/push/${token}`;
}

/**
 * Heartbeat push URLs: `GET|POST /v1/push/:token`, public (the token is the credential), with
 * an optional status (up|down) and message in the query or the body; rate limited per token.
 * And the owner's `POST /v1/subscriptions/:id/push-token`, which replaces the token. Mount
 * before subscriptionRoutes, like historyRoutes.
 */
export function pushRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  // `curl -d status=down` sends a form; JSON bodies are parsed by the app already
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  const ping = async (req: Request<{ token: string }>, res: Response): Promise<void> => {
    const body: unknown = req.body;
    await recordPing(ctx, req.params.token, parsePing(req.query, body));
    res.set('Cache-Control', 'no-store').json({ ok: true });
  };
  router.get(PUSH_PATH, limits.push, ping);
  router.post(PUSH_PATH, limits.push, form, ping);

  router.use(ROTATE_PATH, requireAuth(ctx));
  router.post(ROTATE_PATH, limits.create, async (req, res) => {
    const id = pathId(req.params.id, 'subscription');
    const token = await rotatePushToken(ctx, actorOf(req, res), id);
    // shown once, like an API key: only its hash is kept
    res.json({
      subscription_id: id,
      push_token: token,
      push_url: pushUrl(req, token),
    } satisfies PushToken);
  });
  return router;
}
