import type { ApiKeyScope } from '@lighthouse/contracts';
import { audit, auth, type ApiKey } from '@lighthouse/db';
import { AppError, hashToken, newToken } from '@lighthouse/shared';
import type { AppContext } from '../context';
import { API_KEY_PREFIX } from '../http/auth';

/**
 * A new API key for the actor's account, audited with its scope. The key itself is returned
 * this once, for the caller to show; only its hash is stored.
 */
export async function createApiKey(
  ctx: AppContext,
  actor: audit.AuditActor,
  input: { name: string; scope: ApiKeyScope },
): Promise<{ row: ApiKey; key: string }> {
  const key = newToken(API_KEY_PREFIX);
  const row = await ctx.db.transaction().execute(async (tx) => {
    const inserted = await auth.insertApiKey(tx, {
      userAddress: actor.address,
      name: input.name,
      scope: input.scope,
      prefix: key.slice(0, 12),
      keyHash: hashToken(key),
    });
    await audit.recordAudit(tx, {
      ...actor,
      action: 'api_key.create',
      resourceType: 'api_key',
      resourceId: inserted.id,
      details: { scope: input.scope },
    });
    return inserted;
  });
  return { row, key };
}

/** Deletes one of the actor's API keys, audited; 404 when it has no such key. */
export async function revokeApiKey(
  ctx: AppContext,
  actor: audit.AuditActor,
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await auth.deleteApiKey(tx, actor.address, id))) throw AppError.notFound('API key');
    await audit.recordAudit(tx, {
      ...actor,
      action: 'api_key.revoke',
      resourceType: 'api_key',
      resourceId: id,
    });
  });
}
