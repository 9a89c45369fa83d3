import { x402Client, x402HTTPClient } from '@x402/core/client';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { PaymentRequiredV2Schema } from '@x402/core/schemas';
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { ExactEvmScheme, registerExactEvmScheme } from '@x402/evm/exact/client';
import type { ClientEvmSigner } from '@x402/evm';
import type { Eip1193Provider } from '../siwe';
import { chainIdOf, formatUnits, networkLabel, parseUnits } from './tokens';

// Paying an x402 "402 Payment Required" answer with the browser's wallet: read the terms the
// API sent, show them, and, once the user agrees, have the official x402 client sign an
// EIP-3009 TransferWithAuthorization through the wallet (eth_signTypedData_v4). No React and
// no DOM globals here: the wallet is passed in, so a browser test can drive this module alone.
//
// The x402 libraries bring viem and zod (about 350 kB minified): components import this
// module with import(), so it loads when a payment is asked for, not with every page.

interface KnownToken {
  symbol: string;
  decimals: number;
}

/**
 * Tokens the x402 library does not list but this API uses: Circle's USDC on Avalanche Fuji is
 * the API's default X402_ASSET.
 */
const EXTRA_TOKENS: Record<string, KnownToken> = {
  'eip155:43113:0x5425890298aed601595a70ab815c96711a31bc65': { symbol: 'USDC', decimals: 6 },
};

/**
 * The x402 library's table of stablecoins per network, reached through a scheme instance (the
 * table's own export is in the package root, which also carries facilitator code). This
 * instance never signs.
 */
const lookup = new ExactEvmScheme({
  address: '0x0000000000000000000000000000000000000000',
  signTypedData: () => Promise.reject(new Error('this scheme instance only looks tokens up')),
});

/** A token the dashboard recognises on that network, by contract address. */
export function knownToken(network: string, asset: string): KnownToken | null {
  const listed = lookup.findDefaultAsset(asset, network as `${string}:${string}`);
  if (listed) return { symbol: listed.symbol, decimals: listed.decimals };
  return EXTRA_TOKENS[`${network}:${asset}`.toLowerCase()] ?? null;
}

/** A 402 as `apiRequest` reports it; `ApiError` fits. */
export interface PaymentRequiredAnswer {
  message: string;
  details?: unknown;
  /** the PAYMENT-REQUIRED header: base64 JSON of the x402 v2 terms */
  paymentRequired?: string | null;
}

/** The terms of one payment, ready to show and to sign. */
export interface PaymentOffer {
  /** the terms as the API sent them, with `accepts` narrowed to the one option shown */
  required: PaymentRequired;
  accepted: PaymentRequirements;
  chainId: number;
  /** "Base (chain id 8453)" */
  network: string;
  token: {
    address: string;
    /** "USDC"; the EIP-712 domain name when the token is not one the dashboard knows */
    symbol: string;
    decimals: number | null;
    /** the dashboard knows this contract on this network (the x402 library's list, or ours) */
    recognised: boolean;
  };
  amount: {
    atomic: bigint;
    /** "20 USDC", or the base units and a warning when the decimals are unknown */
    text: string;
  };
  payTo: string;
  /** what the payment buys, in the API's words */
  description: string | null;
  /** the API path paid for */
  resource: string;
  /** how long a signature stays valid once made */
  validForSeconds: number;
}

export type PaymentTermsRead =
  | { payable: true; offer: PaymentOffer; reason: string | null }
  | { payable: false; message: string; reason: string | null };

function objectOr(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** The terms from the PAYMENT-REQUIRED header, or else from the body's details.x402. */
function decodeTerms(answer: PaymentRequiredAnswer): PaymentRequired | null {
  const candidates: (() => unknown)[] = [
    () => (answer.paymentRequired ? decodePaymentRequiredHeader(answer.paymentRequired) : null),
    () => objectOr(answer.details).x402,
  ];
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = candidate();
    } catch {
      continue; // not base64 JSON: try the body
    }
    const parsed = PaymentRequiredV2Schema.safeParse(value);
    if (parsed.success) return parsed.data as PaymentRequired;
  }
  return null;
}

/**
 * The token's decimals: the terms' `extra.decimals`, the known token, or else worked out from
 * the price the API states in USDC (`amount = price × 10^decimals`, as the API computes it).
 */
function decimalsOf(
  accepted: PaymentRequirements,
  known: { decimals: number } | null,
  price: unknown,
): number | null {
  const extra = accepted.extra?.decimals;
  if (typeof extra === 'number' && Number.isInteger(extra) && extra >= 0 && extra <= 36) {
    return extra;
  }
  if (known) return known.decimals;
  if (typeof price !== 'string' || !(Number(price) > 0)) return null;
  const amount = BigInt(accepted.amount);
  for (let decimals = 0; decimals <= 36; decimals += 1) {
    if (parseUnits(price, decimals) === amount) return decimals;
  }
  return null;
}

