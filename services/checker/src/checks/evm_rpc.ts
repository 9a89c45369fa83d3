import type { EvmRpcTarget } from '@lighthouse/domain';
import { inOrder, medianHeight, withRpcSession } from './evm';
import type { Probes } from './probes';
import type { CheckRunner, SlotContext } from './types';

/**
 * A JSON-RPC node's health, first failure deciding:
 * - its chain id must be `chain_id` (else down);
 * - its head must be above the head stored by the last check older than `max_stall_seconds`
 *   (0: the previous check), else down: a stalled node;
 * - it may trail the median head of the reference endpoints (those that answered, on the same
 *   chain) by at most `max_lag_blocks`, else degraded: it answers, with stale data;
 * - it must answer within `max_response_ms`, else degraded.
 * The head is stored as the check's `value`.
 */
export function createEvmRpcChecker(
  probes: Pick<Probes, 'rpc'>,
): CheckRunner<EvmRpcTarget, SlotContext> {
  return async (config, ctx) => {
    let references: Promise<number[]> = Promise.resolve([]);
    const result = await withRpcSession(probes.rpc, ctx, config.timeout_ms, async (session) => {
      const rpc = session.connect(config.rpc_url);
      const expected = BigInt(config.chain_id);
      // References are asked at the same time; those that fail or serve another chain are left
      // out. The deadline ends them all; their failures are never the node's.
      references = Promise.allSettled(
        config.reference_urls.map(async (url) => {
          const reference = session.connect(url);
          const [chainId, head] = await inOrder([reference.chainId(), reference.blockNumber()]);
          if (chainId !== expected) throw new Error('another chain');
          return head;
        }),
      ).then((settled) => settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
      const [chainId, head] = await inOrder([rpc.chainId(), rpc.blockNumber()]);
      const elapsed = session.elapsed();
      const measured = { response_time_ms: elapsed, value: head };
      if (chainId !== expected) {
        return session.result(
          { status: 'down', message: `chain id is ${chainId}, expected ${config.chain_id}` },
          { response_time_ms: elapsed },
        );
      }
      const heads = await references;
      const problems: string[] = [];
      const median = medianHeight(heads);
      if (median !== undefined && median - head > config.max_lag_blocks) {
        problems.push(
          `${median - head} blocks behind the median head ${median} of ${heads.length} reference(s) (max_lag_blocks ${config.max_lag_blocks})`,
        );
      }
      if (config.max_response_ms !== undefined && elapsed > config.max_response_ms) {
        problems.push(`answered in ${elapsed} ms, over max_response_ms ${config.max_response_ms}`);
      }
      return problems.length === 0
        ? session.result({ status: 'up' }, measured)
        : session.result({ status: 'degraded', message: problems.join('; ') }, measured);
    });
    if (result.status === 'down' || typeof result.value !== 'number') return result;
    // Outside the session: a database error fails the job (and BullMQ retries the slot).
    const stall = await stalled(config, ctx, result.value);
    return stall === null
      ? result
      : { ...result, status: 'down', error_category: 'assertion', error_message: stall };
  };
}

/** Why the head counts as stalled, or null while it advances. */
async function stalled(
  config: EvmRpcTarget,
  ctx: SlotContext,
  head: number,
): Promise<string | null> {
  const window = config.max_stall_seconds * 1000;
  const earlier = await ctx.history.latestValue(new Date(ctx.slot.getTime() - window));
  if (earlier?.value === null || earlier?.value === undefined || head > earlier.value) return null;
  const since =
    config.max_stall_seconds === 0
      ? 'since the previous check'
      : `for over ${config.max_stall_seconds} s`;
  return head < earlier.value
    ? `head went back from block ${earlier.value} to ${head}`
    : `head stuck at block ${head} ${since}`;
}
