import type { EvmBalanceTarget } from '@lighthouse/domain';
import { formatUnits, Interface } from 'ethers';
import { inOrder, MalformedResponseError, withRpcSession } from './evm';
import type { Probes } from './probes';
import type { CheckRunner, SlotContext } from './types';

/** How far back the burn rate looks (then only since the latest top-up). */
export const BURN_WINDOW_HOURS = 24;
/** Fewer points than this (the current one included) make no estimate. */
export const MIN_BURN_POINTS = 3;

const erc20 = new Interface([
  'function balanceOf(address) view returns (uint256)',
  'function decimals() view returns (uint8)',
]);

/**
 * The native or ERC-20 balance of an address, in whole units: down below `min_balance`;
 * degraded when, at the recent burn rate (a least-squares fit of the stored values), it would
 * be empty within `empty_horizon_hours`. The balance is stored as the check's `value`.
 */
export function createEvmBalanceChecker(
  probes: Pick<Probes, 'rpc'>,
): CheckRunner<EvmBalanceTarget, SlotContext> {
  return async (config, ctx) => {
    const result = await withRpcSession(probes.rpc, ctx, config.timeout_ms, async (session) => {
      const rpc = session.connect(config.rpc_url);
      const [chainId, units, decimals] = await inOrder([
        config.chain_id === undefined ? undefined : rpc.chainId(),
        config.token === undefined
          ? rpc.balance(config.address)
          : rpc
              .call(config.token, erc20.encodeFunctionData('balanceOf', [config.address]))
              .then((data) => decodeUint(data, 'balanceOf')),
        config.token === undefined
          ? 18
          : rpc
              .call(config.token, erc20.encodeFunctionData('decimals'))
              .then((data) => Number(decodeUint(data, 'decimals'))),
      ]);
      const elapsed = session.elapsed();
      if (chainId !== undefined && chainId !== BigInt(config.chain_id ?? 0)) {
        return session.result(
          { status: 'down', message: `chain id is ${chainId}, expected ${config.chain_id}` },
          { response_time_ms: elapsed },
        );
      }
      if (decimals > 77) {
        throw new MalformedResponseError(`the token reports ${decimals} decimals`);
      }
      const value = Number(formatUnits(units, decimals));
      if (units < toUnits(config.min_balance, decimals)) {
        const shown = formatUnits(units, decimals);
        return session.result(
          {
            status: 'down',
            message: `balance ${shown} is below min_balance ${config.min_balance}`,
          },
          { response_time_ms: elapsed, value },
        );
      }
      return session.result({ status: 'up' }, { response_time_ms: elapsed, value });
    });
    // The history is read outside the session: a database error is not the target's failure,
    // so it fails the job (BullMQ retries the slot) rather than recording a false "down".
    if (result.status !== 'up' || result.value === null || result.value === undefined)
      return result;
    const warning = await timeToEmptyWarning(config, ctx, result.value);
    return warning === null ? result : { ...result, status: 'degraded', error_message: warning };
  };
}

/** "empty in ~N h at the recent burn rate", when that is sooner than the horizon. */
async function timeToEmptyWarning(
  config: EvmBalanceTarget,
  ctx: SlotContext,
  value: number,
): Promise<string | null> {
  const horizon = config.empty_horizon_hours;
  if (horizon === undefined || value <= 0) return null;
  const trend = await ctx.history.recentTrend({
    since: new Date(ctx.slot.getTime() - BURN_WINDOW_HOURS * 3_600_000),
    now: ctx.slot,
    current: value,
  });
  const hours = hoursToEmpty(value, trend);
  if (hours === null || hours >= horizon) return null;
  return `empty in ~${formatHours(hours)} at the recent burn rate (${formatAmount(-(trend.per_hour ?? 0))} per hour)`;
}

/** Hours until `value` reaches zero at the trend's rate; null when it is not falling. */
export function hoursToEmpty(
  value: number,
  trend: { per_hour: number | null; points: number },
): number | null {
  if (trend.per_hour === null || trend.points < MIN_BURN_POINTS) return null;
  if (!(trend.per_hour < 0) || !Number.isFinite(trend.per_hour)) return null;
  return value / -trend.per_hour;
}

export function formatHours(hours: number): string {
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  return `${hours < 10 ? hours.toFixed(1) : Math.round(hours)} h`;
}

function formatAmount(amount: number): string {
  return amount >= 1000 ? Math.round(amount).toString() : String(Number(amount.toPrecision(3)));
}

/**
 * A decimal amount in whole units as base units, rounded up: a balance (a whole number of base
 * units) is below the amount exactly when it is below this.
 */
export function toUnits(amount: string, decimals: number): bigint {
  const [whole = '0', fraction = ''] = amount.split('.');
  const kept = fraction.slice(0, decimals).padEnd(decimals, '0');
  const units = BigInt(whole + kept);
  return /[1-9]/.test(fraction.slice(decimals)) ? units + 1n : units;
}

function decodeUint(data: string, fn: 'balanceOf' | 'decimals'): bigint {
  if (data === '0x') {
    throw new MalformedResponseError(
      `${fn}() returned no data: is the token address an ERC-20 contract on this chain?`,
    );
  }
  try {
    return erc20.decodeFunctionResult(fn, data)[0] as bigint;
  } catch {
    throw new MalformedResponseError(`${fn}() returned data that is not a uint`);
  }
}
