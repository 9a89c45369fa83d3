import {
  deployTestUsdc,
  randomWallet,
  responseSchema,
  schemaProblems,
  startEvmNode,
  startX402Facilitator,
  type EvmNode,
  type OpenApiDocument,
  type TestUsdc,
  type TransferAuthorization,
  type X402FacilitatorServer,
  x402PaymentHeader,
  TEST_METRICS_TOKEN,
} from '@lighthouse/testing';
import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import type { PaymentRequirements } from '@x402/core/types';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import { Wallet, hexlify, randomBytes } from 'ethers';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Pool } from 'pg';
import { privateKeyToAccount } from 'viem/accounts';
import { createApp } from '../src/app';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// x402 end to end: the official x402 client library pays the API, and the payment is
// settled for real on a local hardhat node (chain id 43113) holding an EIP-3009 token,
// either by the API's own relayer key or through an x402 facilitator.

const USDC = 1_000_000n;
const PRICE = 20n * USDC; // the test tiers' pro tier
const DAY = 86_400_000;

let node: EvmNode;
let usdc: TestUsdc;
let payTo: string;
let facilitator: X402FacilitatorServer;

interface Stack {
  api: TestApi;
  url: string;
  server: Server;
  /** for reading what was written */
  pg: Pool;
}
const stacks: Stack[] = [];

async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startStack(env: Record<string, string>): Promise<Stack> {
  const api = await startTestApi({
    X402_PAY_TO: payTo,
    X402_NETWORK: 'eip155:43113',
    X402_ASSET: usdc.address,
    X402_SETTLE_TIMEOUT_MS: '20000',
    ...env,
  });
  const server = createApp(api.ctx).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const pg = new Pool({ connectionString: api.database.url, max: 2 });
  // an idle client cut off (the database going away at the end) must not crash the worker
  pg.on('error', () => {});
  const stack = {
    api,
    server,
    pg,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  };
  stacks.push(stack);
  return stack;
}

beforeAll(async () => {
  node = await startEvmNode({ chainId: 43113 });
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  payTo = new Wallet(node.accounts[1]!).address;
  facilitator = await startX402Facilitator({
    rpcUrl: node.url,
    chainId: 43113,
    privateKey: node.accounts[3]!,
  });
}, 60_000);

afterAll(async () => {
  for (const stack of stacks) {
    await new Promise<void>((resolve) => stack.server.close(() => resolve()));
    await stack.pg.end();
    await stack.api.close();
  }
  await facilitator?.close();
  await node?.stop();
});

/** A wallet with tokens (no gas needed: whoever settles pays it) and a session. */
async function payer(stack: Stack, tokens = 100n * USDC) {
  const wallet = randomWallet();
  await usdc.mint(wallet.address, tokens);
  const token = await signIn(stack.api.http, wallet);
  return { wallet, token, address: wallet.address.toLowerCase() };
}

/** fetch that pays 402s with `key`, through the x402 client library */
function payingFetch(key: string): typeof fetch {
  // the client pays only in tokens it knows unless told which others it may
  const client = new x402Client().setSpendControls({
    allowedAssets: [
      { network: 'eip155:43113', asset: usdc.address, maxAmountPerPayment: PRICE.toString() },
    ],
  });
  registerExactEvmScheme(client, { signer: privateKeyToAccount(key as `0x${string}`) });
  return wrapFetchWithPayment(fetch, client);
}

interface ErrorBody {
  error: {
    code: string;
    message: string;
    details: { reason?: string; fields?: { field: string }[]; x402?: unknown };
  };
}
interface SubscriptionBody {
  id: string;
  tier: string;
  user_address: string;
  expires_at: string;
  next_check_at: string | null;
  status: string;
  /** a renewal answer only */
  payment_id?: string;
}

async function json<T = SubscriptionBody>(res: Response): Promise<T> {
  return (await res.json()) as T;
}
const failure = (res: Response) => json<ErrorBody>(res);

async function counts(stack: Stack) {
  const { rows } = await stack.pg.query<{ subs: string; pays: string }>(
    `SELECT (SELECT count(*) FROM subscriptions) AS subs, (SELECT count(*) FROM payments) AS pays`,
  );
  return rows[0]!;
}

