import { auth } from '@lighthouse/db';
import { AppError, hashToken, newToken } from '@lighthouse/shared';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { API_KEY_PREFIX, principalOf, requireAuth } from '../http/auth';
import { parseInput, UUID_PATTERN } from '../http/validate';
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

export const apiKeyBodySchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(100, 'must be at most 100 characters')
    .default('api key'),
});

export function authRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  const authenticated = requireAuth(ctx);

  router.get('/v1/auth/nonce', limits.signIn, async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ nonce: await issueNonce(ctx) });
  });

  router.post('/v1/auth/verify', limits.signIn, async (req, res) => {
    const body = parseInput(verifyBodySchema, req.body);
    res.set('Cache-Control', 'no-store').json(await signIn(ctx, body));
  });

  router.post('/v1/auth/logout', authenticated, async (_req, res) => {
    const principal = principalOf(res);
    if (principal.via !== 'session') {
      throw new AppError(
        'validation_error',
        'an API key cannot log out; delete it with DELETE /v1/api-keys/:id',
      );
    }
    await auth.revokeSession(ctx.db, principal.tokenHash);
    res.status(204).end();
  });

  router.post('/v1/api-keys', authenticated, limits.create, async (req, res) => {
    const { name } = parseInput(apiKeyBodySchema, req.body ?? {});
    const key = newToken(API_KEY_PREFIX);
    const row = await auth.insertApiKey(ctx.db, {
      userAddress: principalOf(res).address,
      name,
      prefix: key.slice(0, 12),
      keyHash: hashToken(key),
    });
    // The key itself is returned this once; only its hash is stored.
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...apiKeyJson(row), key });
  });

  router.get('/v1/api-keys', authenticated, async (_req, res) => {
    const rows = await auth.listApiKeys(ctx.db, principalOf(res).address);
    res.json({ items: rows.map(apiKeyJson), next_cursor: null });
  });

  router.delete('/v1/api-keys/:id', authenticated, async (req, res) => {
    const id = String(req.params.id);
    if (
      !UUID_PATTERN.test(id) ||
      !(await auth.deleteApiKey(ctx.db, principalOf(res).address, id))
    ) {
      throw AppError.notFound('API key');
    }
    res.status(204).end();
  });

  return router;
}

function apiKeyJson(row: {
  id: string;
  name: string;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
}) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
  };
}
