import {
  API_KEY_SCOPES,
  type ApiKey as ApiKeyAnswer,
  type ApiKeyCreated,
  type Nonce,
  type WholeList,
} from '@lighthouse/contracts';
import { auth, type ApiKey } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth, requireSession } from '../http/auth';
import { parseInput, UUID_PATTERN } from '../http/validate';
import { createApiKey, revokeApiKey } from '../services/api-keys';
import { signInWithLink } from '../services/owner';
import { logOut } from '../services/sessions';
import { issueNonce, signIn } from '../services/siwe';
import { rateLimitsOf } from '../http/rate-limit';

export const verifyBodySchema = z.strictObject({
  message: z
    .string({ error: 'is required (the EIP-4361 message that was signed)' })
    .min(1)
    .max(4096),
  signature: z
    .string({ error: 'is required (0x-prefixed hex)' })
    .regex(/^0x[0-9a-fA-F]+$/, 'must be 0x-prefixed hex')
    .max(2048),
});

export const linkBodySchema = z.strictObject({
  token: z
    .string({ error: 'is required (the token after #token= in the sign-in link)' })
    .regex(/^lhl_[A-Za-z0-9_-]{16,128}$/, 'is not a sign-in link token (lhl_…)'),
});

export const apiKeyBodySchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .default('api key'),
  scope: z
    .enum(API_KEY_SCOPES, {
      error: 'must be "read" (GET only) or "read_write" (everything but managing API keys)',
    })
    .default('read_write'),
});

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  const authenticated = requireAuth(ctx);

  router.get('/v1/auth/nonce', limits.signIn, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ nonce: await issueNonce(ctx) } satisfies Nonce);
  });

  router.post('/v1/auth/verify', limits.signIn, async (req, res) => {
    const body = parseInput(verifyBodySchema, req.body);
    res.set('Cache-Control', 'no-store').json(await signIn(ctx, body));
  });

  // the owner's one-time sign-in link (self-hosted): answers like /v1/auth/verify, once
  router.post('/v1/auth/link', limits.signIn, async (req, res) => {
    const { token } = parseInput(linkBodySchema, req.body);
    res
      .set('Cache-Control', 'no-store')
      .json(await signInWithLink(ctx.db, token, ctx.config.SESSION_TTL_HOURS));
  });

  router.post('/v1/auth/logout', authenticated, async (req, res) => {
    const principal = principalOf(res);
    if (principal.via !== 'session') {
      throw new AppError(
        'validation_error',
        'an API key cannot log out; delete it with DELETE /v1/api-keys/:id',
      );
    }
    await logOut(ctx, actorOf(req, res), principal.tokenHash);
    res.status(204).end();
  });

  // Only a signed-in wallet manages keys, so a leaked key cannot mint more or revoke others.
  const keyManager = requireSession('create or delete API keys');

  router.post('/v1/api-keys', authenticated, keyManager, limits.create, async (req, res) => {
    const { name, scope } = parseInput(apiKeyBodySchema, req.body ?? {});
    const { row, key } = await createApiKey(ctx, actorOf(req, res), { name, scope });
    // The key itself is returned this once; only its hash is stored.
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...apiKeyJson(row), key } satisfies ApiKeyCreated);
  });

  router.get('/v1/api-keys', authenticated, async (_req, res) => {
    const rows = await auth.listApiKeys(ctx.db, principalOf(res).address);
    res.json({ items: rows.map(apiKeyJson), next_cursor: null } satisfies WholeList<ApiKeyAnswer>);
  });

  router.delete('/v1/api-keys/:id', authenticated, keyManager, async (req, res) => {
    const id = String(req.params.id);
    if (!UUID_PATTERN.test(id)) throw AppError.notFound('API key');
    await revokeApiKey(ctx, actorOf(req, res), id);
    res.status(204).end();
  });

  return router;
}

function apiKeyJson(row: ApiKey): ApiKeyAnswer {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
