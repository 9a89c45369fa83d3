import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';

export interface SiweOptions {
  domain: string;
  nonce: string;
  uri?: string;
  chainId?: number;
  issuedAt?: Date;
  expirationTime?: Date;
}

/** Builds and signs an EIP-4361 message the way a wallet would. */
export async function signSiwe(
  wallet: Wallet,
  o: SiweOptions,
): Promise<{ message: string; signature: string }> {
  const message = new SiweMessage({
    domain: o.domain,
    address: wallet.address,
    statement: 'Sign in to Lighthouse',
    uri: o.uri ?? `http://${o.domain}`,
    version: '1',
    chainId: o.chainId ?? 1,
    nonce: o.nonce,
    issuedAt: (o.issuedAt ?? new Date()).toISOString(),
    ...(o.expirationTime ? { expirationTime: o.expirationTime.toISOString() } : {}),
  }).prepareMessage();
  return { message, signature: await wallet.signMessage(message) };
}

export function randomWallet(): Wallet {
  return new Wallet(Wallet.createRandom().privateKey);
}

/** Signs in to a running API over HTTP, as a dashboard would; returns the bearer token. */
export async function signInOverHttp(
  apiUrl: string,
  domain: string,
  wallet: Wallet = randomWallet(),
): Promise<string> {
  const nonceRes = await fetch(`${apiUrl}/v1/auth/nonce`);
  const { nonce } = (await nonceRes.json()) as { nonce: string };
  const signed = await signSiwe(wallet, { domain, nonce });
  const res = await fetch(`${apiUrl}/v1/auth/verify`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(signed),
  });
  if (res.status !== 200) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
