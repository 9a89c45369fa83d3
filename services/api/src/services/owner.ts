import type { Session } from '@lighthouse/contracts';
import { auth, instance, type Db } from '@lighthouse/db';
import { AppError, hashToken, newToken, type Mode } from '@lighthouse/shared';
import { SESSION_PREFIX } from '../http/auth';

/** One-time sign-in links: `lhl_…`, good once, for a day. */
export const LINK_PREFIX = 'lhl';
export const LINK_TTL_HOURS = 24;

/**
 * A fresh one-time sign-in link for the owner of a self-hosted instance:
 * `<PUBLIC_URL>/sign-in#token=lhl_…` (the token rides in the fragment, so it never reaches a
 * server log or a Referer). Only its hash is stored.
 */
export async function issueOwnerLink(
  db: Db,
  settings: { LIGHTHOUSE_MODE: Mode; PUBLIC_URL: string },
): Promise<{ url: string; expiresAt: Date }> {
  if (settings.LIGHTHOUSE_MODE !== 'self-hosted') {
    throw new Error(
      'sign-in links are for self-hosted instances; in service mode the operator signs in with a wallet listed in LIGHTHOUSE_ADMIN_WALLETS',
    );
  }
  const owner = await instance.ensureOwner(db);
  const token = newToken(LINK_PREFIX);
  const expiresAt = new Date(Date.now() + LINK_TTL_HOURS * 3_600_000);
  await instance.insertSignInLink(db, {
    userAddress: owner,
    tokenHash: hashToken(token),
    expiresAt,
  });
  await instance.deleteStaleSignInLinks(db, 30);
  return { url: `${settings.PUBLIC_URL}/sign-in#token=${token}`, expiresAt };
}

/**
 * At the api's start in self-hosted mode: the owner's account exists, and while the owner has
 * never signed in, a link to do so (printed in the log, the first thing a new owner needs).
 */
export async function firstStartLink(
  db: Db,
  settings: { LIGHTHOUSE_MODE: Mode; PUBLIC_URL: string },
): Promise<string | undefined> {
  if (settings.LIGHTHOUSE_MODE !== 'self-hosted') return undefined;
  const owner = await instance.ensureOwner(db);
  if (await instance.hasSignedIn(db, owner)) return undefined;
  return (await issueOwnerLink(db, settings)).url;
}

/** Exchanges a one-time link for a session, like a wallet's sign-in. */
export async function signInWithLink(
  db: Db,
  token: string,
  sessionTtlHours: number,
): Promise<Session> {
  const account = await instance.consumeSignInLink(db, hashToken(token));
  if (account === undefined) {
    throw new AppError(
      'unauthorized',
      'this sign-in link is unknown, used already or expired: get a new one with ./lighthouse admin-link',
      {
        logLevel: 'info',
        details: { fields: [{ field: 'token', message: 'is not a live link' }] },
      },
    );
  }
  const session = newToken(SESSION_PREFIX);
  const expiresAt = new Date(Date.now() + sessionTtlHours * 3_600_000);
  await auth.insertSession(db, { userAddress: account, tokenHash: hashToken(session), expiresAt });
  return { token: session, address: account, expires_at: expiresAt.toISOString() };
}
