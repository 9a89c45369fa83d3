import { instance } from '@lighthouse/db';
import type { AppContext } from '../context';

/** Who may use the operator console: a listed admin wallet, or a self-hosted instance's owner. */
export async function isOperator(ctx: AppContext, address: string): Promise<boolean> {
  if (ctx.config.LIGHTHOUSE_ADMIN_WALLETS.includes(address)) return true;
  if (ctx.config.LIGHTHOUSE_MODE !== 'self-hosted') return false;
  return (await instance.findOwner(ctx.db)) === address;
}
