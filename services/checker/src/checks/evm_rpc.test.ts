import { createDb, type Db } from '@lighthouse/db';
import { evmRpcTargetSchema, type EvmRpcTarget } from '@lighthouse/domain';
import {
  createTestDatabase,
  startEvmNode,
  type EvmNode,
  type TestDatabase,
} from '@lighthouse/testing';
import { startDelayingProxy, startRpcPeer, startSilentPeer, type Peer } from '../../test/rpc-peers';
import { medianHeight } from './evm';
import { noHistory } from '../../test/history';
import { createHistoryReader } from '../subscriptions/history';
import { createEvmRpcChecker } from './evm_rpc';
import { createProbes } from './probes';
import type { CheckContext, SlotContext } from './types';

const CHAIN_ID = 43113;
/** A check now, of a subscription with nothing stored yet. */
const fresh = (ctx: CheckContext): SlotContext => ({
  slot: new Date(),
  history: noHistory,
  ...ctx,
});
const allowPrivate = fresh({ targetAccess: 'all' });
const probes = createProbes();
const runEvmRpcCheck = createEvmRpcChecker(probes);

// Two nodes of one chain id: `leader` mines, `lagging` has stopped mining.
let leader: EvmNode;
let lagging: EvmNode;
let database: TestDatabase;
let db: Db;
let silent: Peer;
const owner = `0x${'e'.repeat(40)}`;

beforeAll(async () => {
  [leader, lagging, database, silent] = await Promise.all([
    startEvmNode({ chainId: CHAIN_ID, multicall3: false }),
    startEvmNode({ chainId: CHAIN_ID, multicall3: false }),
    createTestDatabase(),
    startSilentPeer(),
  ]);
  await lagging.setMining(false);
  await leader.mine(20);
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
}, 60_000);

afterAll(async () => {
  await Promise.all([
    leader?.stop(),
    lagging?.stop(),
    silent?.close(),
    db?.destroy(),
    probes.close(),
  ]);
  await database?.drop();
});

function target(config: Record<string, unknown> = {}): EvmRpcTarget {
  return evmRpcTargetSchema.parse({ rpc_url: leader.url, chain_id: CHAIN_ID, ...config });
}

async function head(node: EvmNode): Promise<number> {
  return Number(await node.rpc<string>('eth_blockNumber'));
}

describe('node health', () => {
  it('is up on the right chain and stores its head', async () => {
    const result = await runEvmRpcCheck(target(), allowPrivate);
    expect(result).toMatchObject({ status: 'up', error_message: null, value: await head(leader) });
    expect(result.response_time_ms).toEqual(expect.any(Number));
  });

  it('is down on another chain', async () => {
    const result = await runEvmRpcCheck(target({ chain_id: 1 }), allowPrivate);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `chain id is ${CHAIN_ID}, expected 1`,
    });
  });

  it('is degraded when it trails the references by more than max_lag_blocks', async () => {
    const [ahead, behind] = [await head(leader), await head(lagging)];
    const result = await runEvmRpcCheck(
      target({ rpc_url: lagging.url, reference_urls: [leader.url] }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'degraded',
      error_category: null,
      error_message: `${ahead - behind} blocks behind the median head ${ahead} of 1 reference(s) (max_lag_blocks 5)`,
      value: behind,
    });
    // within a looser limit, and the other way round, it is up
    const loose = await runEvmRpcCheck(
      target({ rpc_url: lagging.url, reference_urls: [leader.url], max_lag_blocks: 1000 }),
      allowPrivate,
    );
    expect(loose.status).toBe('up');
    const leading = await runEvmRpcCheck(target({ reference_urls: [lagging.url] }), allowPrivate);
    expect(leading.status).toBe('up');
  });

  it('ignores references that fail or serve another chain', async () => {
    const otherChain = await startRpcPeer((req) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: req.id,
        result: req.method === 'eth_chainId' ? '0x1' : '0xffffff',
      }),
    );
    try {
      const result = await runEvmRpcCheck(
        target({
          rpc_url: lagging.url,
          reference_urls: [silent.url, otherChain.url],
          timeout_ms: 500,
        }),
        allowPrivate,
      );
      expect(result).toMatchObject({ status: 'up', value: await head(lagging) });
    } finally {
      await otherChain.close();
    }
  });

  it('is degraded when it answers slower than max_response_ms', async () => {
    const slow = await startDelayingProxy(leader.url, 300);
    try {
      const result = await runEvmRpcCheck(
        target({ rpc_url: slow.url, max_response_ms: 100 }),
        allowPrivate,
      );
      expect(result.status).toBe('degraded');
      expect(result.error_message).toMatch(/^answered in \d+ ms, over max_response_ms 100$/);
      expect(result.response_time_ms).toBeGreaterThanOrEqual(300);
    } finally {
      await slow.close();
    }
  });
});

