import { createDb, type Db } from '@lighthouse/db';
import {
  deployTestUsdc,
  randomWallet,
  signInOverHttp,
  startEvmNode,
  startX402Facilitator,
  x402PaymentHeader,
  type EvmNode,
  type TestUsdc,
  type X402FacilitatorServer,
} from '@lighthouse/testing';
import { verifyReport } from '@lighthouse/verify';
import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { validateDiscoveryExtension, type DiscoveryExtension } from '@x402/extensions/bazaar';
import { wrapFetchWithPayment } from '@x402/fetch';
import { Wallet, hexlify, randomBytes } from 'ethers';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { privateKeyToAccount } from 'viem/accounts';
import { startStack, type Stack } from './alerting-stack';

// POST /v1/probe end to end: the api, scheduler, checker and alerter as processes in service
// mode, a local hardhat node with an EIP-3009 test USDC, the x402 facilitator built from the
// official packages, and the official x402 client paying. A paid probe runs the check at once
// and moves exactly the price; a replayed or underpaid payment is refused and runs nothing.

const CHAIN_ID = 43113;
const PRICE = 1_000n; // 0.001 USDC, the default X402_PROBE_PRICE_USDC
const USDC = 1_000_000n;

let stack: Stack;
let node: EvmNode;
let usdc: TestUsdc;
let facilitator: X402FacilitatorServer;
let payTo: string;
let db: Db;
const operator = randomWallet();

beforeAll(async () => {
  node = await startEvmNode({ chainId: CHAIN_ID });
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  payTo = new Wallet(node.accounts[1]!).address;
  facilitator = await startX402Facilitator({
    rpcUrl: node.url,
    chainId: CHAIN_ID,
    privateKey: node.accounts[3]!,
  });
  stack = await startStack({
    api: {
      X402_PAY_TO: payTo,
      X402_NETWORK: `eip155:${CHAIN_ID}`,
      X402_ASSET: usdc.address,
      X402_FACILITATOR_URL: facilitator.url,
      X402_SETTLE_TIMEOUT_MS: '20000',
      LIGHTHOUSE_ADMIN_WALLETS: operator.address,
    },
  });
  db = createDb({ url: stack.database.url, max: 1 });
  // the probe runs where a checker is live: wait until the checker registered
  await stack.until('a live region', async () => {
    const res = await fetch(`${stack.apiUrl}/v1/regions`);
    const body = (await res.json()) as { items: { region: string }[] };
    return body.items.length > 0 ? true : undefined;
  });
}, 120_000);

afterAll(async () => {
  await db?.destroy();
  await stack?.stop();
  await facilitator?.close();
  await node?.stop();
});

const probeUrl = () => `${stack.apiUrl}/v1/probe`;
const json = { 'Content-Type': 'application/json' };

/** fetch that pays 402s with `key`, through the official x402 client */
function payingFetch(key: string, seen: string[] = []): typeof fetch {
  const client = new x402Client().setSpendControls({
    allowedAssets: [
      {
        network: `eip155:${CHAIN_ID}`,
        asset: usdc.address,
        maxAmountPerPayment: PRICE.toString(),
      },
    ],
  });
  registerExactEvmScheme(client, { signer: privateKeyToAccount(key as `0x${string}`) });
  // the payment header each paid retry carried, for the replay below
  const recording: typeof fetch = (input, init) => {
    const request = new Request(input, init);
    const header = request.headers.get('PAYMENT-SIGNATURE');
    if (header) seen.push(header);
    return fetch(request);
  };
  return wrapFetchWithPayment(recording, client);
}

