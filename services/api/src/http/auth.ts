import { auth, type ApiKeyScope, type audit } from '@lighthouse/db';
import { AppError, hashToken } from '@lighthouse/shared';
import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../context';

export const SESSION_PREFIX = 'lhs';
export const API_KEY_PREFIX = 'lhk';

/** Methods a 'read' API key may use. */
const READ_METHODS = new Set(['GET', 'HEAD']);

export interface Principal {
  address: string;
  via: 'session' | 'api_key';
  tokenHash: Buffer;
  /** a session may do everything its wallet may; an API key what its scope allows */
  scope: ApiKeyScope;
  /** the key used, when via is 'api_key' */
  apiKeyId: string | null;
}

const unauthorized = (message: string): AppError =>
  new AppError('unauthorized', message, {
    details: { fields: [{ field: 'Authorization', message }] },
  });

const forbidden = (message: string): AppError =>
  new AppError('forbidden', message, {
    details: { fields: [{ field: 'Authorization', message }] },
  });

/**
 * Accepts `Authorization: Bearer <session token | API key>`; 401 otherwise. A 'read' API key
 * gets 403 on anything but GET and HEAD: checked here, so every authenticated route is covered.
 */
export function requireAuth(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) throw unauthorized('a Bearer token is required (sign in at /v1/auth/verify)');
    const token = match[1];
    const tokenHash = hashToken(token);
    let principal: Principal | undefined;
    if (token.startsWith(`${API_KEY_PREFIX}_`)) {
      const key = await auth.useApiKey(ctx.db, tokenHash);
      if (key) {
        principal = {
          address: key.userAddress,
          via: 'api_key',
          tokenHash,
          scope: key.scope,
          apiKeyId: key.id,
        };
      }
    } else {
      const address = await auth.findSessionOwner(ctx.db, tokenHash);
      if (address) {
        principal = { address, via: 'session', tokenHash, scope: 'read_write', apiKeyId: null };
      }
    }
    if (!principal) throw unauthorized('the token is invalid, expired or revoked');
    if (principal.scope === 'read' && !READ_METHODS.has(req.method)) {
      throw forbidden(
        `this API key has scope "read": it may only GET; ${req.method} needs a "read_write" key or a signed-in session`,
      );
    }
    res.locals.principal = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('unauthorized', 'not signed in');
  return principal;
}

/** 403 unless the caller signed in with a wallet: for what an API key must not do (`what`). */
export function requireSession(what: string): RequestHandler {
  return (_req, res, next) => {
    if (principalOf(res).via !== 'session') {
      throw forbidden(`an API key cannot ${what}: sign in with your wallet (/v1/auth/verify)`);
    }
    next();
  };
}

/** Who is making this request, for the audit log. */
export function actorOf(req: Request, res: Response): audit.AuditActor {
  const principal = principalOf(res);
  return {
    address: principal.address,
    actor: principal.via,
    apiKeyId: principal.apiKeyId,
    ip: req.ip ?? null,
  };
}