describe('block height advancing', () => {
  /** A check at `slot` of the subscription `id`, its history read from the database. */
  const slotContext = (id: string, slot: Date): SlotContext => ({
    targetAccess: 'all',
    slot,
    history: createHistoryReader(db)(id),
  });

  /** A subscription whose history holds these heads, seconds before `slot`. */
  async function withHistory(points: [secondsAgo: number, head: number][], slot: Date) {
    const { id } = await db
      .insertInto('subscriptions')
      .values({
        user_address: owner,
        name: 'node',
        target_type: 'evm_rpc',
        target_config: '{}',
        target_secret: 'v1:x',
        tier: 'pro',
        check_frequency_seconds: 10,
        next_check_at: slot,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (points.length === 0) return { subscriptionId: id, ...slotContext(id, slot) };
    await db
      .insertInto('check_history')
      .values(
        points.map(([secondsAgo, value]) => ({
          time: new Date(slot.getTime() - secondsAgo * 1000),
          subscription_id: id,
          status: 'up' as const,
          value,
        })),
      )
      .execute();
    return { subscriptionId: id, ...slotContext(id, slot) };
  }

  it('is up while the head rises above the previous check', async () => {
    const now = await head(leader);
    const ctx = await withHistory([[10, now - 1]], new Date());
    expect(await runEvmRpcCheck(target(), ctx)).toMatchObject({ status: 'up', value: now });
  });

  it('is down when a node that stopped mining is where it was at the previous check', async () => {
    const stuck = await head(lagging);
    const ctx = await withHistory([[10, stuck]], new Date());
    const result = await runEvmRpcCheck(target({ rpc_url: lagging.url }), ctx);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `head stuck at block ${stuck} since the previous check`,
      value: stuck,
    });
  });

  it('is down when the head goes back', async () => {
    const now = await head(lagging);
    const ctx = await withHistory([[10, now + 3]], new Date());
    const result = await runEvmRpcCheck(target({ rpc_url: lagging.url }), ctx);
    expect(result.error_message).toBe(`head went back from block ${now + 3} to ${now}`);
  });

  it('with max_stall_seconds, compares with the last check at least that old', async () => {
    const stuck = await head(lagging);
    const config = target({ rpc_url: lagging.url, max_stall_seconds: 60 });
    // the same head 30 s ago is fine: blocks may come slower than checks
    const recent = await withHistory([[30, stuck]], new Date());
    expect(await runEvmRpcCheck(config, recent)).toMatchObject({ status: 'up' });
    // and 90 s ago is a stall
    const old = await withHistory(
      [
        [90, stuck],
        [30, stuck],
      ],
      new Date(),
    );
    expect(await runEvmRpcCheck(config, old)).toMatchObject({
      status: 'down',
      error_message: `head stuck at block ${stuck} for over 60 s`,
    });
  });

  it('follows a real node: a new block, then none', async () => {
    const { subscriptionId } = await withHistory([], new Date());
    /** One check at `slot`, recorded as the pipeline would. */
    const checkAt = async (slot: Date) => {
      const result = await runEvmRpcCheck(target(), slotContext(subscriptionId, slot));
      await db
        .insertInto('check_history')
        .values({
          time: slot,
          subscription_id: subscriptionId,
          status: result.status,
          value: result.value ?? null,
        })
        .execute();
      return result;
    };
    const t = Date.now();
    const a = await checkAt(new Date(t - 2_000));
    await leader.mine(1);
    const b = await checkAt(new Date(t - 1_000));
    const c = await checkAt(new Date(t));
    expect([a.status, b.status, c.status]).toEqual(['up', 'up', 'down']);
    expect(b.value).toBe((a.value as number) + 1);
    expect(c.error_message).toBe(`head stuck at block ${b.value} since the previous check`);
  });
});

describe('failures of the endpoint', () => {
  it('times out on an endpoint that never answers', async () => {
    const result = await runEvmRpcCheck(
      target({ rpc_url: silent.url, timeout_ms: 250 }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'timeout',
      error_message: 'timed out after 250 ms',
    });
  });

  it('is down on a malformed answer', async () => {
    const peer = await startRpcPeer((req) =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: req.id,
        result: req.method === 'eth_chainId' ? '0xa869' : null,
      }),
    );
    try {
      const result = await runEvmRpcCheck(target({ rpc_url: peer.url }), allowPrivate);
      expect(result).toMatchObject({
        status: 'down',
        error_category: 'status',
        error_message:
          'invalid JSON-RPC response: eth_blockNumber returned nothing, not a quantity',
      });
    } finally {
      await peer.close();
    }
  });
});

it('takes the median of the reference heads', () => {
  expect(medianHeight([])).toBeUndefined();
  expect(medianHeight([7])).toBe(7);
  expect(medianHeight([10, 1, 5])).toBe(5);
  expect(medianHeight([10, 1, 5, 6])).toBe(5);
  expect(medianHeight([100, 1])).toBe(50);
});
