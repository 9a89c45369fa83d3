import { X402_V1_NETWORKS } from '@lighthouse/domain';
import { AppError } from '@lighthouse/shared';
import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentPayload, PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { getAddress, parseUnits, verifyTypedData } from 'ethers';
import { z } from 'zod';
import type { ApiConfig } from '../config';

// The x402 v2 "exact" scheme on EVM chains: the payer signs an EIP-3009
// TransferWithAuthorization for the token; whoever settles submits it on chain.

export const PAYMENT_HEADER = 'PAYMENT-SIGNATURE';
export const PAYMENT_HEADER_V1 = 'X-PAYMENT';
/** One period of a paid tier; prices in the tiers file are per 30 days. */
export const PERIOD_DAYS = 30;

export interface X402Settings {
  payTo: string;
  network: string;
  chainId: bigint;
  asset: string;
  assetName: string;
  assetVersion: string;
  decimals: number;
  maxTimeoutSeconds: number;
}

/** The server's payment terms, or null when X402_PAY_TO is not set. */
export function x402Settings(config: ApiConfig): X402Settings | null {
  if (!config.X402_PAY_TO) return null;
  return {
    payTo: getAddress(config.X402_PAY_TO),
    network: config.X402_NETWORK,
    chainId: BigInt(config.X402_NETWORK.slice('eip155:'.length)),
    asset: getAddress(config.X402_ASSET),
    assetName: config.X402_ASSET_NAME,
    assetVersion: config.X402_ASSET_VERSION,
    decimals: config.X402_ASSET_DECIMALS,
    maxTimeoutSeconds: config.X402_MAX_TIMEOUT_SECONDS,
  };
}

/** The terms of paying `price` (whole units of the asset) on this server. */
export function requirementsAt(price: string, settings: X402Settings): PaymentRequirements {
  return {
    scheme: 'exact',
    network: settings.network as PaymentRequirements['network'],
    asset: settings.asset,
    amount: parseUnits(price, settings.decimals).toString(),
    payTo: settings.payTo,
    maxTimeoutSeconds: settings.maxTimeoutSeconds,
    extra: { name: settings.assetName, version: settings.assetVersion },
  };
}

/**
 * What a 402 answer says: the error envelope in the body (`details` and the terms in
 * `details.x402`), the terms in `PAYMENT-REQUIRED`, with any x402 extensions (bazaar).
 */
export function paymentRequiredError(options: {
  price: string;
  settings: X402Settings;
  resource: string;
  description: string;
  message: string;
  reason?: string;
  details: Record<string, unknown>;
  extensions?: Record<string, unknown>;
}): AppError {
  const { settings, resource, description, reason } = options;
  const required: PaymentRequired = {
    x402Version: 2,
    ...(reason ? { error: reason } : {}),
    resource: { url: resource, description, mimeType: 'application/json' },
    accepts: [requirementsAt(options.price, settings)],
    ...(options.extensions ? { extensions: options.extensions } : {}),
  };
  return new AppError('payment_required', options.message, {
    details: { ...(reason ? { reason } : {}), ...options.details, x402: required },
    headers: { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(required) },
  });
}

