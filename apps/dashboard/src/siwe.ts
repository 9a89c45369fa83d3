import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils';
import { apiRequest } from './api';
import type { Session } from './session';

/** An injected EIP-1193 provider (`window.ethereum`), as far as sign-in uses it. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

declare global {
  interface Window {
    ethereum?: Eip1193Provider;
  }
}

/** A sign-in that failed for a reason the user can act on; the message is shown as is. */
export class SignInError extends Error {
  override name = 'SignInError';
}

/** EIP-55 mixed-case checksum of a 20-byte hex address. */
export function toChecksumAddress(address: string): string {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new SignInError(`Not an address: ${address}`);
  const lower = address.slice(2).toLowerCase();
  const hash = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < lower.length; i += 1) {
    const c = lower[i] as string;
    out += parseInt(hash[i] as string, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

export interface SiweFields {
  domain: string;
  address: string;
  statement?: string;
  uri: string;
  chainId: number;
  nonce: string;
  issuedAt: Date;
  expirationTime?: Date;
}

/** The EIP-4361 message text, field by field in the order the standard gives. */
export function siweMessage(f: SiweFields): string {
  const lines = [`${f.domain} wants you to sign in with your Ethereum account:`, f.address, ''];
  if (f.statement) lines.push(f.statement, '');
  lines.push(
    `URI: ${f.uri}`,
    'Version: 1',
    `Chain ID: ${f.chainId}`,
    `Nonce: ${f.nonce}`,
    `Issued At: ${f.issuedAt.toISOString()}`,
  );
  if (f.expirationTime) lines.push(`Expiration Time: ${f.expirationTime.toISOString()}`);
  return lines.join('\n');
}

/** EIP-1193's "user rejected the request". */
const USER_REJECTED = 4001;

function rejected(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { code?: unknown }).code === USER_REJECTED
  );
}

async function ask<T>(provider: Eip1193Provider, method: string, params?: unknown[]): Promise<T> {
  try {
    return (await provider.request({ method, params })) as T;
  } catch (err) {
    if (rejected(err)) throw new SignInError('You declined the request in your wallet.');
    const message = err instanceof Error ? err.message : String(err);
    throw new SignInError(`Your wallet refused ${method}: ${message}`);
  }
}

/** A Sign-In with Ethereum message signed by the injected wallet: accounts, chain, nonce, personal_sign. */
export async function walletSignature(
  provider: Eip1193Provider | undefined,
): Promise<{ message: string; signature: string }> {
  if (!provider) {
    throw new SignInError(
      'No Ethereum wallet found in this browser. Install or enable a wallet extension (such as MetaMask), then reload.',
    );
  }
  const accounts = await ask<string[]>(provider, 'eth_requestAccounts');
  const account = accounts[0];
  if (!account) throw new SignInError('Your wallet shared no account. Unlock it and try again.');
  const chainHex = await ask<string>(provider, 'eth_chainId');
  const address = toChecksumAddress(account);
  const { nonce } = await apiRequest<{ nonce: string }>('/v1/auth/nonce');
  const message = siweMessage({
    domain: window.location.host,
    address,
    statement: 'Sign in to Lighthouse',
    uri: window.location.origin,
    chainId: Number.parseInt(chainHex, 16),
    nonce,
    issuedAt: new Date(),
  });
  const hexMessage = `0x${bytesToHex(utf8ToBytes(message))}`;
  const signature = await ask<string>(provider, 'personal_sign', [hexMessage, account]);
  return { message, signature };
}

/** Signs in with the injected wallet: a signed message, verified by the API. */
export async function signInWithWallet(provider: Eip1193Provider | undefined): Promise<Session> {
  const signed = await walletSignature(provider);
  const verified = await apiRequest<{ token: string; address: string; expires_at: string }>(
    '/v1/auth/verify',
    { method: 'POST', body: signed },
  );
  return { token: verified.token, address: verified.address, expiresAt: verified.expires_at };
}

/** Exchanges a one-time sign-in link's token for a session (remembered in this browser). */
export async function signInWithLink(token: string): Promise<Session> {
  const verified = await apiRequest<{ token: string; address: string; expires_at: string }>(
    '/v1/auth/link',
    { method: 'POST', body: { token } },
  );
  return {
    token: verified.token,
    address: verified.address,
    expiresAt: verified.expires_at,
    remember: true,
  };
}

/** The token of a sign-in link (`…/sign-in#token=lhl_…`), or of a token pasted on its own. */
export function linkToken(text: string): string | null {
  return /(?:^|#token=)(lhl_[A-Za-z0-9_-]{16,128})\s*$/.exec(text.trim())?.[1] ?? null;
}
