import { audit, instance, users } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import type { AppContext } from '../context';

/**
 * Lets `wallet` sign in to the actor's account (a self-hosted owner adding a browser wallet),
 * audited. A wallet that signs in already, to an account of its own or another, is refused:
 * it would lose sight of that account.
 */
export async function linkWallet(
  ctx: AppContext,
  actor: audit.AuditActor,
  wallet: string,
): Promise<void> {
  if (wallet === actor.address) {
    throw AppError.validation([
      { field: 'message', message: 'is signed by this account itself: sign with another wallet' },
    ]);
  }
  const linked = await ctx.db.transaction().execute(async (tx) => {
    if (await users.findUser(tx, wallet)) return false;
    if (!(await instance.linkWallet(tx, wallet, actor.address))) return false;
    await audit.recordAudit(tx, {
      ...actor,
      action: 'wallet.link',
      resourceType: 'wallet',
      resourceId: wallet,
    });
    return true;
  });
  if (!linked) {
    throw new AppError(
      'conflict',
      `${wallet} already signs in to an account here: it cannot be added to another`,
      { details: { fields: [{ field: 'message', message: 'signed by a wallet in use' }] } },
    );
  }
}

/** Stops `wallet` signing in to the actor's account, audited; 404 when it does not. */
export async function unlinkWallet(
  ctx: AppContext,
  actor: audit.AuditActor,
  wallet: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await instance.unlinkWallet(tx, wallet, actor.address))) {
      throw AppError.notFound('wallet');
    }
    await audit.recordAudit(tx, {
      ...actor,
      action: 'wallet.unlink',
      resourceType: 'wallet',
      resourceId: wallet,
    });
  });
}
