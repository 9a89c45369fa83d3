// Signs in to a Lighthouse API with an EVM wallet (EIP-4361) and prints the bearer token.
//   TOKEN=$(node scripts/sign-in.mjs)                       http://localhost:3000, with the kept wallet
//   PRIVATE_KEY=0x... node scripts/sign-in.mjs https://lighthouse.example.com
// Without PRIVATE_KEY it signs in with the wallet kept in .lighthouse/wallet.json (git-ignored;
// LIGHTHOUSE_WALLET_FILE names another file), made on the first run: the same wallet, so the
// same monitors, every time. Only the token goes to stdout; what it did goes to stderr.
import { Wallet } from 'ethers';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SiweMessage } from 'siwe';

const api = new URL(process.argv[2] ?? process.env.LIGHTHOUSE_API ?? 'http://localhost:3000');
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const walletFile = resolve(
  process.env.LIGHTHOUSE_WALLET_FILE || join(root, '.lighthouse', 'wallet.json'),
);

/** The kept wallet, or undefined when there is none yet. */
function readWallet() {
  let text;
  try {
    text = readFileSync(walletFile, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return undefined;
    throw new Error(`cannot read the wallet file ${walletFile}: ${err.message}`);
  }
  try {
    return new Wallet(JSON.parse(text).private_key);
  } catch (err) {
    throw new Error(
      `${walletFile} holds no wallet (${err.message}); move it away to make a new one, or set PRIVATE_KEY`,
    );
  }
}

/** PRIVATE_KEY's wallet, else the kept one, else a new one, kept (mode 0600) for the next runs. */
function loadWallet() {
  const key = process.env.PRIVATE_KEY;
  if (key) return { wallet: new Wallet(key), from: 'PRIVATE_KEY' };
  const kept = readWallet();
  if (kept) return { wallet: kept, from: walletFile };
  const wallet = Wallet.createRandom();
  mkdirSync(dirname(walletFile), { recursive: true, mode: 0o700 });
  const body = { address: wallet.address, private_key: wallet.privateKey };
  try {
    // 'wx': never overwrite a wallet another run has just written
    writeFileSync(walletFile, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if (err.code === 'EEXIST') return { wallet: readWallet(), from: walletFile };
    throw new Error(`cannot keep the new wallet in ${walletFile}: ${err.message}`);
  }
  process.stderr.write(
    `made a new wallet ${wallet.address}; its private key is kept in ${walletFile} ` +
      `(mode 0600): later runs sign in with it, and so see the same monitors\n`,
  );
  return { wallet, from: walletFile };
}

async function main() {
  const { wallet, from } = loadWallet();
  const nonceRes = await fetch(new URL('/v1/auth/nonce', api));
  if (!nonceRes.ok) throw new Error(`GET /v1/auth/nonce answered ${nonceRes.status}`);
  const { nonce } = await nonceRes.json();
  // the API checks that the message names its SIWE_DOMAIN, as domain and as the URI's host
  const domain = process.env.SIWE_DOMAIN ?? api.host;
  const message = new SiweMessage({
    domain,
    address: wallet.address,
    statement: 'Sign in to Lighthouse',
    uri: `${api.protocol}//${domain}`,
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
  process.stderr.write(
    `signed in as ${body.address} (key from ${from}), token valid until ${body.expires_at}\n`,
  );
  process.stdout.write(`${body.token}\n`);
}

main().catch((err) => {
  process.stderr.write(`sign-in: ${err.message}\n`);
  process.exit(1);
});
