import { x402Client } from '@x402/core/client';
import {
  HTTPFacilitatorClient,
  decodePaymentResponseHeader,
  decodePaymentSignatureHeader,
  encodePaymentRequiredHeader,
  encodePaymentResponseHeader,
} from '@x402/core/http';
import type {
  PaymentPayload,
  PaymentRequired,
  PaymentRequirements,
  SettleResponse,
  VerifyResponse,
} from '@x402/core/types';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import { Signature, TypedDataEncoder, Wallet, getAddress, hexlify, randomBytes } from 'ethers';
import type { ContractTransactionResponse } from 'ethers';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { privateKeyToAccount } from 'viem/accounts';
import {
  deployTestUsdc,
  startEvmNode,
  startX402Facilitator,
  TRANSFER_WITH_AUTHORIZATION_TYPES,
  type EvmNode,
  type Hex,
  type TestUsdc,
  type X402FacilitatorServer,
} from '../src';

const CHAIN_ID = 43113;
const USDC = 1_000_000n; // 6 decimals

const authorizationTypes = TRANSFER_WITH_AUTHORIZATION_TYPES;

let node: EvmNode;
let usdc: TestUsdc;

// the node takes ~3 s to start; solc compiles for a few more seconds when its cache is cold
beforeAll(async () => {
  node = await startEvmNode({ chainId: CHAIN_ID });
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
}, 60_000);

afterAll(async () => {
  await node?.stop();
});

function wallet(index: number): Wallet {
  return new Wallet(node.accounts[index]!, usdc.contract.runner?.provider);
}

async function latestTimestamp(): Promise<number> {
  const block = await node.rpc<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false]);
  return Number(block.timestamp);
}

interface Authorization {
  from: string;
  to: string;
  value: bigint;
  validAfter: number;
  validBefore: number;
  nonce: string;
}

async function authorize(
  signer: Wallet,
  overrides: Partial<Authorization> & Pick<Authorization, 'from' | 'to' | 'value'>,
): Promise<{ auth: Authorization; signature: string }> {
  const now = await latestTimestamp();
  const auth: Authorization = {
    validAfter: 0,
    validBefore: now + 300,
    nonce: hexlify(randomBytes(32)),
    ...overrides,
  };
  const domain = {
    name: 'USD Coin',
    version: '2',
    chainId: CHAIN_ID,
    verifyingContract: usdc.address,
  };
  return { auth, signature: await signer.signTypedData(domain, authorizationTypes, auth) };
}

/** transferWithAuthorization(..., v, r, s), sent by `relayer`; resolves when mined */
async function submitVrs(
  relayer: Wallet,
  { auth, signature }: { auth: Authorization; signature: string },
) {
  const { v, r, s } = Signature.from(signature);
  const fn = usdc.contract
    .connect(relayer)
    .getFunction(
      'transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,uint8,bytes32,bytes32)',
    );
  const tx = (await fn(
    auth.from,
    auth.to,
    auth.value,
    auth.validAfter,
    auth.validBefore,
    auth.nonce,
    v,
    r,
    s,
  )) as ContractTransactionResponse;
  return tx.wait();
}

