import {
  evmValueKind,
  parseEvmFunction,
  type EvmContractTarget,
  type EvmValueKind,
} from '@lighthouse/domain';
import { getAddress, Interface, keccak256, toUtf8Bytes } from 'ethers';
import { oneLine } from './errors';
import { inOrder, MalformedResponseError, withRpcSession } from './evm';
import type { Probes } from './probes';
import type { CheckResult, CheckRunner, SlotContext } from './types';

/** Longer readings are stored as their keccak256, so that `changed` still compares them. */
export const MAX_VALUE_TEXT = 256;

/** A decoded return value: exact text (stored in value_text) and, for integers, the number. */
interface Reading {
  kind: EvmValueKind;
  text: string;
  integer: bigint | null;
}

/**
 * Calls a view function (eth_call at the latest block) and compares its first return value:
 * eq, ne, lt, lte, gt, gte against `compare.value`, or `changed` against the previous check's
 * reading. Integers are stored as `value` (a double, for charts) and every reading exactly as
 * `value_text`, which `changed` compares.
 */
export function createEvmContractChecker(
  probes: Pick<Probes, 'rpc'>,
): CheckRunner<EvmContractTarget, SlotContext> {
  return async (config, ctx) => {
    let reading: Reading | undefined;
    const result = await withRpcSession(probes.rpc, ctx, config.timeout_ms, async (session) => {
      const fragment = parseEvmFunction(config.function);
      const output = fragment?.outputs[0];
      const kind = output ? evmValueKind(output.type) : null;
      if (!fragment || !output || kind === null) {
        throw new Error('the function signature did not pass validation');
      }
      const abi = new Interface([fragment]);
      const rpc = session.connect(config.rpc_url);
      const [chainId, data] = await inOrder([
        config.chain_id === undefined ? undefined : rpc.chainId(),
        rpc.call(config.address, abi.encodeFunctionData(fragment, config.args)),
      ]);
      const elapsed = session.elapsed();
      if (chainId !== undefined && chainId !== BigInt(config.chain_id ?? 0)) {
        return session.result(
          { status: 'down', message: `chain id is ${chainId}, expected ${config.chain_id}` },
          { response_time_ms: elapsed },
        );
      }
      if (data === '0x') {
        return session.result(
          {
            status: 'down',
            category: 'status',
            message: `${fragment.name}() returned no data: no contract at ${config.address}, or it has no such function`,
          },
          { response_time_ms: elapsed },
        );
      }
      let decoded: unknown;
      try {
        decoded = abi.decodeFunctionResult(fragment, data)[0];
      } catch {
        throw new MalformedResponseError(
          `${fragment.name}() returned data that does not decode as ${output.type}`,
        );
      }
      reading = read(kind, decoded);
      const measured = {
        response_time_ms: elapsed,
        value: reading.integer === null ? null : Number(reading.integer),
        value_text: stored(reading),
      };
      const problem =
        config.compare.operator === 'changed' ? null : compare(config.compare, reading);
      return problem === null
        ? session.result({ status: 'up' }, measured)
        : session.result(
            { status: 'down', message: `${fragment.name}() returned ${show(reading)}, ${problem}` },
            measured,
          );
    });
    if (reading === undefined || result.status !== 'up' || config.compare.operator !== 'changed') {
      return result;
    }
    // Outside the session: a database error fails the job (and BullMQ retries the slot).
    return changedSincePrevious(config, ctx, result, reading);
  };
}

async function changedSincePrevious(
  config: EvmContractTarget,
  ctx: SlotContext,
  result: CheckResult,
  reading: Reading,
): Promise<CheckResult> {
  const previous = await ctx.history.latestValue(ctx.slot);
  const before = previous?.value_text;
  if (before === null || before === undefined || before === result.value_text) return result;
  const name = parseEvmFunction(config.function)?.name ?? 'call';
  const was = before.startsWith('keccak256:') ? 'a long value' : quoteIfText(reading.kind, before);
  return {
    ...result,
    status: 'down',
    error_category: 'assertion',
    error_message: oneLine(`${name}() changed from ${was} to ${show(reading)}`, 300),
  };
}

function read(kind: EvmValueKind, decoded: unknown): Reading {
  switch (kind) {
    case 'integer': {
      if (typeof decoded !== 'bigint') throw new MalformedResponseError('not an integer');
      return { kind, text: decoded.toString(), integer: decoded };
    }
    case 'bool':
      return { kind, text: String(decoded === true), integer: null };
    case 'address':
      return { kind, text: getAddress(String(decoded)), integer: null };
    case 'string':
      return { kind, text: String(decoded), integer: null };
    case 'bytes':
      return { kind, text: String(decoded).toLowerCase(), integer: null };
  }
}

/** value_text: the reading, or its keccak256 when it is long. */
function stored(reading: Reading): string {
  return reading.text.length <= MAX_VALUE_TEXT
    ? reading.text
    : `keccak256:${keccak256(toUtf8Bytes(reading.text))}`;
}

/** Why the reading fails the comparison, or null when it passes. */
function compare(compare: EvmContractTarget['compare'], reading: Reading): string | null {
  const { operator, value } = compare;
  if (value === undefined) return null;
  const expected = `expected ${operator} ${reading.kind === 'string' ? JSON.stringify(value) : String(value)}`;
  if (reading.integer !== null) {
    const target = BigInt(value);
    const a = reading.integer;
    const ok =
      operator === 'eq'
        ? a === target
        : operator === 'ne'
          ? a !== target
          : operator === 'lt'
            ? a < target
            : operator === 'lte'
              ? a <= target
              : operator === 'gt'
                ? a > target
                : a >= target;
    return ok ? null : expected;
  }
  const equal =
    reading.kind === 'address'
      ? typeof value === 'string' && value.toLowerCase() === reading.text.toLowerCase()
      : reading.kind === 'bytes'
        ? typeof value === 'string' && value.toLowerCase() === reading.text
        : reading.kind === 'bool'
          ? value === (reading.text === 'true')
          : value === reading.text;
  if (operator === 'eq') return equal ? null : expected;
  if (operator === 'ne') return equal ? expected : null;
  return `cannot compare a ${reading.kind} with ${operator}`;
}

function show(reading: Reading): string {
  return quoteIfText(reading.kind, reading.text);
}

function quoteIfText(kind: EvmValueKind, text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return kind === 'string' ? JSON.stringify(shown) : shown;
}