/** A payment header signed with ethers, for the cases a client library won't make. */
async function signedHeader(
  signer: Wallet,
  overrides: Partial<TransferAuthorization> & { version?: 1 | 2 } = {},
): Promise<string> {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const { version, ...fields } = overrides;
  const accepted: PaymentRequirements = {
    scheme: 'exact',
    network: 'eip155:43113',
    asset: usdc.address,
    amount: PRICE.toString(),
    payTo,
    maxTimeoutSeconds: 300,
    extra: { name: 'USD Coin', version: '2' },
  };
  const { header } = await x402PaymentHeader({
    signer,
    token: { address: usdc.address, chainId: 43113 },
    authorization: {
      from: signer.address,
      to: payTo,
      value: PRICE,
      validAfter: now - 60n,
      validBefore: now + 300n,
      nonce: hexlify(randomBytes(32)),
      ...fields,
    },
    accepted,
    ...(version ? { version } : {}),
  });
  return header;
}

describe.each([
  [
    'the relayer key',
    () => ({ X402_RELAYER_PRIVATE_KEY: node.accounts[2]!, X402_RPC_URL: node.url }),
  ],
  ['a facilitator', () => ({ X402_FACILITATOR_URL: facilitator.url })],
])('paid tiers settled by %s', (_name, env) => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(env());
  });

  it('answers 402 with the x402 terms, and writes nothing', async () => {
    const { token } = await payer(stack);
    const before = await counts(stack);
    const res = await fetch(`${stack.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(httpSubscription({ tier: 'pro' })),
    });
    expect(res.status).toBe(402);
    const body = await failure(res);
    expect(body.error.code).toBe('payment_required');
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required')!);
    expect(required.x402Version).toBe(2);
    expect(required.resource.url).toBe('/v1/subscriptions');
    expect(required.accepts).toEqual([
      {
        scheme: 'exact',
        network: 'eip155:43113',
        asset: usdc.address,
        amount: '20000000',
        payTo,
        maxTimeoutSeconds: 300,
        extra: { name: 'USD Coin', version: '2' },
      },
    ]);
    expect(body.error.details.x402).toEqual(required);
    expect(await counts(stack)).toEqual(before);
  });

  it('creates the subscription once the x402 client pays, and records the payment', async () => {
    const { wallet, token, address } = await payer(stack);
    const payToBefore = await usdc.balanceOf(payTo);
    const res = await payingFetch(wallet.privateKey)(`${stack.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(httpSubscription({ tier: 'pro' })),
    });
    const body = await json(res);
    expect(res.status).toBe(201);
    expect(body.tier).toBe('pro');
    expect(body.user_address).toBe(address);
    const expires = Date.parse(body.expires_at);
    expect(Math.abs(expires - (Date.now() + 30 * DAY))).toBeLessThan(60_000);

    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response')!);
    expect(receipt).toMatchObject({ success: true, network: 'eip155:43113' });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC - PRICE);
    expect(await usdc.balanceOf(payTo)).toBe(payToBefore + PRICE);

    const { rows } = await stack.pg.query(
      `SELECT p.status, p.subscription_id, p.tx_hash, p.amount_usdc, p.purpose, u.total_spent_usdc
         FROM payments p JOIN users u ON u.wallet_address = p.user_address
        WHERE p.user_address = $1`,
      [address],
    );
    expect(rows).toEqual([
      {
        status: 'settled',
        subscription_id: body.id,
        tx_hash: receipt.transaction,
        amount_usdc: '20.000000',
        purpose: 'create',
        total_spent_usdc: '20.000000',
      },
    ]);
    const audit = await stack.pg.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE user_address = $1 ORDER BY id`,
      [address],
    );
    expect(audit.rows.map((r) => r.action)).toEqual(
      expect.arrayContaining(['subscription.create', 'payment.settle']),
    );

    const listed = await json<{ items: Record<string, unknown>[] }>(
      await fetch(`${stack.url}/v1/payments`, { headers: bearer(token) }),
    );
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({
      subscription_id: body.id,
      status: 'settled',
      transaction: receipt.transaction,
      amount_usdc: '20.000000',
    });
  });

  it('renews for another period added to what is left', async () => {
    const { wallet, token, address } = await payer(stack);
    const pay = payingFetch(wallet.privateKey);
    const created = await json(
      await pay(`${stack.url}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify(httpSubscription({ tier: 'pro' })),
      }),
    );
    const unpaid = await fetch(`${stack.url}/v1/subscriptions/${created.id}/renew`, {
      method: 'POST',
      headers: bearer(token),
    });
    expect(unpaid.status).toBe(402);
    expect(decodePaymentRequiredHeader(unpaid.headers.get('payment-required')!).resource.url).toBe(
      `/v1/subscriptions/${created.id}/renew`,
    );

    const res = await pay(`${stack.url}/v1/subscriptions/${created.id}/renew`, {
      method: 'POST',
      headers: bearer(token),
    });
    const renewed = await json(res);
    expect(res.status).toBe(200);
    expect(Date.parse(renewed.expires_at)).toBe(Date.parse(created.expires_at) + 30 * DAY);
    const doc = (await (await fetch(`${stack.url}/openapi.json`)).json()) as OpenApiDocument;
    const schema = responseSchema(doc, '/v1/subscriptions/{id}/renew', 'post');
    expect(schemaProblems(doc, schema, renewed)).toEqual([]);
    expect(renewed.payment_id).toEqual(expect.any(String));
    const { rows } = await stack.pg.query<{ total_spent_usdc: string }>(
      `SELECT total_spent_usdc FROM users WHERE wallet_address = $1`,
      [address],
    );
    expect(rows[0]?.total_spent_usdc).toBe('40.000000');
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC - 2n * PRICE);
  });
});