describe('startEvmNode', () => {
  it('answers eth_chainId with the chain id it was given, with funded dev accounts', async () => {
    expect(await node.rpc('eth_chainId')).toBe('0xa869'); // 43113
    expect(node.accounts.length).toBeGreaterThanOrEqual(10);
    expect(new Wallet(node.accounts[0]!).address).toBe(
      '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    );
    const balance = await node.rpc<string>('eth_getBalance', [
      new Wallet(node.accounts[9]!).address,
      'latest',
    ]);
    expect(BigInt(balance)).toBe(10_000n * 10n ** 18n);
  });

  it('holds transactions while mining is off and mines them on demand', async () => {
    const payer = wallet(5);
    await node.setMining(false);
    try {
      const tx = await payer.sendTransaction({ to: wallet(6).address, value: 1n });
      expect(await node.rpc('eth_getTransactionReceipt', [tx.hash])).toBeNull();
      await node.mine();
      expect(await node.rpc('eth_getTransactionReceipt', [tx.hash])).not.toBeNull();
    } finally {
      await node.setMining(true);
    }
  });
});

describe('TestUSDC', () => {
  it('describes itself like USDC', async () => {
    const c = usdc.contract;
    expect(await c.getFunction('name')()).toBe('USD Coin');
    expect(await c.getFunction('version')()).toBe('2');
    expect(await c.getFunction('decimals')()).toBe(6n);
    expect(await c.getFunction('DOMAIN_SEPARATOR')()).toBe(
      TypedDataEncoder.hashDomain({
        name: 'USD Coin',
        version: '2',
        chainId: CHAIN_ID,
        verifyingContract: usdc.address,
      }),
    );
  });

  it('moves balances with transferWithAuthorization and rejects replays, expiry and wrong signers', async () => {
    const payer = wallet(2);
    const payee = wallet(3).address;
    const relayer = wallet(4);
    await usdc.mint(payer.address, 10n * USDC);
    const payeeBefore = await usdc.balanceOf(payee);

    const signed = await authorize(payer, { from: payer.address, to: payee, value: 3n * USDC });
    const receipt = await submitVrs(relayer, signed);
    expect(receipt?.status).toBe(1);
    expect(await usdc.balanceOf(payer.address)).toBe(7n * USDC);
    expect(await usdc.balanceOf(payee)).toBe(payeeBefore + 3n * USDC);
    expect(
      await usdc.contract.getFunction('authorizationState')(payer.address, signed.auth.nonce),
    ).toBe(true);

    await expect(submitVrs(relayer, signed)).rejects.toThrow(/authorization is used or canceled/);

    const now = await latestTimestamp();
    const expired = await authorize(payer, {
      from: payer.address,
      to: payee,
      value: USDC,
      validBefore: now,
    });
    await expect(submitVrs(relayer, expired)).rejects.toThrow(/authorization is expired/);

    const early = await authorize(payer, {
      from: payer.address,
      to: payee,
      value: USDC,
      validAfter: now + 3600,
    });
    await expect(submitVrs(relayer, early)).rejects.toThrow(/authorization is not yet valid/);

    const forged = await authorize(wallet(7), { from: payer.address, to: payee, value: USDC });
    await expect(submitVrs(relayer, forged)).rejects.toThrow(/invalid signature/);

    const tooMuch = await authorize(payer, { from: payer.address, to: payee, value: 8n * USDC });
    await expect(submitVrs(relayer, tooMuch)).rejects.toThrow(/transfer amount exceeds balance/);

    expect(await usdc.balanceOf(payer.address)).toBe(7n * USDC);
  });

  it('takes the bytes-signature overload, receiveWithAuthorization only from the payee, and cancellations', async () => {
    const payer = wallet(8);
    const payee = wallet(9);
    await usdc.mint(payer.address, 5n * USDC);

    const signed = await authorize(payer, { from: payer.address, to: payee.address, value: USDC });
    const { auth } = signed;
    const byBytes = usdc.contract
      .connect(wallet(4))
      .getFunction(
        'transferWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)',
      );
    await (
      (await byBytes(
        auth.from,
        auth.to,
        auth.value,
        auth.validAfter,
        auth.validBefore,
        auth.nonce,
        signed.signature,
      )) as ContractTransactionResponse
    ).wait();
    expect(await usdc.balanceOf(payee.address)).toBe(USDC);

    const domain = {
      name: 'USD Coin',
      version: '2',
      chainId: CHAIN_ID,
      verifyingContract: usdc.address,
    };
    const receive = { ...auth, nonce: hexlify(randomBytes(32)) };
    const receiveSignature = await payer.signTypedData(
      domain,
      { ReceiveWithAuthorization: authorizationTypes.TransferWithAuthorization },
      receive,
    );
    const receiveArgs = [
      receive.from,
      receive.to,
      receive.value,
      receive.validAfter,
      receive.validBefore,
      receive.nonce,
      receiveSignature,
    ];
    const receiveFn =
      'receiveWithAuthorization(address,address,uint256,uint256,uint256,bytes32,bytes)';
    await expect(
      usdc.contract.connect(wallet(4)).getFunction(receiveFn)(...receiveArgs),
    ).rejects.toThrow(/caller must be the payee/);
    await (
      (await usdc.contract.connect(payee).getFunction(receiveFn)(
        ...receiveArgs,
      )) as ContractTransactionResponse
    ).wait();
    expect(await usdc.balanceOf(payee.address)).toBe(2n * USDC);

    const doomed = await authorize(payer, { from: payer.address, to: payee.address, value: USDC });
    const cancelSignature = Signature.from(
      await payer.signTypedData(
        domain,
        {
          CancelAuthorization: [
            { name: 'authorizer', type: 'address' },
            { name: 'nonce', type: 'bytes32' },
          ],
        },
        { authorizer: payer.address, nonce: doomed.auth.nonce },
      ),
    );
    const cancel = usdc.contract
      .connect(wallet(4))
      .getFunction('cancelAuthorization(address,bytes32,uint8,bytes32,bytes32)');
    await (
      (await cancel(
        payer.address,
        doomed.auth.nonce,
        cancelSignature.v,
        cancelSignature.r,
        cancelSignature.s,
      )) as ContractTransactionResponse
    ).wait();
    await expect(submitVrs(wallet(4), doomed)).rejects.toThrow(/authorization is used or canceled/);
  });

  it('signs for whatever address its code is placed at (hardhat_setCode)', async () => {
    const elsewhere = getAddress('0x00000000000000000000000000000000000dead1');
    const code = await node.rpc<string>('eth_getCode', [usdc.address, 'latest']);
    await node.rpc('hardhat_setCode', [elsewhere, code]);
    const copy = usdc.contract.attach(elsewhere);
    expect(await copy.getFunction('name')()).toBe('USD Coin');
    expect(await copy.getFunction('DOMAIN_SEPARATOR')()).toBe(
      TypedDataEncoder.hashDomain({
        name: 'USD Coin',
        version: '2',
        chainId: CHAIN_ID,
        verifyingContract: elsewhere,
      }),
    );
  });
});

describe('startX402Facilitator', () => {
  let facilitator: X402FacilitatorServer;
  let payerKey: Hex;
  let payTo: string;
  let requirements: PaymentRequirements;
  let paymentRequired: PaymentRequired;

  beforeAll(async () => {
    facilitator = await startX402Facilitator({
      rpcUrl: node.url,
      chainId: CHAIN_ID,
      privateKey: node.accounts[1]!,
    });
    payerKey = node.accounts[10]!;
    payTo = new Wallet(node.accounts[11]!).address;
    await usdc.mint(privateKeyToAccount(payerKey).address, 20n * USDC);
    requirements = {
      scheme: 'exact',
      network: `eip155:${CHAIN_ID}`,
      amount: '5000000',
      asset: usdc.address,
      payTo,
      maxTimeoutSeconds: 300,
      extra: { name: 'USD Coin', version: '2' },
    };
    paymentRequired = {
      x402Version: 2,
      resource: {
        url: 'http://lighthouse.test/v1/plan',
        description: 'Pro plan, 30 days',
        mimeType: 'application/json',
      },
      accepts: [requirements],
    };
  });

  afterAll(async () => {
    await facilitator?.close();
  });

  function payingClient(): x402Client {
    // The client pays only in assets it knows (USDC on the chains x402 lists) unless told otherwise.
    const client = new x402Client().setSpendControls({
      allowedAssets: [
        {
          network: requirements.network,
          asset: requirements.asset,
          maxAmountPerPayment: '5000000',
        },
      ],
    });
    registerExactEvmScheme(client, { signer: privateKeyToAccount(payerKey) });
    return client;
  }

  async function post<T>(
    path: string,
    paymentPayload: PaymentPayload,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${facilitator.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x402Version: 2, paymentPayload, paymentRequirements: requirements }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  it('lists the exact scheme on its network', async () => {
    const supported = await new HTTPFacilitatorClient({ url: facilitator.url }).getSupported();
    expect(supported.kinds).toContainEqual(
      expect.objectContaining({ x402Version: 2, scheme: 'exact', network: 'eip155:43113' }),
    );
    expect(supported.signers).toEqual({ 'eip155:*': [facilitator.address] });
  });

  it('verifies and settles a payment from the official client, once', async () => {
    const payer = privateKeyToAccount(payerKey).address;
    const payerBefore = await usdc.balanceOf(payer);
    const payToBefore = await usdc.balanceOf(payTo);
    const payload = await payingClient().createPaymentPayload(paymentRequired);

    const verified = await post<VerifyResponse>('/verify', payload);
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ isValid: true, payer });

    const settled = await post<SettleResponse>('/settle', payload);
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({ success: true, network: 'eip155:43113', payer });
    expect(settled.body.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    const receipt = await node.rpc<{ status: string; to: string }>('eth_getTransactionReceipt', [
      settled.body.transaction,
    ]);
    expect(receipt).toMatchObject({ status: '0x1', to: usdc.address.toLowerCase() });
    expect(await usdc.balanceOf(payer)).toBe(payerBefore - 5n * USDC);
    expect(await usdc.balanceOf(payTo)).toBe(payToBefore + 5n * USDC);

    const again = await post<SettleResponse>('/settle', payload);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({
      success: false,
      errorReason: 'invalid_exact_evm_nonce_already_used',
    });
    const reverify = await post<VerifyResponse>('/verify', payload);
    expect(reverify.body).toMatchObject({
      isValid: false,
      invalidReason: 'invalid_exact_evm_nonce_already_used',
    });
    expect(await usdc.balanceOf(payTo)).toBe(payToBefore + 5n * USDC);

    expect(facilitator.calls.map((c) => c.path)).toEqual(
      expect.arrayContaining(['/verify', '/settle']),
    );
    expect(facilitator.calls.find((c) => c.path === '/settle')?.body).toMatchObject({
      x402Version: 2,
    });
  });

  it('is paid through wrapFetchWithPayment by a resource server that answers 402', async () => {
    const facilitatorClient = new HTTPFacilitatorClient({ url: facilitator.url });
    const server: Server = createServer((req, res) => {
      void (async () => {
        const header = req.headers['payment-signature'];
        if (typeof header !== 'string') {
          res
            .writeHead(402, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(paymentRequired) })
            .end('{}');
          return;
        }
        const payload = decodePaymentSignatureHeader(header);
        const verified = await facilitatorClient.verify(payload, requirements);
        if (!verified.isValid) {
          res
            .writeHead(402, { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(paymentRequired) })
            .end('{}');
          return;
        }
        const settled = await facilitatorClient.settle(payload, requirements);
        res
          .writeHead(settled.success ? 200 : 402, {
            'PAYMENT-RESPONSE': encodePaymentResponseHeader(settled),
          })
          .end(JSON.stringify({ paid: settled.success }));
      })().catch(() => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const payToBefore = await usdc.balanceOf(payTo);
      const fetchWithPayment = wrapFetchWithPayment(fetch, payingClient());
      const response = await fetchWithPayment(
        `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/plan`,
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ paid: true });
      const receiptHeader = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')!);
      expect(receiptHeader).toMatchObject({ success: true, network: 'eip155:43113' });
      expect(await usdc.balanceOf(payTo)).toBe(payToBefore + 5n * USDC);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