/**
 * Reads the terms of a 402 answer. Not payable when the API sent none (this server takes no
 * payments), or none this dashboard can pay (only the `exact` scheme on EVM chains).
 */
export function readPaymentTerms(answer: PaymentRequiredAnswer): PaymentTermsRead {
  const details = objectOr(answer.details);
  const required = decodeTerms(answer);
  const reason =
    (typeof details.reason === 'string' ? details.reason : null) ?? required?.error ?? null;
  if (!required) return { payable: false, message: answer.message, reason };
  const accepted = required.accepts.find(
    (r) => r.scheme === 'exact' && chainIdOf(r.network) !== null && /^\d+$/.test(r.amount),
  );
  const chainId = accepted ? chainIdOf(accepted.network) : null;
  if (!accepted || chainId === null) {
    const offered = required.accepts.map((r) => `${r.scheme} on ${r.network}`).join(', ');
    return {
      payable: false,
      message: `The server asks for a kind of payment this dashboard cannot make (${offered || 'none offered'}); only the exact scheme on EVM chains is supported.`,
      reason,
    };
  }
  const known = knownToken(accepted.network, accepted.asset);
  const decimals = decimalsOf(accepted, known, details.price_usdc_per_30_days);
  const atomic = BigInt(accepted.amount);
  const price = details.price_usdc_per_30_days;
  // the API states its prices in USDC: a token whose amount is that price is its USDC
  const pricedInUsdc =
    decimals !== null && typeof price === 'string' && parseUnits(price, decimals) === atomic;
  const symbol =
    known?.symbol ??
    (typeof accepted.extra?.symbol === 'string' ? accepted.extra.symbol : null) ??
    (pricedInUsdc ? 'USDC' : null) ??
    (typeof accepted.extra?.name === 'string' ? accepted.extra.name : null) ??
    'tokens';
  return {
    payable: true,
    reason,
    offer: {
      required: { ...required, accepts: [accepted] },
      accepted,
      chainId,
      network: networkLabel(accepted.network),
      token: { address: accepted.asset, symbol, decimals, recognised: known !== null },
      amount: {
        atomic,
        text:
          decimals === null
            ? `${atomic} base units of the token (its decimals are unknown)`
            : `${formatUnits(atomic, decimals)} ${symbol}`,
      },
      payTo: accepted.payTo,
      description: required.resource.description ?? null,
      resource: required.resource.url,
      validForSeconds: accepted.maxTimeoutSeconds,
    },
  };
}

/** Signing failed for a reason the user can act on; the message is shown as is. */
export class PaymentSigningError extends Error {
  override name = 'PaymentSigningError';
  constructor(
    readonly kind: 'declined' | 'account' | 'chain' | 'wallet' | 'terms',
    message: string,
  ) {
    super(message);
  }
}

/** EIP-1193 "user rejected the request"; EIP-3326 "unrecognized chain". */
const USER_REJECTED = 4001;
const UNKNOWN_CHAIN = 4902;

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

async function ask<T>(
  provider: Eip1193Provider,
  method: string,
  params: unknown[] | undefined,
  declined: string,
): Promise<T> {
  try {
    return (await provider.request({ method, ...(params ? { params } : {}) })) as T;
  } catch (err) {
    if (err instanceof PaymentSigningError) throw err;
    if (codeOf(err) === USER_REJECTED) throw new PaymentSigningError('declined', declined);
    const message = err instanceof Error ? err.message : String(err);
    throw new PaymentSigningError('wallet', `Your wallet refused ${method}: ${message}`);
  }
}

/** The signed-in account must be one the wallet shares: the API takes payments only from it. */
async function checkAccount(provider: Eip1193Provider, account: string): Promise<void> {
  const declined = 'You declined to connect your wallet. Nothing was paid.';
  let accounts = await ask<string[]>(provider, 'eth_accounts', undefined, declined);
  if (accounts.length === 0) {
    accounts = await ask<string[]>(provider, 'eth_requestAccounts', undefined, declined);
  }
  if (!accounts.some((a) => a.toLowerCase() === account.toLowerCase())) {
    throw new PaymentSigningError(
      'account',
      `You are signed in as ${account}, but your wallet is using ${accounts[0] ?? 'no account'}. The payment must come from the signed-in account: switch to it in your wallet and try again.`,
    );
  }
}