async function probesWritten(): Promise<number> {
  const row = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('kind', '=', 'probe')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

interface ProbeBody {
  id: string;
  target: string;
  checked_at: string;
  results: { region: string; status: string; http_status: number | null }[];
  payment: { id: string; amount_usdc: string; transaction: string; payer: string };
  proof: unknown;
}

it('answers bad input 400 naming the field, before any terms', async () => {
  const res = await fetch(probeUrl(), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ target_type: 'http', target_config: { url: 'not a url' } }),
  });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { details: { fields: { field: string }[] } } };
  expect(body.error.details.fields.map((f) => f.field)).toEqual(['target_config.url']);
  expect(res.headers.get('PAYMENT-REQUIRED')).toBeNull();
  const heartbeat = await fetch(probeUrl(), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ target_type: 'heartbeat', target_config: {} }),
  });
  expect(heartbeat.status).toBe(400);
  const regions = await fetch(probeUrl(), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({
      target_type: 'http',
      target_config: { url: stack.targetUrl('/x') },
      regions: ['mars'],
    }),
  });
  expect(regions.status).toBe(400);
  expect(await regions.text()).toContain('no live checker in \\"mars\\"');
  expect(await probesWritten()).toBe(0);
});

it('answers 402 with the price and a valid bazaar discovery extension', async () => {
  const res = await fetch(probeUrl(), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ target_type: 'http', target_config: { url: stack.targetUrl('/x') } }),
  });
  expect(res.status).toBe(402);
  const required = decodePaymentRequiredHeader(res.headers.get('PAYMENT-REQUIRED') ?? '');
  expect(required.accepts).toEqual([
    expect.objectContaining({
      scheme: 'exact',
      network: `eip155:${CHAIN_ID}`,
      asset: usdc.address,
      amount: PRICE.toString(),
      payTo,
    }),
  ]);
  expect(required.resource.url).toMatch(/\/v1\/probe$/);
  const bazaar = required.extensions?.bazaar as DiscoveryExtension;
  expect(validateDiscoveryExtension(bazaar)).toEqual({ valid: true });
  const input = bazaar.info.input as { method: string; bodyType: string };
  expect(input).toMatchObject({ method: 'POST', bodyType: 'json' });
  // the input schema names the fields the route validates
  const schema = JSON.stringify(bazaar.schema);
  for (const field of ['target_type', 'target_config', 'regions']) expect(schema).toContain(field);
  expect(await probesWritten()).toBe(0);
});

it('runs a paid probe now, returns the result with its proof, and moves exactly the price', async () => {
  const payer = randomWallet();
  await usdc.mint(payer.address, USDC);
  const seen: string[] = [];
  const pay = payingFetch(payer.privateKey, seen);
  const before = await Promise.all([usdc.balanceOf(payer.address), usdc.balanceOf(payTo)]);

  const res = await pay(probeUrl(), {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ target_type: 'http', target_config: { url: stack.targetUrl('/ok') } }),
  });
  const body = (await res.json()) as ProbeBody;
  expect(res.status).toBe(200);
  expect(body.results).toEqual([
    expect.objectContaining({ region: 'local', status: 'up', http_status: 200 }),
  ]);
  expect(body.target).toBe(`GET ${stack.targetUrl('/ok')}`);
  expect(body.payment).toMatchObject({ amount_usdc: '0.001', payer: payer.address });
  const response = decodePaymentResponseHeader(res.headers.get('PAYMENT-RESPONSE') ?? '');
  expect(response).toMatchObject({ success: true, transaction: body.payment.transaction });

  const after = await Promise.all([usdc.balanceOf(payer.address), usdc.balanceOf(payTo)]);
  expect(before[0] - after[0]).toBe(PRICE);
  expect(after[1] - before[1]).toBe(PRICE);

  // the row is signed: the proof verifies offline, as lighthouse-verify would check it
  const verified = await verifyReport(body.proof);
  expect(verified.rows).toBe(1);

  // listed in the operator console, and in the audit log under the payer
  const token = await signInOverHttp(stack.apiUrl, 'lighthouse.test', operator);
  const listed = await fetch(`${stack.apiUrl}/v1/admin/payments`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const items = ((await listed.json()) as { items: Record<string, unknown>[] }).items;
  expect(items).toContainEqual(
    expect.objectContaining({
      id: body.payment.id,
      purpose: 'probe',
      status: 'settled',
      subscription_id: body.id,
      user_address: payer.address.toLowerCase(),
      amount_atomic: PRICE.toString(),
    }),
  );
  const audit = await db
    .selectFrom('audit_log')
    .select(['action', 'actor', 'resource_id'])
    .where('user_address', '=', payer.address.toLowerCase())
    .orderBy('id')
    .execute();
  expect(audit).toEqual([
    { action: 'payment.settle', actor: 'x402', resource_id: body.payment.id },
    { action: 'probe.run', actor: 'x402', resource_id: body.id },
  ]);
  // a probe is nobody's monitor: no state moved, no alert raised
  const events = await db
    .selectFrom('state_events')
    .select('id')
    .where('subscription_id', '=', body.id)
    .execute();
  expect(events).toEqual([]);

  // the same payment again: refused, and nothing runs
  const written = await probesWritten();
  expect(seen).toHaveLength(1);
  const replay = await fetch(probeUrl(), {
    method: 'POST',
    headers: { ...json, 'PAYMENT-SIGNATURE': seen[0]! },
    body: JSON.stringify({ target_type: 'http', target_config: { url: stack.targetUrl('/ok') } }),
  });
  expect(replay.status).toBe(402);
  const refused = (await replay.json()) as { error: { details: { reason: string } } };
  expect(refused.error.details.reason).toBe('nonce_used');
  expect(await probesWritten()).toBe(written);
  expect(await usdc.balanceOf(payer.address)).toBe(after[0]);
}, 60_000);

