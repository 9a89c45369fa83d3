import type { x402Facilitator } from '@x402/core/facilitator';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Hex } from './evm';

/**
 * A real x402 facilitator for tests: `x402Facilitator` from `@x402/core` with the `exact` EVM
 * scheme of `@x402/evm` (EIP-3009 `transferWithAuthorization`, submitted by a viem wallet client),
 * served over HTTP on 127.0.0.1 the way x402's reference facilitator serves it:
 *
 * - `POST /verify` and `POST /settle` take `{ x402Version, paymentPayload, paymentRequirements }`
 *   (what `HTTPFacilitatorClient` sends) and answer 200 with the library's VerifyResponse or
 *   SettleResponse, also when the payment is invalid or the settlement failed; 400 for a body
 *   that is not a payment; 500 `{ error }` when the library throws.
 * - `GET /supported` answers `{ kinds, extensions, signers }`.
 *
 * One network is registered: `eip155:<chainId>`. Every request is recorded in `calls`.
 *
 * viem and the x402 libraries load on the first start, not when `@lighthouse/testing` is imported.
 */

export interface FacilitatorCall {
  path: string;
  /** the parsed JSON body (undefined for GET) */
  body: unknown;
}

export interface X402FacilitatorServer {
  /** http://127.0.0.1:<port>, the `url` for `HTTPFacilitatorClient` */
  url: string;
  /** eip155:<chainId> */
  network: `eip155:${number}`;
  /** the address that submits settlements (and pays their gas) */
  address: Hex;
  /** every request so far, in order */
  calls: FacilitatorCall[];
  close(): Promise<void>;
}

export interface StartX402FacilitatorOptions {
  rpcUrl: string;
  chainId: number;
  /** a funded account's key: it pays the gas of each settlement */
  privateKey: string;
  /** how long a settlement waits for its receipt before answering `settlement_pending` (20 s) */
  confirmationTimeoutMs?: number;
}

export async function startX402Facilitator({
  rpcUrl,
  chainId,
  privateKey,
  confirmationTimeoutMs = 20_000,
}: StartX402FacilitatorOptions): Promise<X402FacilitatorServer> {
  const network = `eip155:${chainId}` as const;
  const { facilitator, address } = createFacilitator({
    rpcUrl,
    chainId,
    privateKey: privateKey as Hex,
    network,
    confirmationTimeoutMs,
  });
  const calls: FacilitatorCall[] = [];

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { error: message(err) });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://facilitator').pathname;
    if (req.method === 'GET' && path === '/supported') {
      calls.push({ path, body: undefined });
      send(res, 200, facilitator.getSupported());
      return;
    }
    if (req.method !== 'POST' || (path !== '/verify' && path !== '/settle')) {
      send(res, 404, { error: `no ${req.method} ${path}` });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      calls.push({ path, body: undefined });
      send(res, 400, { error: 'the body is not JSON' });
      return;
    }
    calls.push({ path, body });
    const { paymentPayload, paymentRequirements } = (body ?? {}) as {
      paymentPayload?: PaymentPayload;
      paymentRequirements?: PaymentRequirements;
    };
    if (!paymentPayload || !paymentRequirements) {
      send(res, 400, { error: 'Missing paymentPayload or paymentRequirements' });
      return;
    }
    if (path === '/verify') {
      send(res, 200, await facilitator.verify(paymentPayload, paymentRequirements));
      return;
    }
    try {
      send(res, 200, await facilitator.settle(paymentPayload, paymentRequirements));
    } catch (err) {
      // A before-settle hook's abort is an answer, not a server error (as x402's reference server does).
      if (err instanceof Error && err.message.startsWith('Settlement aborted: ')) {
        send(res, 200, {
          success: false,
          errorReason: err.message.slice('Settlement aborted: '.length),
          transaction: '',
          network: paymentRequirements.network,
        });
        return;
      }
      throw err;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    network,
    address,
    calls,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function createFacilitator(options: {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  network: `eip155:${number}`;
  confirmationTimeoutMs: number;
}): { facilitator: x402Facilitator; address: Hex } {
  // Loaded here rather than at the top: most test files import @lighthouse/testing without paying.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const viem = require('viem') as typeof import('viem');
  const { privateKeyToAccount } = require('viem/accounts') as typeof import('viem/accounts');
  const { x402Facilitator } =
    require('@x402/core/facilitator') as typeof import('@x402/core/facilitator');
  const { toFacilitatorEvmSigner } = require('@x402/evm') as typeof import('@x402/evm');
  const { registerExactEvmScheme } =
    require('@x402/evm/exact/facilitator') as typeof import('@x402/evm/exact/facilitator');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const account = privateKeyToAccount(options.privateKey);
  const chain = viem.defineChain({
    id: options.chainId,
    name: options.network,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [options.rpcUrl] } },
  });
  const client = viem
    .createWalletClient({
      account,
      chain,
      // no retries: a local node answers at once, and a revert is an answer, not a hiccup
      transport: viem.http(options.rpcUrl, { retryCount: 0 }),
      pollingInterval: 100,
    })
    .extend(viem.publicActions);

  // The x402 signer's typed data is looser than viem's generics (types: Record<string, unknown>);
  // the scheme builds it itself, so it goes to viem as it comes.
  type TypedDataArgs = Parameters<typeof client.verifyTypedData>[0];
  const signer = toFacilitatorEvmSigner(
    {
      address: account.address,
      getCode: (args) => client.getCode(args),
      readContract: (args) => client.readContract({ ...args, args: args.args ?? [] }),
      verifyTypedData: (args) => client.verifyTypedData(args as TypedDataArgs),
      writeContract: (args) => client.writeContract({ ...args, args: args.args ?? [] }),
      sendTransaction: (args) => client.sendTransaction(args),
      waitForTransactionReceipt: (args) => client.waitForTransactionReceipt(args),
    },
    { confirmationTimeoutMs: options.confirmationTimeoutMs },
  );

  const facilitator = new x402Facilitator();
  registerExactEvmScheme(facilitator, { signer, networks: options.network });
  return { facilitator, address: account.address };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
  res.writeHead(status, { 'content-type': 'application/json' }).end(json);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
