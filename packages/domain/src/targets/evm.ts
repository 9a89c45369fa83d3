import { FunctionFragment, getAddress, Interface, isHexString, type ParamType } from 'ethers';
import { z } from 'zod';
import { maskSecret } from '../fields';

// The blockchain check types: evm_balance, evm_contract and evm_rpc. Each reads an EVM chain
// over an HTTP(S) JSON-RPC endpoint, whose URL often carries an API key (in the path, the
// query or the user info): it is a secret, masked in every returnable view and never part
// of a description.

const rpcUrl = z
  .string({ error: 'is required' })
  .max(2048, 'must be at most 2048 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
    } catch {
      return false;
    }
  }, 'must be an absolute http:// or https:// JSON-RPC URL');

const address = z
  .string({ error: 'is required' })
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte hex address')
  .refine((v) => {
    try {
      getAddress(v);
      return true;
    } catch {
      return false;
    }
  }, 'has an invalid checksum (mixed-case addresses must be EIP-55; lower case is fine)')
  .transform((v) => getAddress(v));

const chainId = z
  .number({ error: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be at least 1')
  .max(Number.MAX_SAFE_INTEGER, 'is too large');

const timeoutMs = z
  .number()
  .int()
  .min(100, 'must be at least 100')
  .max(60_000, 'must be at most 60000')
  .default(10_000);

// --- evm_balance --------------------------------------------------------------------------------

export const evmBalanceTargetSchema = z.strictObject({
  rpc_url: rpcUrl,
  /** the account whose balance is watched */
  address,
  /** an ERC-20 contract; without it, the chain's native coin */
  token: address.optional(),
  /** in whole units (ether, or the token's units after its `decimals()`) */
  min_balance: z
    .string({ error: 'must be a decimal string like "0.5"' })
    .regex(/^\d{1,40}(\.\d{1,36})?$/, 'must be a decimal string like "0.5"'),
  /** when given, the endpoint must report this chain id */
  chain_id: chainId.optional(),
  /** degraded when the recent burn rate empties the account sooner than this */
  empty_horizon_hours: z
    .number({ error: 'must be a number' })
    .positive('must be positive')
    .max(8760, 'must be at most 8760 (a year)')
    .optional(),
  timeout_ms: timeoutMs,
});

export type EvmBalanceTarget = z.output<typeof evmBalanceTargetSchema>;

// --- evm_contract -------------------------------------------------------------------------------

export const EVM_COMPARE_OPERATORS = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'changed'] as const;

/** What the first return value of a called function decodes to, for comparing. */
export type EvmValueKind = 'integer' | 'bool' | 'address' | 'string' | 'bytes';

/** The kind of a return type the check can compare, or `null` (tuples, arrays). */
export function evmValueKind(type: string): EvmValueKind | null {
  if (/^u?int\d*$/.test(type)) return 'integer';
  if (type === 'bool' || type === 'address' || type === 'string') return type;
  if (/^bytes\d*$/.test(type)) return 'bytes';
  return null;
}

const MAX_ARGS = 16;
const SIGNATURE_HINT =
  'must be a function signature like "function balanceOf(address) view returns (uint256)"';

/** The function a signature names, or `null` when it does not parse as one. */
export function parseEvmFunction(signature: string): FunctionFragment | null {
  try {
    return FunctionFragment.from(signature.trim());
  } catch {
    return null;
  }
}

export const evmContractTargetSchema = z
  .strictObject({
    rpc_url: rpcUrl,
    /** the contract called */
    address,
    /** human-readable ABI: "function totalSupply() view returns (uint256)" */
    function: z.string({ error: SIGNATURE_HINT }).min(1, SIGNATURE_HINT).max(1024),
    /** the call's arguments, in order; integers as numbers or decimal strings */
    args: z
      .array(z.unknown(), { error: 'must be a JSON array of the arguments' })
      .max(MAX_ARGS, `at most ${MAX_ARGS} arguments`)
      .default([]),
    compare: z.strictObject(
      {
        operator: z.enum(EVM_COMPARE_OPERATORS, {
          error: `must be one of ${EVM_COMPARE_OPERATORS.join(', ')}`,
        }),
        value: z
          .union([z.string().max(1024), z.number(), z.boolean()], {
            error: 'must be a string, number or boolean',
          })
          .optional(),
      },
      { error: 'is required: {operator, value}' },
    ),
    chain_id: chainId.optional(),
    timeout_ms: timeoutMs,
  })
  .superRefine((c, ctx) => {
    const fragment = parseEvmFunction(c.function);
    if (fragment === null) {
      ctx.addIssue({ code: 'custom', path: ['function'], message: SIGNATURE_HINT });
      return;
    }
    const [output] = fragment.outputs;
    const kind = output ? evmValueKind(output.type) : null;
    if (!output) {
      ctx.addIssue({
        code: 'custom',
        path: ['function'],
        message: 'must declare what it returns, e.g. "... returns (uint256)"',
      });
    } else if (kind === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['function'],
        message: `its first return value must be an integer, bool, address, string or bytes (got ${output.type})`,
      });
    }
    for (const issue of argumentIssues(fragment, c.args)) ctx.addIssue(issue);
    if (kind !== null) {
      for (const issue of compareIssues(kind, c.compare)) ctx.addIssue(issue);
    }
  });