/** The EIP-712 domain is bound to the chain: the wallet must be on it to sign. */
async function ensureChain(provider: Eip1193Provider, chainId: number, network: string) {
  const current = async () =>
    Number.parseInt(
      await ask<string>(provider, 'eth_chainId', undefined, 'Your wallet did not say its network.'),
      16,
    );
  if ((await current()) === chainId) return;
  try {
    await provider.request({
      method: 'wallet_switchEthereumChain',
      params: [{ chainId: `0x${chainId.toString(16)}` }],
    });
  } catch (err) {
    const code = codeOf(err);
    if (code === USER_REJECTED) {
      throw new PaymentSigningError(
        'declined',
        `The payment is made on ${network}. You declined to switch your wallet to it, so nothing was signed or paid.`,
      );
    }
    const detail =
      code === UNKNOWN_CHAIN
        ? 'your wallet does not know this network yet; add it in your wallet'
        : 'your wallet could not switch networks by itself; switch in your wallet';
    throw new PaymentSigningError(
      'chain',
      `The payment is made on ${network}, and ${detail}, then try again.`,
    );
  }
  const now = await current();
  if (now !== chainId) {
    throw new PaymentSigningError(
      'chain',
      `The payment is made on ${network}, but your wallet is on chain id ${now}. Switch networks in your wallet, then try again.`,
    );
  }
}

const DOMAIN_FIELDS = [
  ['name', 'string'],
  ['version', 'string'],
  ['chainId', 'uint256'],
  ['verifyingContract', 'address'],
  ['salt', 'bytes32'],
] as const;

/** A ClientEvmSigner whose signatures come from the wallet's eth_signTypedData_v4. */
function walletSigner(provider: Eip1193Provider, account: string, chainId: number) {
  const signer: ClientEvmSigner = {
    address: account as `0x${string}`,
    async signTypedData({ domain, types, primaryType, message }) {
      if (Number(domain.chainId) !== chainId) {
        throw new PaymentSigningError(
          'terms',
          `The payment would be signed for chain id ${String(domain.chainId)}, not ${chainId}.`,
        );
      }
      const typedData = {
        types: {
          EIP712Domain: DOMAIN_FIELDS.filter(([name]) => domain[name] !== undefined).map(
            ([name, type]) => ({ name, type }),
          ),
          ...types,
        },
        domain,
        primaryType,
        message,
      };
      // uint256 values are bigints here; wallets take them as decimal strings
      const json = JSON.stringify(typedData, (_key, value: unknown) =>
        typeof value === 'bigint' ? value.toString() : value,
      );
      const signature = await ask<string>(
        provider,
        'eth_signTypedData_v4',
        [account, json],
        'You declined the signature in your wallet. Nothing was paid.',
      );
      if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature)) {
        throw new PaymentSigningError(
          'wallet',
          'Your wallet returned something that is not a signature.',
        );
      }
      return signature as `0x${string}`;
    },
  };
  return signer;
}

/** The signed authorization must be exactly what the user was shown. */
function checkPayload(payload: PaymentPayload, offer: PaymentOffer, account: string): void {
  const authorization = objectOr(objectOr(payload.payload).authorization);
  const same = (a: unknown, b: string) =>
    typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
  if (
    !same(authorization.from, account) ||
    !same(authorization.to, offer.payTo) ||
    String(authorization.value) !== offer.accepted.amount ||
    !same(payload.accepted.asset, offer.accepted.asset) ||
    payload.accepted.network !== offer.accepted.network
  ) {
    throw new PaymentSigningError(
      'terms',
      'The signed payment does not match the terms shown; it was not sent.',
    );
  }
}

/**
 * Signs the payment `offer` describes from `account` with the wallet, and returns the request
 * headers that carry it (`PAYMENT-SIGNATURE`). Switches the wallet to the payment's chain
 * when needed. Throws PaymentSigningError with a message for the user.
 */
export async function signPayment(
  provider: Eip1193Provider,
  account: string,
  offer: PaymentOffer,
): Promise<Record<string, string>> {
  const { accepted, chainId } = offer;
  await checkAccount(provider, account);
  await ensureChain(provider, chainId, offer.network);
  // The user approved this exact amount of this token: allow it, and no more. Without an entry
  // the client refuses tokens outside its own list, and caps the ones in it at $1.
  const client = new x402Client().setSpendControls({
    allowedAssets: [
      { network: accepted.network, asset: accepted.asset, maxAmountPerPayment: accepted.amount },
    ],
  });
  registerExactEvmScheme(client, {
    signer: walletSigner(provider, account, chainId),
    networks: [accepted.network],
  });
  let payload: PaymentPayload;
  try {
    payload = await client.createPaymentPayload(offer.required);
  } catch (err) {
    if (err instanceof PaymentSigningError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new PaymentSigningError('terms', `The payment could not be prepared: ${message}`);
  }
  checkPayload(payload, offer, account);
  return new x402HTTPClient(client).encodePaymentSignatureHeader(payload);
}
