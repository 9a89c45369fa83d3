import { auth } from '@lighthouse/db';
import { AppError, hashToken } from '@lighthouse/shared';
import type { RequestHandler, Response } from 'express';
import type { AppContext } from '../context';

export const SESSION_PREFIX = 'lhs';
export const API_KEY_PREFIX = 'lhk';

export interface Principal {
  address: string;
  via: 'session' | 'api_key';
  tokenHash: Buffer;
}

const unauthorized = (message: string): AppError =>
  new AppError('unauthorized', message, {
    details: { fields: [{ field: 'Authorization', message }] },
  });

/** Accepts `Authorization: Bearer <session token | API key>`; 401 otherwise. */
export function requireAuth(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('a Bearer token is required (sign in at /v1/auth/verify)');
    const token = match[1];
    const tokenHash = hashToken(token);
    let address: string | undefined;
    let via: Principal['via'];
    if (token.startsWith(`${API_KEY_PREFIX}_`)) {
      via = 'api_key';
      address = await auth.useApiKey(ctx.db, tokenHash);
    } else {
      via = 'session';
      address = await auth.findSessionOwner(ctx.db, tokenHash);
    }
    if (!address) throw unauthorized('the token is invalid, expired or revoked');
    res.locals.principal = { address, via, tokenHash } satisfies Principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('unauthorized', 'not signed in');
  return principal;
}