export type EvmContractTarget = z.output<typeof evmContractTargetSchema>;

type Issue = { code: 'custom'; path: (string | number)[]; message: string };

function argumentIssues(fragment: FunctionFragment, args: unknown[]): Issue[] {
  const { inputs } = fragment;
  if (inputs.length !== args.length) {
    const types = inputs.map((p) => p.type).join(', ');
    return [
      {
        code: 'custom',
        path: ['args'],
        message: `${fragment.name}(${types}) takes ${inputs.length} argument(s), got ${args.length}`,
      },
    ];
  }
  const issues: Issue[] = [];
  inputs.forEach((param, i) => {
    const problem = argumentProblem(param, args[i]);
    if (problem !== null) issues.push({ code: 'custom', path: ['args', i], message: problem });
  });
  if (issues.length > 0) return issues;
  try {
    new Interface([fragment]).encodeFunctionData(fragment, args);
  } catch (error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return [
      {
        code: 'custom',
        path: ['args'],
        message: `cannot be encoded for ${fragment.format('sighash')}: ${typeof short === 'string' ? short : 'invalid arguments'}`,
      },
    ];
  }
  return [];
}

/**
 * Stricter than ethers for the simple types (which would take "yes" for a bool, say);
 * arrays and tuples are left to the encoder.
 */
function argumentProblem(param: ParamType, value: unknown): string | null {
  const kind = evmValueKind(param.type);
  switch (kind) {
    case 'integer':
      if (typeof value === 'number' ? Number.isSafeInteger(value) : isIntegerString(value)) {
        return null;
      }
      return `must be an integer (${param.type}), as a number or a decimal string`;
    case 'bool':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'address':
      return typeof value === 'string' && isAddressText(value)
        ? null
        : 'must be a 0x-prefixed 20-byte hex address';
    case 'string':
      return typeof value === 'string' ? null : 'must be a string';
    case 'bytes':
      return typeof value === 'string' && isHexString(value)
        ? null
        : 'must be a 0x-prefixed hex string';
    case null:
      return null;
  }
}

function compareIssues(kind: EvmValueKind, compare: EvmContractTarget['compare']): Issue[] {
  const { operator, value } = compare;
  const at = (field: 'operator' | 'value', message: string): Issue[] => [
    { code: 'custom', path: ['compare', field], message },
  ];
  if (operator === 'changed') {
    return value === undefined ? [] : at('value', 'must not be set with "changed"');
  }
  if (value === undefined) return at('value', `is required with "${operator}"`);
  const ordered = operator !== 'eq' && operator !== 'ne';
  if (ordered && kind !== 'integer') {
    return at('operator', `"${operator}" compares integers; a ${kind} takes eq, ne or changed`);
  }
  switch (kind) {
    case 'integer':
      return (typeof value === 'number' ? Number.isSafeInteger(value) : isIntegerString(value))
        ? []
        : at('value', 'must be an integer, as a number or a decimal string (raw units)');
    case 'bool':
      return typeof value === 'boolean' ? [] : at('value', 'must be true or false');
    case 'address':
      return typeof value === 'string' && isAddressText(value)
        ? []
        : at('value', 'must be a 0x-prefixed 20-byte hex address');
    case 'string':
      return typeof value === 'string' ? [] : at('value', 'must be a string');
    case 'bytes':
      return typeof value === 'string' && isHexString(value)
        ? []
        : at('value', 'must be a 0x-prefixed hex string');
  }
}

