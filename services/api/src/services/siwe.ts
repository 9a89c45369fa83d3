import type { Session } from '@lighthouse/contracts';
import { auth, instance, users } from '@lighthouse/db';
import { AppError, hashToken, newToken } from '@lighthouse/shared';
import { randomBytes } from 'node:crypto';
import { SiweMessage } from 'siwe';
import type { AppContext } from '../context';
import { SESSION_PREFIX } from '../http/auth';

/** How long a nonce from /v1/auth/nonce may be used (DESIGN: at most 10 minutes). */
export const NONCE_TTL_SECONDS = 600;

export async function issueNonce(ctx: AppContext): Promise<string> {
  // siwe wants at least 8 alphanumeric characters
  const nonce = randomBytes(16).toString('hex');
  await auth.insertNonce(ctx.db, nonce);
  if (Math.random() < 0.01) await auth.deleteStaleNonces(ctx.db, 24 * 3600);
  return nonce;
}

const rejected = (message: string): AppError =>
  new AppError('unauthorized', message, { logLevel: 'info' });

/**
 * EIP-4361: the message must be well formed, name our domain, be inside its
 * validity window, carry a nonce we issued (unused, fresh) and be signed by
 * the address it names. The nonce is spent only after the signature checks out.
 * Returns the wallet that signed, lower-case.
 */
export async function verifySiwe(
  ctx: AppContext,
  input: { message: string; signature: string },
): Promise<string> {
  let message: SiweMessage;
  try {
    message = new SiweMessage(input.message);
  } catch (err) {
    throw AppError.validation([
      { field: 'message', message: `is not an EIP-4361 message: ${describe(err)}` },
    ]);
  }
  if (message.domain !== ctx.config.SIWE_DOMAIN) {
    throw rejected(
      `the message is for domain "${message.domain}", this API signs in "${ctx.config.SIWE_DOMAIN}"`,
    );
  }
  // the URI names the site asking for the signature: it must be this one (http or https)
  const uri = URL.parse(message.uri);
  if (!uri || !/^https?:$/.test(uri.protocol) || uri.host !== ctx.config.SIWE_DOMAIN) {
    throw rejected(
      `the message's URI "${message.uri}" is not this site (https://${ctx.config.SIWE_DOMAIN})`,
    );
  }
  const chains = ctx.config.SIWE_CHAIN_IDS;
  if (chains && !chains.includes(message.chainId)) {
    throw rejected(
      `the message names chain ${message.chainId}; this API signs in on chain ${chains.join(', ')}`,
    );
  }
  const verdict = await message.verify(
    { signature: input.signature, domain: ctx.config.SIWE_DOMAIN, nonce: message.nonce },
    { suppressExceptions: true },
  );
  if (!verdict.success) {
    throw rejected(
      `the sign-in message was rejected: ${verdict.error?.type ?? 'invalid signature'}`,
    );
  }
  if (!(await auth.consumeNonce(ctx.db, message.nonce, NONCE_TTL_SECONDS))) {
    throw rejected(
      'the nonce is unknown, already used or older than 10 minutes: get a new one at /v1/auth/nonce',
    );
  }

  return message.address.toLowerCase();
}

/**
 * Signs a wallet in (see {@link verifySiwe}). A wallet linked to an account signs in to that
 * account (the owner's wallet, on a self-hosted instance). A self-hosted instance has one
 * owner: other wallets are refused unless LIGHTHOUSE_ADMIN_WALLETS lists them.
 */
export async function signIn(
  ctx: AppContext,
  input: { message: string; signature: string },
): Promise<Session> {
  const wallet = await verifySiwe(ctx, input);
  const linked = await instance.linkedAccount(ctx.db, wallet);
  if (
    linked === undefined &&
    ctx.config.LIGHTHOUSE_MODE === 'self-hosted' &&
    !ctx.config.LIGHTHOUSE_ADMIN_WALLETS.includes(wallet)
  ) {
    throw new AppError(
      'forbidden',
      'this Lighthouse is self-hosted: only its owner signs in (with the sign-in link from ./lighthouse admin-link, or a wallet the owner added)',
      { logLevel: 'info' },
    );
  }
  const address = linked ?? wallet;
  const token = newToken(SESSION_PREFIX);
  const expiresAt = new Date(Date.now() + ctx.config.SESSION_TTL_HOURS * 3_600_000);
  await ctx.db.transaction().execute(async (tx) => {
    await users.ensureUser(tx, address);
    await auth.insertSession(tx, { userAddress: address, tokenHash: hashToken(token), expiresAt });
  });
  return { token, address, expires_at: expiresAt.toISOString() };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  return 'cannot be parsed';
}
