import { z } from 'zod';
import { maskSecret } from '../fields';
import { httpHeadersSchema, httpUrlField, maskUrlSecrets, requestBodyField } from './http';

// The x402 check type: a paid resource asked unpaid must answer 402 with terms a client can
// pay, and those terms must be what the user expects (and what they were at the last check).

export const X402_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** x402 v1 names for the networks v2 calls by their CAIP-2 id. */
export const X402_V1_NETWORKS: Readonly<Record<string, string>> = {
  avalanche: 'eip155:43114',
  'avalanche-fuji': 'eip155:43113',
  base: 'eip155:8453',
  'base-sepolia': 'eip155:84532',
  polygon: 'eip155:137',
  'polygon-amoy': 'eip155:80002',
  sei: 'eip155:1329',
  'sei-testnet': 'eip155:1328',
  solana: 'solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp',
  'solana-devnet': 'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
};

/** A CAIP-2 chain id: `eip155:8453`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`. */
export const CAIP2_PATTERN = /^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/;

/** An asset or recipient as the terms name it: an EVM address, a base58 account… */
const account = z
  .string({ error: 'must be a string' })
  .regex(/^[A-Za-z0-9:_-]{1,128}$/, 'must be an address like 0x… (letters and digits only)');

export const x402TargetSchema = z
  .strictObject({
    url: httpUrlField('must be the paid resource, an absolute http:// or https:// URL'),
    method: z
      .enum(X402_METHODS, { error: `must be one of ${X402_METHODS.join(', ')}` })
      .default('GET'),
    headers: httpHeadersSchema.default({}),
    body: requestBodyField.optional(),
    scheme: z
      .string({ error: 'must be a string' })
      .regex(/^[a-z0-9_-]{1,32}$/, 'must be a scheme name like exact')
      .default('exact')
      .describe('the payment scheme the terms must offer'),
    network: z
      .string({ error: 'must be a string' })
      .regex(CAIP2_PATTERN, 'must be a CAIP-2 chain id like eip155:8453')
      .optional()
      .describe('the network the terms must offer (CAIP-2)'),
    asset: account.optional().describe('the asset the terms must be in'),
    pay_to: account.optional().describe('the recipient the terms must pay'),
    max_price: z
      .string({ error: 'must be a decimal string like "0.01"' })
      .regex(/^\d{1,30}(\.\d{1,36})?$/, 'must be a decimal string like "0.01"')
      .optional()
      .describe('down when the price is above this, in whole units of the asset'),
    decimals: z
      .number({ error: 'must be a number' })
      .int('must be a whole number')
      .min(0, 'must be 0-36')
      .max(36, 'must be 0-36')
      .default(6)
      .describe("the asset's decimals, to show prices in whole units (USDC: 6)"),
    facilitator_url: httpUrlField('must be an absolute http:// or https:// URL')
      .optional()
      .describe("a facilitator whose GET /supported must list the terms' scheme and network"),
    discovery_url: httpUrlField('must be an absolute http:// or https:// URL')
      .optional()
      .describe('a discovery catalog (GET, x402 bazaar format) that must list the resource'),
    timeout_ms: z
      .number({ error: 'must be a number of milliseconds' })
      .int('must be a whole number of milliseconds')
      .min(100, 'must be at least 100')
      .max(60_000, 'must be at most 60000')
      .default(10_000),
  })
  .refine((c) => c.body === undefined || c.method !== 'GET', {
    message: 'GET requests cannot carry a body',
    path: ['body'],
  })
  .refine((c) => c.max_price === undefined || decimalsOf(c.max_price) <= c.decimals, {
    message: 'has more decimal places than decimals (6 unless set)',
    path: ['max_price'],
  });

export type X402Target = z.output<typeof x402TargetSchema>;

function decimalsOf(amount: string): number {
  return amount.split('.')[1]?.length ?? 0;
}

const maskQuery = (raw: string) => maskUrlSecrets(new URL(raw)).toString();

/** Header values, URL passwords and query values masked, as an http target's are. */
export function maskX402Target(target: X402Target): X402Target {
  const headers = Object.fromEntries(
    Object.entries(target.headers).map(([k, v]) => [k, maskSecret(v)]),
  );
  return {
    ...target,
    url: maskQuery(target.url),
    headers,
    ...(target.facilitator_url ? { facilitator_url: maskQuery(target.facilitator_url) } : {}),
    ...(target.discovery_url ? { discovery_url: maskQuery(target.discovery_url) } : {}),
  };
}

/** `x402 GET https://api.example.com/weather`: no credentials, no query values. */
export function describeX402Target(target: X402Target): string {
  const url = new URL(maskQuery(target.url));
  url.username = '';
  url.password = '';
  return `x402 ${target.method} ${url.toString()}`;
}