describe('paid tiers over time', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ X402_FACILITATOR_URL: facilitator.url });
  });

  it('settles through the facilitator: /verify, then /settle', async () => {
    const { wallet, token } = await payer(stack);
    const calls = facilitator.calls.length;
    const res = await payingFetch(wallet.privateKey)(`${stack.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify(httpSubscription({ tier: 'pro' })),
    });
    expect(res.status).toBe(201);
    expect(facilitator.calls.slice(calls).map((c) => c.path)).toEqual(['/verify', '/settle']);
  });

  it('moves a free subscription to a paid tier once the move is paid for', async () => {
    const { wallet, token, address } = await payer(stack);
    const free = await json(
      await fetch(`${stack.url}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify(httpSubscription()),
      }),
    );
    expect(free.expires_at).toBeNull();
    const patch = {
      method: 'PATCH',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ tier: 'pro', check_frequency_seconds: 10 }),
    };
    const unpaid = await fetch(`${stack.url}/v1/subscriptions/${free.id}`, patch);
    expect(unpaid.status).toBe(402);
    const still = await json(
      await fetch(`${stack.url}/v1/subscriptions/${free.id}`, { headers: bearer(token) }),
    );
    expect(still.tier).toBe('free');

    const res = await payingFetch(wallet.privateKey)(
      `${stack.url}/v1/subscriptions/${free.id}`,
      patch,
    );
    const moved = await json(res);
    expect(res.status).toBe(200);
    expect(moved.tier).toBe('pro');
    expect(Math.abs(Date.parse(moved.expires_at) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(res.headers.get('payment-response')).toBeTruthy();
    const { rows } = await stack.pg.query<{ purpose: string; subscription_id: string }>(
      `SELECT purpose, subscription_id FROM payments WHERE user_address = $1`,
      [address],
    );
    expect(rows).toEqual([{ purpose: 'upgrade', subscription_id: free.id }]);

    // and back to free: it never expires again, and nothing is charged
    const back = await fetch(`${stack.url}/v1/subscriptions/${free.id}`, {
      ...patch,
      body: JSON.stringify({ tier: 'free', check_frequency_seconds: 60 }),
    });
    expect(back.status).toBe(200);
    expect((await json(back)).expires_at).toBeNull();
  });

  it('an expired subscription is not due; renewing it checks it again at once', async () => {
    const { wallet, token } = await payer(stack);
    const pay = payingFetch(wallet.privateKey);
    const created = await json(
      await pay(`${stack.url}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify(httpSubscription({ tier: 'pro' })),
      }),
    );
    await stack.pg.query(
      `UPDATE subscriptions SET expires_at = now() - interval '1 hour',
              next_check_at = now() + interval '1 day' WHERE id = $1`,
      [created.id],
    );
    const expired = await json(
      await fetch(`${stack.url}/v1/subscriptions/${created.id}`, { headers: bearer(token) }),
    );
    expect(expired.status).toBe('expired');
    expect(expired.next_check_at).toBeNull();

    const res = await pay(`${stack.url}/v1/subscriptions/${created.id}/renew`, {
      method: 'POST',
      headers: bearer(token),
    });
    const renewed = await json(res);
    expect(res.status).toBe(200);
    expect(renewed.status).toBe('active');
    // a lapsed period is not paid for again: the new one starts now
    expect(Math.abs(Date.parse(renewed.expires_at) - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(Date.parse(renewed.next_check_at!)).toBeLessThanOrEqual(Date.now());
  });

  it('a free subscription has nothing to renew', async () => {
    const { token } = await payer(stack);
    const free = await json(
      await fetch(`${stack.url}/v1/subscriptions`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify(httpSubscription()),
      }),
    );
    const res = await fetch(`${stack.url}/v1/subscriptions/${free.id}/renew`, {
      method: 'POST',
      headers: bearer(token),
    });
    expect(res.status).toBe(409);
    expect((await failure(res)).error.message).toMatch(/free/);
  });
});

describe('refused payments change nothing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      X402_RELAYER_PRIVATE_KEY: node.accounts[2]!,
      X402_RPC_URL: node.url,
    });
  });

  async function attempt(token: string, header: string, name = 'PAYMENT-SIGNATURE') {
    return fetch(`${stack.url}/v1/subscriptions`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json', [name]: header },
      body: JSON.stringify(httpSubscription({ tier: 'pro' })),
    });
  }

  it.each([
    ['wrong_amount', { value: PRICE - 1n }],
    ['wrong_recipient', { to: new Wallet(node?.accounts[5] ?? hexlify(randomBytes(32))).address }],
    ['authorization_expired', { validBefore: BigInt(Math.floor(Date.now() / 1000) - 10) }],
  ])('%s', async (reason, overrides) => {
    const { wallet, token } = await payer(stack);
    const before = await counts(stack);
    const res = await attempt(token, await signedHeader(wallet, overrides));
    expect(res.status).toBe(402);
    const body = await failure(res);
    expect(body.error.details.reason).toBe(reason);
    expect(res.headers.get('payment-required')).toBeTruthy();
    expect(await counts(stack)).toEqual(before);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC);
  });

  it('a signature by another key', async () => {
    const { wallet, token } = await payer(stack);
    const before = await counts(stack);
    const res = await attempt(token, await signedHeader(randomWallet(), { from: wallet.address }));
    expect(res.status).toBe(402);
    expect((await failure(res)).error.details.reason).toBe('invalid_signature');
    expect(await counts(stack)).toEqual(before);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC);
  });

  it('a payer without the funds: refused before anything is sent, and the nonce is free again', async () => {
    const { wallet, token } = await payer(stack, PRICE - 1n);
    const before = await counts(stack);
    const header = await signedHeader(wallet);
    const res = await attempt(token, header);
    expect(res.status).toBe(402);
    expect((await failure(res)).error.details.reason).toBe('insufficient_funds');
    expect(await counts(stack)).toEqual(before);
    // topped up, the very same signed payment goes through
    await usdc.mint(wallet.address, 1n);
    expect((await attempt(token, header)).status).toBe(201);
    expect(await usdc.balanceOf(wallet.address)).toBe(0n);
  });

  it('a payment from a wallet other than the signed-in one', async () => {
    const { token } = await payer(stack);
    const other = await payer(stack);
    const before = await counts(stack);
    const res = await attempt(token, await signedHeader(other.wallet));
    expect(res.status).toBe(402);
    expect((await failure(res)).error.details.reason).toBe('payer_mismatch');
    expect(await counts(stack)).toEqual(before);
  });

  it('a replayed payment, also when both copies arrive at once', async () => {
    const { wallet, token } = await payer(stack);
    const header = await signedHeader(wallet);
    const before = await counts(stack);
    const [a, b] = await Promise.all([attempt(token, header), attempt(token, header)]);
    expect([a.status, b.status].sort()).toEqual([201, 402]);
    const replay = await attempt(token, header);
    expect(replay.status).toBe(402);
    expect((await failure(replay)).error.details.reason).toBe('nonce_used');
    const after = await counts(stack);
    expect(Number(after.subs)).toBe(Number(before.subs) + 1);
    expect(Number(after.pays)).toBe(Number(before.pays) + 1);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC - PRICE);
  });

  it('refuses an authorization valid for longer than X402_MAX_TIMEOUT_SECONDS allows', async () => {
    const { wallet, token } = await payer(stack);
    const before = await counts(stack);
    const now = BigInt(Math.floor(Date.now() / 1000));
    for (const validBefore of [2n ** 255n, now + 300n + 3_600n]) {
      const res = await attempt(token, await signedHeader(wallet, { validBefore }));
      expect(res.status).toBe(402);
      expect((await failure(res)).error.details.reason).toBe('authorization_too_long');
    }
    expect(await counts(stack)).toEqual(before);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC);
    // at the limit (300 s, with a little room for clocks) it is taken
    const res = await attempt(token, await signedHeader(wallet, { validBefore: now + 360n }));
    expect(res.status).toBe(201);
  });

  it('accepts the v1 X-PAYMENT header', async () => {
    const { wallet, token } = await payer(stack);
    const res = await attempt(token, await signedHeader(wallet, { version: 1 }), 'X-PAYMENT');
    expect(res.status).toBe(201);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC - PRICE);
  });

  it("pays for the seed's POST /subscribe with its payment_signature field", async () => {
    const { wallet, token } = await payer(stack);
    const res = await fetch(`${stack.url}/subscribe`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({
        user_address: wallet.address,
        ...httpSubscription({ tier: 'pro' }),
        payment_signature: await signedHeader(wallet),
      }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('payment-response')).toBeTruthy();
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC - PRICE);
  });

  it('counts outcomes in /metrics', async () => {
    const text = await (
      await fetch(`${stack.url}/metrics`, {
        headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` },
      })
    ).text();
    const count = (outcome: string) =>
      Number(
        new RegExp(`lighthouse_payments_total\\{[^}]*outcome="${outcome}"[^}]*\\} (\\d+)`).exec(
          text,
        )?.[1] ?? 0,
      );
    // the cases above in this block: six refusals (one the losing copy), two settled
    expect(count('refused')).toBeGreaterThanOrEqual(6);
    expect(count('settled')).toBeGreaterThanOrEqual(2);
  });

  it('an unreadable payment header is a 400 naming it', async () => {
    const { token } = await payer(stack);
    const before = await counts(stack);
    const res = await attempt(token, 'not base64 json!');
    expect(res.status).toBe(400);
    expect((await failure(res)).error.details.fields?.[0]?.field).toBe('PAYMENT-SIGNATURE');
    expect(await counts(stack)).toEqual(before);
  });
});

