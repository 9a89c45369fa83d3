import { createDb, type Db } from '@lighthouse/db';
import { evmBalanceTargetSchema, type EvmBalanceTarget } from '@lighthouse/domain';
import {
  createTestDatabase,
  deployTestUsdc,
  startEvmNode,
  type EvmNode,
  type TestDatabase,
  type TestUsdc,
} from '@lighthouse/testing';
import { Wallet } from 'ethers';
import { startRpcPeer, startSilentPeer, type Peer } from '../../test/rpc-peers';
import { noHistory } from '../../test/history';
import { createHistoryReader } from '../subscriptions/history';
import { createEvmBalanceChecker, formatHours, toUnits } from './evm_balance';
import { createProbes } from './probes';
import type { CheckContext, SlotContext } from './types';

const CHAIN_ID = 43113;
const ETH = 10n ** 18n;
const HOUR = 3_600_000;
/** A check now, of a subscription with nothing stored yet. */
const fresh = (ctx: CheckContext): SlotContext => ({
  slot: new Date(),
  history: noHistory,
  ...ctx,
});
const allowPrivate = fresh({ targetAccess: 'all' });
const probes = createProbes();
const runEvmBalanceCheck = createEvmBalanceChecker(probes);

let node: EvmNode;
let usdc: TestUsdc;
let database: TestDatabase;
let db: Db;
let silent: Peer;
const owner = `0x${'c'.repeat(40)}`;

beforeAll(async () => {
  [node, database, silent] = await Promise.all([
    startEvmNode({ chainId: CHAIN_ID }),
    createTestDatabase(),
    startSilentPeer(),
  ]);
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), silent?.close(), db?.destroy(), probes.close()]);
  await database?.drop();
});

/** A config as the API stores it: validated, defaults filled in. */
function target(config: Record<string, unknown>): EvmBalanceTarget {
  return evmBalanceTargetSchema.parse({ rpc_url: node.url, ...config });
}

/** A fresh address holding `wei` of the native coin. */
async function account(wei: bigint): Promise<string> {
  const address = Wallet.createRandom().address;
  await node.rpc('hardhat_setBalance', [address, `0x${wei.toString(16)}`]);
  return address;
}

describe('native balance', () => {
  it('is up at or above min_balance and stores the balance in whole units', async () => {
    const address = await account(2n * ETH + ETH / 2n);
    const result = await runEvmBalanceCheck(target({ address, min_balance: '2.5' }), allowPrivate);
    expect(result).toMatchObject({
      status: 'up',
      error_category: null,
      error_message: null,
      value: 2.5,
    });
    expect(result.response_time_ms).toEqual(expect.any(Number));
  });

  it('is down below min_balance, to the last wei', async () => {
    const address = await account(2n * ETH);
    const result = await runEvmBalanceCheck(
      target({ address, min_balance: '2.000000000000000001' }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: 'balance 2.0 is below min_balance 2.000000000000000001',
      value: 2,
    });
  });

  it('is down on another chain than chain_id', async () => {
    const address = await account(ETH);
    const result = await runEvmBalanceCheck(
      target({ address, min_balance: '0', chain_id: 1 }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `chain id is ${CHAIN_ID}, expected 1`,
    });
    const same = await runEvmBalanceCheck(
      target({ address, min_balance: '0', chain_id: CHAIN_ID }),
      allowPrivate,
    );
    expect(same.status).toBe('up');
  });
});

describe('ERC-20 balance', () => {
  it('reads decimals from the token: up at min_balance, down a base unit below', async () => {
    const address = Wallet.createRandom().address;
    await usdc.mint(address, 5_000_000n); // 5 USDC, 6 decimals
    const up = await runEvmBalanceCheck(
      target({ address, token: usdc.address, min_balance: '5' }),
      allowPrivate,
    );
    expect(up).toMatchObject({ status: 'up', value: 5 });
    const down = await runEvmBalanceCheck(
      target({ address, token: usdc.address, min_balance: '5.0000001' }),
      allowPrivate,
    );
    expect(down).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: 'balance 5.0 is below min_balance 5.0000001',
    });
  });

  it('is down when the token address holds no contract', async () => {
    const result = await runEvmBalanceCheck(
      target({
        address: Wallet.createRandom().address,
        token: Wallet.createRandom().address,
        min_balance: '1',
      }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'status', value: null });
    expect(result.error_message).toMatch(/balanceOf\(\) returned no data/);
  });
});

