import type { Account, Wallet, WholeList } from '@lighthouse/contracts';
import { instance, users } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router } from 'express';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth, requireSession } from '../http/auth';
import { parseInput } from '../http/validate';
import { isOperator } from '../services/operators';
import { verifySiwe } from '../services/siwe';
import { linkWallet, unlinkWallet } from '../services/wallets';
import { verifyBodySchema } from './auth';

const WALLET = /^0x[0-9a-fA-F]{40}$/;

/**
 * The signed-in account: who it is (the owner, an operator), and the wallets that sign in to
 * it. A self-hosted owner starts without a wallet and may add one: a SIWE message signed by
 * that wallet (with a nonce from /v1/auth/nonce) links it, and it then signs in to this
 * account.
 */
export function accountRoutes(ctx: AppContext): Router {
  const router = Router();
  router.use('/v1/account', requireAuth(ctx));

  router.get('/v1/account', async (_req, res) => {
    const { address, via, scope } = principalOf(res);
    const [owner, operator, wallets, user] = await Promise.all([
      instance.findOwner(ctx.db),
      isOperator(ctx, address),
      instance.listWallets(ctx.db, address),
      users.findUser(ctx.db, address),
    ]);
    res.set('Cache-Control', 'no-store').json({
      address,
      owner: ctx.config.LIGHTHOUSE_MODE === 'self-hosted' && owner === address,
      operator,
      signed_in_with: via,
      scope,
      language: user?.language_preference ?? 'en',
      wallets: wallets.map(walletJson),
    } satisfies Account);
  });

  const sessionOnly = requireSession('add or remove wallets');

  router.post('/v1/account/wallets', sessionOnly, async (req, res) => {
    const body = parseInput(verifyBodySchema, req.body);
    const wallet = await verifySiwe(ctx, body);
    const actor = actorOf(req, res);
    await linkWallet(ctx, actor, wallet);
    const wallets = await instance.listWallets(ctx.db, actor.address);
    res
      .status(201)
      .json({ items: wallets.map(walletJson), next_cursor: null } satisfies WholeList<Wallet>);
  });

  router.get('/v1/account/wallets', async (_req, res) => {
    const wallets = await instance.listWallets(ctx.db, principalOf(res).address);
    res.json({ items: wallets.map(walletJson), next_cursor: null } satisfies WholeList<Wallet>);
  });

  router.delete('/v1/account/wallets/:address', sessionOnly, async (req, res) => {
    const wallet = String(req.params.address).toLowerCase();
    if (!WALLET.test(wallet)) throw AppError.notFound('wallet');
    await unlinkWallet(ctx, actorOf(req, res), wallet);
    res.status(204).end();
  });

  return router;
}

function walletJson(w: instance.LinkedWallet): Wallet {
  return { wallet_address: w.wallet_address, created_at: w.created_at.toISOString() };
}
