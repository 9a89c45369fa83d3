import { audit, auth } from '@lighthouse/db';
import type { AppContext } from '../context';

/** Revokes the session a request came with, and audits it; a session revoked already is left be. */
export async function logOut(
  ctx: AppContext,
  actor: audit.AuditActor,
  tokenHash: Buffer,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const sessionId = await auth.revokeSession(tx, tokenHash);
    if (sessionId === undefined) return;
    await audit.recordAudit(tx, {
      ...actor,
      action: 'session.logout',
      resourceType: 'session',
      resourceId: sessionId,
    });
  });
}