describe('failures of the endpoint', () => {
  const address = `0x${'1'.repeat(40)}`;
  const secret = 'k3y-0f-th3-rpc-pr0v1der';

  it('times out on an endpoint that never answers, without naming its URL', async () => {
    const started = Date.now();
    const result = await runEvmBalanceCheck(
      target({ rpc_url: `${silent.url}/v2/${secret}`, address, min_balance: '1', timeout_ms: 300 }),
      allowPrivate,
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'timeout',
      error_message: 'timed out after 300 ms',
      value: null,
    });
    expect(JSON.stringify(result)).not.toContain(secret);
  });

  it('is down on garbage instead of JSON-RPC', async () => {
    const notJson = await startRpcPeer(() => '<html>502 bad gateway</html>');
    const notQuantity = await startRpcPeer(
      (req) => `{"jsonrpc":"2.0","id":${JSON.stringify(req.id)},"result":"banana"}`,
    );
    const noEnvelope = await startRpcPeer(() => '{"hello":"world"}');
    try {
      const results = await Promise.all(
        [notJson, notQuantity, noEnvelope].map((peer) =>
          runEvmBalanceCheck(
            target({ rpc_url: `${peer.url}/?apikey=${secret}`, address, min_balance: '1' }),
            allowPrivate,
          ),
        ),
      );
      expect(results.map((r) => [r.status, r.error_category, r.error_message])).toEqual([
        ['down', 'status', 'invalid JSON-RPC response: the body is not JSON'],
        [
          'down',
          'status',
          'invalid JSON-RPC response: eth_getBalance returned "banana", not a quantity',
        ],
        ['down', 'status', 'invalid JSON-RPC response: missing response for request'],
      ]);
      expect(JSON.stringify(results)).not.toContain(secret);
    } finally {
      await Promise.all([notJson.close(), notQuantity.close(), noEnvelope.close()]);
    }
  });

  it('reports a JSON-RPC error and an HTTP error status', async () => {
    const rpcError = await startRpcPeer(
      (req) =>
        `{"jsonrpc":"2.0","id":${JSON.stringify(req.id)},"error":{"code":-32005,"message":"daily request limit reached"}}`,
    );
    const unauthorized = await startRpcPeer(() => '{"error":"invalid api key"}', 401);
    try {
      const [a, b] = await Promise.all(
        [rpcError, unauthorized].map((peer) =>
          runEvmBalanceCheck(
            target({ rpc_url: peer.url, address, min_balance: '1' }),
            allowPrivate,
          ),
        ),
      );
      expect(a).toMatchObject({
        status: 'down',
        error_category: 'status',
        error_message: 'JSON-RPC error -32005: daily request limit reached',
      });
      expect(b).toMatchObject({
        status: 'down',
        error_category: 'status',
        http_status: 401,
        error_message: 'the RPC endpoint answered HTTP 401',
      });
    } finally {
      await Promise.all([rpcError.close(), unauthorized.close()]);
    }
  });

  it('is down on a refused connection', async () => {
    const closed = await startSilentPeer();
    await closed.close();
    const result = await runEvmBalanceCheck(
      target({ rpc_url: closed.url, address, min_balance: '1' }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'connect',
      error_message: 'connection refused (ECONNREFUSED)',
    });
  });

  it('goes through the SSRF guard: a loopback node is blocked unless private targets are allowed', async () => {
    const result = await runEvmBalanceCheck(
      target({ rpc_url: `${node.url}/${secret}`, address, min_balance: '0' }),
      fresh({ targetAccess: 'public' }),
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(result.error_message).toMatch(/^blocked by the SSRF guard: 127\.0\.0\.1 is a private/);
    expect(result.error_message).not.toContain(secret);
    // a host name is resolved once, by the guard, and refused for its address
    const byName = await runEvmBalanceCheck(
      target({ rpc_url: node.url.replace('127.0.0.1', 'localhost'), address, min_balance: '0' }),
      fresh({ targetAccess: 'public' }),
    );
    expect(byName).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(byName.error_message).toMatch(/localhost resolves to a private or reserved address/);
    expect(byName.error_message).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('stops at shutdown', async () => {
    const controller = new AbortController();
    const pending = runEvmBalanceCheck(
      target({ rpc_url: silent.url, address, min_balance: '1' }),
      fresh({ targetAccess: 'all', signal: controller.signal }),
    );
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({
      status: 'down',
      error_category: 'internal',
      error_message: 'check aborted: the checker is shutting down',
    });
  });
});

describe('time to empty', () => {
  /** A subscription with stored balances (whole units) at hours before `slot`. */
  async function history(points: [hoursAgo: number, value: number][], slot: Date) {
    const { id } = await db
      .insertInto('subscriptions')
      .values({
        user_address: owner,
        name: 'gas wallet',
        target_type: 'evm_balance',
        target_config: '{}',
        target_secret: 'v1:x',
        tier: 'pro',
        check_frequency_seconds: 60,
        next_check_at: slot,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (points.length > 0) {
      await db
        .insertInto('check_history')
        .values(
          points.map(([hoursAgo, value]) => ({
            time: new Date(slot.getTime() - hoursAgo * HOUR),
            subscription_id: id,
            status: 'up' as const,
            value,
          })),
        )
        .execute();
    }
    return {
      targetAccess: 'all',
      slot,
      history: createHistoryReader(db)(id),
    } satisfies SlotContext;
  }

  it('is degraded when the recent burn rate empties the account within the horizon', async () => {
    const slot = new Date();
    const ctx = await history(
      [
        [4, 6],
        [3, 5],
        [2, 4],
        [1, 3],
      ],
      slot,
    );
    const address = await account(2n * ETH);
    const config = target({ address, min_balance: '0.5', empty_horizon_hours: 24 });
    expect(await runEvmBalanceCheck(config, ctx)).toMatchObject({
      status: 'degraded',
      error_category: null,
      error_message: 'empty in ~2.0 h at the recent burn rate (1 per hour)',
      value: 2,
    });
    // the same history with a shorter horizon: up
    expect(await runEvmBalanceCheck({ ...config, empty_horizon_hours: 1.5 }, ctx)).toMatchObject({
      status: 'up',
      error_message: null,
    });
  });

  it('measures the burn since the latest top-up only', async () => {
    const slot = new Date();
    // falling, topped up 2 h ago, falling again: over all points the fit would rise
    const ctx = await history(
      [
        [5, 3],
        [4, 2],
        [3, 1],
        [2, 4],
        [1, 3],
      ],
      slot,
    );
    const address = await account(2n * ETH);
    const result = await runEvmBalanceCheck(
      target({ address, min_balance: '0', empty_horizon_hours: 12 }),
      ctx,
    );
    expect(result.status).toBe('degraded');
    expect(result.error_message).toBe('empty in ~2.0 h at the recent burn rate (1 per hour)');
  });

  it('makes no estimate from too few points, nor from a steady balance', async () => {
    const address = await account(2n * ETH);
    const config = target({ address, min_balance: '0', empty_horizon_hours: 1000 });
    const slot = new Date();
    expect(await runEvmBalanceCheck(config, await history([[1, 3]], slot))).toMatchObject({
      status: 'up',
    });
    const steady = await history(
      [
        [3, 2],
        [2, 2],
        [1, 2],
      ],
      slot,
    );
    expect(await runEvmBalanceCheck(config, steady)).toMatchObject({ status: 'up' });
  });

  it('leaves min_balance in charge: below it is down, whatever the trend', async () => {
    const slot = new Date();
    const ctx = await history(
      [
        [2, 9],
        [1, 5],
      ],
      slot,
    );
    const address = await account(ETH);
    const result = await runEvmBalanceCheck(
      target({ address, min_balance: '2', empty_horizon_hours: 24 }),
      ctx,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'assertion', value: 1 });
  });
});

describe('helpers', () => {
  it('rounds min_balance up to base units, so the comparison is exact', () => {
    expect(toUnits('1', 18)).toBe(ETH);
    expect(toUnits('0.5', 6)).toBe(500_000n);
    expect(toUnits('0.0000001', 6)).toBe(1n);
    expect(toUnits('2.5000001', 6)).toBe(2_500_001n);
    expect(toUnits('7', 0)).toBe(7n);
  });

  it('says hours, or minutes under an hour', () => {
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(2)).toBe('2.0 h');
    expect(formatHours(36.4)).toBe('36 h');
  });
});