const hex = (bytes: number) => new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`);
const uint = z.union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()]);

const authorizationSchema = z.object({
  from: z.string().regex(hex(20), 'must be an address'),
  to: z.string().regex(hex(20), 'must be an address'),
  value: uint,
  validAfter: uint,
  validBefore: uint,
  nonce: z.string().regex(hex(32), 'must be 32 bytes of hex'),
});

const exactPayloadSchema = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'must be a 65-byte signature'),
  authorization: authorizationSchema,
});

const v2Schema = z.object({
  x402Version: z.literal(2),
  accepted: z
    .object({
      scheme: z.string().max(64),
      network: z.string().max(64),
      asset: z.string().max(128),
      amount: z.string().max(80),
      payTo: z.string().max(128),
    })
    .loose(),
  payload: exactPayloadSchema,
  resource: z.unknown().optional(),
  extensions: z.unknown().optional(),
});

const v1Schema = z.object({
  x402Version: z.literal(1),
  scheme: z.string().max(64),
  network: z.string().max(64),
  payload: exactPayloadSchema,
});

export interface Authorization {
  from: string;
  to: string;
  value: bigint;
  validAfter: bigint;
  validBefore: bigint;
  nonce: string;
}

export interface ReceivedPayment {
  x402Version: 1 | 2;
  scheme: string;
  /** CAIP-2, v1 names translated */
  network: string;
  /** what the payer said it accepted (v2 only) */
  accepted?: { asset: string; amount: string; payTo: string };
  signature: string;
  authorization: Authorization;
  /** the payload as a v2 facilitator expects it */
  asV2(requirements: PaymentRequirements): PaymentPayload;
}

function malformed(header: string, message: string): AppError {
  return new AppError('validation_error', `${header} header: ${message}`, {
    details: { fields: [{ field: header, message }] },
  });
}

/** The checksummed address; a mixed-case one whose EIP-55 checksum is wrong is a 400. */
function checkedAddress(header: string, field: string, address: string): string {
  try {
    return getAddress(address);
  } catch {
    throw malformed(header, `${field} is not a valid address (bad EIP-55 checksum)`);
  }
}

/**
 * Reads `PAYMENT-SIGNATURE` (v2) or `X-PAYMENT` (v1): base64 JSON. Undefined when neither
 * is sent; 400 naming the header when it cannot be read.
 */
export function readPayment(
  get: (name: string) => string | undefined,
): ReceivedPayment | undefined {
  const v2 = get(PAYMENT_HEADER);
  const header = v2 !== undefined ? PAYMENT_HEADER : PAYMENT_HEADER_V1;
  const raw = v2 ?? get(PAYMENT_HEADER_V1);
  if (raw === undefined) return undefined;
  if (raw.length > 8192 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw.trim())) {
    throw malformed(header, 'must be base64-encoded JSON from an x402 client');
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(raw.trim(), 'base64').toString('utf8'));
  } catch {
    throw malformed(header, 'must be base64-encoded JSON from an x402 client');
  }
  const parsed = z.union([v2Schema, v1Schema]).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.map(String).join('.')}` : '';
    throw malformed(
      header,
      `is not an x402 v1 or v2 exact-scheme EVM payment${where}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const p = parsed.data;
  const a = p.payload.authorization;
  const authorization: Authorization = {
    from: checkedAddress(header, 'payload.authorization.from', a.from),
    to: checkedAddress(header, 'payload.authorization.to', a.to),
    value: BigInt(a.value),
    validAfter: BigInt(a.validAfter),
    validBefore: BigInt(a.validBefore),
    nonce: a.nonce.toLowerCase(),
  };
  const wire = {
    signature: p.payload.signature,
    authorization: {
      from: a.from,
      to: a.to,
      value: String(a.value),
      validAfter: String(a.validAfter),
      validBefore: String(a.validBefore),
      nonce: a.nonce,
    },
  };
  if (p.x402Version === 2) {
    return {
      x402Version: 2,
      scheme: p.accepted.scheme,
      network: p.accepted.network,
      accepted: { asset: p.accepted.asset, amount: p.accepted.amount, payTo: p.accepted.payTo },
      signature: p.payload.signature,
      authorization,
      asV2: () => json as PaymentPayload,
    };
  }
  return {
    x402Version: 1,
    scheme: p.scheme,
    network: X402_V1_NETWORKS[p.network] ?? p.network,
    signature: p.payload.signature,
    authorization,
    asV2: (requirements) => ({ x402Version: 2, accepted: requirements, payload: wire }),
  };
}

const TRANSFER_WITH_AUTHORIZATION = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

/** Settlement needs a few seconds; an authorization about to lapse would fail on chain. */
const MIN_VALIDITY_SECONDS = 6n;
/** Clocks differ: how far past now + X402_MAX_TIMEOUT_SECONDS an authorization may still run. */
export const VALIDITY_SKEW_SECONDS = 120n;

export interface Rejection {
  reason: string;
  message: string;
}

/**
 * Checks a payment against the terms without touching the chain: scheme, network, asset,
 * recipient, amount, validity window and the EIP-712 signature. Returns why it is refused.
 */
export function checkPayment(
  payment: ReceivedPayment,
  requirements: PaymentRequirements,
  settings: X402Settings,
  now: Date = new Date(),
): Rejection | undefined {
  const { authorization: a } = payment;
  if (payment.scheme !== 'exact') {
    return { reason: 'wrong_scheme', message: `the scheme must be exact, not ${payment.scheme}` };
  }
  if (payment.network !== settings.network) {
    return {
      reason: 'wrong_network',
      message: `payments are taken on ${settings.network}, not ${payment.network}`,
    };
  }
  if (payment.accepted && payment.accepted.asset.toLowerCase() !== settings.asset.toLowerCase()) {
    return { reason: 'wrong_asset', message: `the asset must be ${settings.asset}` };
  }
  if (a.to !== settings.payTo) {
    return {
      reason: 'wrong_recipient',
      message: `the payment must be made to ${settings.payTo}, not ${a.to}`,
    };
  }
  if (a.value !== BigInt(requirements.amount)) {
    return {
      reason: 'wrong_amount',
      message: `the price is ${requirements.amount} atomic units of ${settings.asset}, the authorization is for ${a.value}`,
    };
  }
  const seconds = BigInt(Math.floor(now.getTime() / 1000));
  if (a.validBefore < seconds + MIN_VALIDITY_SECONDS) {
    return { reason: 'authorization_expired', message: 'the authorization has expired' };
  }
  // a signed transfer that stays valid for long is one anybody who sees it can replay later
  const latest = seconds + BigInt(settings.maxTimeoutSeconds) + VALIDITY_SKEW_SECONDS;
  if (a.validBefore > latest) {
    return {
      reason: 'authorization_too_long',
      message: `the authorization must expire within ${settings.maxTimeoutSeconds} s (validBefore at most ${latest})`,
    };
  }
  if (a.validAfter > seconds) {
    return {
      reason: 'authorization_not_yet_valid',
      message: 'the authorization is not valid yet (validAfter is in the future)',
    };
  }
  let signer: string;
  try {
    signer = verifyTypedData(
      {
        name: settings.assetName,
        version: settings.assetVersion,
        chainId: settings.chainId,
        verifyingContract: settings.asset,
      },
      TRANSFER_WITH_AUTHORIZATION,
      {
        from: a.from,
        to: a.to,
        value: a.value,
        validAfter: a.validAfter,
        validBefore: a.validBefore,
        nonce: a.nonce,
      },
      payment.signature,
    );
  } catch {
    return { reason: 'invalid_signature', message: 'the signature cannot be read' };
  }
  if (signer !== a.from) {
    return {
      reason: 'invalid_signature',
      message: `the authorization is not signed by ${a.from}`,
    };
  }
  return undefined;
}