/** A probe paid with a payment signed by `payer` for `value`, valid for `seconds`: its reason. */
async function refusedReason(payer: Wallet, value: bigint, seconds: bigint): Promise<string> {
  const { header } = await x402PaymentHeader({
    signer: payer,
    token: { address: usdc.address, chainId: CHAIN_ID },
    authorization: {
      from: payer.address,
      to: payTo,
      value,
      validAfter: 0n,
      validBefore: BigInt(Math.floor(Date.now() / 1000)) + seconds,
      nonce: hexlify(randomBytes(32)),
    },
    accepted: {
      scheme: 'exact',
      network: `eip155:${CHAIN_ID}`,
      asset: usdc.address,
      amount: value.toString(),
      payTo,
    },
  });
  const res = await fetch(probeUrl(), {
    method: 'POST',
    headers: { ...json, 'PAYMENT-SIGNATURE': header },
    body: JSON.stringify({ target_type: 'http', target_config: { url: stack.targetUrl('/ok') } }),
  });
  expect(res.status).toBe(402);
  return ((await res.json()) as { error: { details: { reason: string } } }).error.details.reason;
}

it('refuses an underpaid or too brief payment and runs nothing', async () => {
  const payer = randomWallet();
  await usdc.mint(payer.address, USDC);
  const written = await probesWritten();
  expect(await refusedReason(payer, PRICE - 1n, 120n)).toBe('wrong_amount');
  expect(await probesWritten()).toBe(written);
  expect(await usdc.balanceOf(payer.address)).toBe(USDC);

  // the price, but valid for less than the check and its settlement may take: refused up front
  expect(await refusedReason(payer, PRICE, 20n)).toBe('authorization_too_short');
  expect(await probesWritten()).toBe(written);
  expect(await usdc.balanceOf(payer.address)).toBe(USDC);
});

it("works from the README's example, examples/probe.mjs, with the official client", async () => {
  const payer = randomWallet();
  await usdc.mint(payer.address, USDC);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(__dirname, '..', '..', 'examples', 'probe.mjs'), stack.targetUrl('/from-readme')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        LIGHTHOUSE_URL: stack.apiUrl,
        WALLET_KEY: payer.privateKey,
        MAX_PRICE_USDC: '0.001',
      },
      timeout: 30_000,
    },
  );
  const printed = JSON.parse(stdout) as ProbeBody & { status: number; paid: { success: boolean } };
  expect(printed).toMatchObject({ status: 200, paid: { success: true } });
  expect(printed.results).toEqual([expect.objectContaining({ status: 'up', http_status: 200 })]);
  expect(await usdc.balanceOf(payer.address)).toBe(USDC - PRICE);
}, 60_000);