function isIntegerString(value: unknown): boolean {
  return typeof value === 'string' && /^-?\d{1,78}$/.test(value);
}

function isAddressText(value: string): boolean {
  try {
    getAddress(value);
    return true;
  } catch {
    return false;
  }
}

// --- evm_rpc ------------------------------------------------------------------------------------

export const evmRpcTargetSchema = z
  .strictObject({
    rpc_url: rpcUrl,
    /** the chain the node must serve */
    chain_id: chainId,
    /** other endpoints of the same chain: the node's lag is measured against their median head */
    reference_urls: z
      .array(rpcUrl)
      .max(5, 'at most 5 reference endpoints')
      .refine((urls) => new Set(urls).size === urls.length, 'must not repeat an endpoint')
      .default([]),
    /** blocks the node may trail the references' median head by */
    max_lag_blocks: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(100_000, 'must be at most 100000')
      .default(5),
    /** degraded when the node answers slower than this */
    max_response_ms: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .positive('must be positive')
      .max(60_000, 'must be at most 60000')
      .optional(),
    /**
     * Down when the head is no higher than at the last check older than this; 0 compares with
     * the previous check. Set it above the block time when checks come faster than blocks.
     */
    max_stall_seconds: z
      .number({ error: 'must be a number' })
      .int('must be an integer')
      .min(0, 'must be at least 0')
      .max(86_400, 'must be at most 86400')
      .default(0),
    timeout_ms: timeoutMs,
  })
  .refine((c) => !c.reference_urls.includes(c.rpc_url), {
    message: 'must not include rpc_url itself',
    path: ['reference_urls'],
  });

export type EvmRpcTarget = z.output<typeof evmRpcTargetSchema>;

// --- masks and descriptions ---------------------------------------------------------------------

/**
 * An RPC URL as it may be shown: the origin alone when anything else (user info, a path, a
 * query) could hold an API key, e.g. `https://eth-mainnet.g.alchemy.com/****`.
 */
export function maskRpcUrl(url: string): string {
  const u = URL.parse(url);
  if (u === null) return maskSecret(url);
  const bare = u.username === '' && u.password === '' && u.pathname === '/' && u.search === '';
  return bare ? url : maskSecret(u.toString());
}

/** The host of an RPC URL: what a description may name. */
function rpcHost(url: string): string {
  return URL.parse(url)?.host ?? 'an RPC endpoint';
}

export function maskEvmBalanceTarget(target: EvmBalanceTarget): EvmBalanceTarget {
  return { ...target, rpc_url: maskRpcUrl(target.rpc_url) };
}

export function describeEvmBalanceTarget(target: EvmBalanceTarget): string {
  const what = target.token ? `token ${target.token} balance` : 'balance';
  return `${what} of ${target.address} on ${rpcHost(target.rpc_url)}`;
}

export function maskEvmContractTarget(target: EvmContractTarget): EvmContractTarget {
  return { ...target, rpc_url: maskRpcUrl(target.rpc_url) };
}

export function describeEvmContractTarget(target: EvmContractTarget): string {
  const name = parseEvmFunction(target.function)?.name ?? 'call';
  const args = target.args.map((a) => {
    const text = typeof a === 'string' ? a : JSON.stringify(a);
    return text.length > 14 ? `${text.slice(0, 12)}…` : text;
  });
  return `${name}(${args.join(', ')}) on ${target.address} at ${rpcHost(target.rpc_url)}`;
}

export function maskEvmRpcTarget(target: EvmRpcTarget): EvmRpcTarget {
  return {
    ...target,
    rpc_url: maskRpcUrl(target.rpc_url),
    reference_urls: target.reference_urls.map(maskRpcUrl),
  };
}

export function describeEvmRpcTarget(target: EvmRpcTarget): string {
  return `JSON-RPC ${rpcHost(target.rpc_url)} (chain ${target.chain_id})`;
}
