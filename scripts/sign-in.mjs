// Signs in to a Lighthouse API with an EVM wallet (EIP-4361) and prints the bearer token.
//   TOKEN=$(node scripts/sign-in.mjs)                       a new random wallet, http://localhost:3000
//   PRIVATE_KEY=0x... node scripts/sign-in.mjs https://lighthouse.example.com
import { Wallet } from 'ethers';
import { SiweMessage } from 'siwe';

const api = new URL(process.argv[2] ?? process.env.LIGHTHOUSE_API ?? 'http://localhost:3000');
const wallet = process.env.PRIVATE_KEY
  ? new Wallet(process.env.PRIVATE_KEY)
  : Wallet.createRandom();

async function main() {
  const nonceRes = await fetch(new URL('/v1/auth/nonce', api));
  if (!nonceRes.ok) throw new Error(`GET /v1/auth/nonce answered ${nonceRes.status}`);
  const { nonce } = await nonceRes.json();
  const message = new SiweMessage({
    domain: process.env.SIWE_DOMAIN ?? api.host,
    address: wallet.address,
    statement: 'Sign in to Lighthouse',
    uri: api.origin,
    version: '1',
    chainId: 1,
    nonce,
    issuedAt: new Date().toISOString(),
  }).prepareMessage();
  const signature = await wallet.signMessage(message);
  const res = await fetch(new URL('/v1/auth/verify', api), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ message, signature }),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`sign-in refused (${res.status}): ${body.error?.message}`);
  process.stderr.write(`signed in as ${body.address}, token valid until ${body.expires_at}\n`);
  process.stdout.write(`${body.token}\n`);
}

main().catch((err) => {
  process.stderr.write(`sign-in: ${err.message}\n`);
  process.exit(1);
});