describe('settlement unavailable', () => {
  it('facilitator down: 502, nothing recorded, nothing created, nothing charged', async () => {
    const stack = await startStack({
      X402_FACILITATOR_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    const { wallet, token } = await payer(stack);
    const before = await counts(stack);
    const header = await signedHeader(wallet);
    const res = await fetch(`${stack.url}/v1/subscriptions`, {
      method: 'POST',
      headers: {
        ...bearer(token),
        'content-type': 'application/json',
        'PAYMENT-SIGNATURE': header,
      },
      body: JSON.stringify(httpSubscription({ tier: 'pro' })),
    });
    expect(res.status).toBe(502);
    const body = await failure(res);
    expect(body.error.code).toBe('bad_gateway');
    expect(body.error.message).toMatch(/facilitator/);
    expect(await counts(stack)).toEqual(before);
    expect(await usdc.balanceOf(wallet.address)).toBe(100n * USDC);
  });

  it('without X402_PAY_TO a paid tier is refused plainly', async () => {
    const api = await startTestApi();
    try {
      const token = await signIn(api.http, randomWallet());
      const res = await api.http
        .post('/v1/subscriptions')
        .set(bearer(token))
        .send(httpSubscription({ tier: 'pro' }));
      expect(res.status).toBe(402);
      expect((res.body as ErrorBody).error.details.reason).toBe('payments_not_configured');
      expect(res.headers['payment-required']).toBeUndefined();
    } finally {
      await api.close();
    }
  });
});
