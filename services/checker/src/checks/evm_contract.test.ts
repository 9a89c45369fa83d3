import { createDb, type Db } from '@lighthouse/db';
import { evmContractTargetSchema, type EvmContractTarget } from '@lighthouse/domain';
import {
  createTestDatabase,
  deployCounter,
  startEvmNode,
  type EvmNode,
  type TestCounter,
  type TestDatabase,
} from '@lighthouse/testing';
import { Wallet } from 'ethers';
import { startRpcPeer, startSilentPeer, type Peer } from '../../test/rpc-peers';
import { noHistory } from '../../test/history';
import { createHistoryReader } from '../subscriptions/history';
import { createEvmContractChecker } from './evm_contract';
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
const runEvmContractCheck = createEvmContractChecker(probes);

let node: EvmNode;
let counter: TestCounter;
let deployer: string;
let database: TestDatabase;
let db: Db;
let silent: Peer;
const owner = `0x${'d'.repeat(40)}`;

beforeAll(async () => {
  [node, database, silent] = await Promise.all([
    startEvmNode({ chainId: CHAIN_ID }),
    createTestDatabase(),
    startSilentPeer(),
  ]);
  counter = await deployCounter(node, { deployerKey: node.accounts[0]!, initial: 42n });
  deployer = new Wallet(node.accounts[0]!).address;
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
}, 60_000);

afterAll(async () => {
  await Promise.all([node?.stop(), silent?.close(), db?.destroy(), probes.close()]);
  await database?.drop();
});

function target(config: Record<string, unknown>): EvmContractTarget {
  return evmContractTargetSchema.parse({ rpc_url: node.url, address: counter.address, ...config });
}

const valueFn = 'function value() view returns (uint256)';

describe('compare with a value', () => {
  it('is up when the integer compares, and stores it as value and value_text', async () => {
    for (const compare of [
      { operator: 'eq', value: 42 },
      { operator: 'eq', value: '42' },
      { operator: 'ne', value: 7 },
      { operator: 'gte', value: 42 },
      { operator: 'lt', value: '100000000000000000000000000000' },
    ]) {
      const result = await runEvmContractCheck(
        target({ function: valueFn, compare }),
        allowPrivate,
      );
      expect(result).toMatchObject({ status: 'up', value: 42, value_text: '42' });
    }
  });

  it('is down when it does not', async () => {
    const result = await runEvmContractCheck(
      target({ function: valueFn, compare: { operator: 'gt', value: 100 } }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: 'value() returned 42, expected gt 100',
      value: 42,
    });
  });

  it('passes arguments and decodes a signed result', async () => {
    const result = await runEvmContractCheck(
      target({
        function: 'scaled(uint256 factor, int256 offset) view returns (int256)',
        args: ['2', -4],
        compare: { operator: 'eq', value: 80 },
      }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'up', value: 80, value_text: '80' });
  });

  it('compares bools, strings and addresses', async () => {
    const cases: [string, unknown, 'up' | 'down', string][] = [
      ['function paused() view returns (bool)', false, 'up', 'false'],
      ['function paused() view returns (bool)', true, 'down', 'false'],
      ['function label() view returns (string)', 'initial', 'up', 'initial'],
      ['function label() view returns (string)', 'other', 'down', 'initial'],
      ['function owner() view returns (address)', deployer.toLowerCase(), 'up', deployer],
    ];
    for (const [fn, value, status, text] of cases) {
      const result = await runEvmContractCheck(
        target({ function: fn, compare: { operator: 'eq', value } }),
        allowPrivate,
      );
      expect([fn, value, result.status, result.value_text, result.value]).toEqual([
        fn,
        value,
        status,
        text,
        null,
      ]);
    }
    const label = await runEvmContractCheck(
      target({ function: 'label() returns (string)', compare: { operator: 'eq', value: 'x' } }),
      allowPrivate,
    );
    expect(label.error_message).toBe('label() returned "initial", expected eq "x"');
  });

  it('is down when the call reverts, with the reason', async () => {
    const result = await runEvmContractCheck(
      target({
        function: 'function broken() view returns (uint256)',
        compare: { operator: 'eq', value: 1 },
      }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'status',
      error_message: 'the call reverted: counter is broken',
    });
  });

  it('is down when the address holds no contract', async () => {
    const result = await runEvmContractCheck(
      target({
        address: Wallet.createRandom().address,
        function: valueFn,
        compare: { operator: 'eq', value: 1 },
      }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'status' });
    expect(result.error_message).toMatch(/^value\(\) returned no data: no contract at 0x/);
  });

  it('is down on another chain than chain_id', async () => {
    const result = await runEvmContractCheck(
      target({ function: valueFn, compare: { operator: 'eq', value: 42 }, chain_id: 1 }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `chain id is ${CHAIN_ID}, expected 1`,
    });
  });
});

describe('changed since the previous check', () => {
  async function subscriptionWith(previous: string | null, slot: Date): Promise<SlotContext> {
    const { id } = await db
      .insertInto('subscriptions')
      .values({
        user_address: owner,
        name: 'counter',
        target_type: 'evm_contract',
        target_config: '{}',
        target_secret: 'v1:x',
        tier: 'pro',
        check_frequency_seconds: 60,
        next_check_at: slot,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (previous !== null) {
      await db
        .insertInto('check_history')
        .values([
          // an older reading, then a failed check that read nothing: the latest reading counts
          {
            time: new Date(slot.getTime() - 120_000),
            subscription_id: id,
            status: 'up',
            value_text: 'stale',
          },
          {
            time: new Date(slot.getTime() - 60_000),
            subscription_id: id,
            status: 'up',
            value_text: previous,
          },
          { time: new Date(slot.getTime() - 30_000), subscription_id: id, status: 'down' },
        ])
        .execute();
    }
    return { targetAccess: 'all', slot, history: createHistoryReader(db)(id) };
  }

  const changed = () => target({ function: valueFn, compare: { operator: 'changed' } });

  it('is up with no previous reading, and while the reading stays the same', async () => {
    const slot = new Date();
    expect(await runEvmContractCheck(changed(), await subscriptionWith(null, slot))).toMatchObject({
      status: 'up',
      value_text: '42',
    });
    expect(await runEvmContractCheck(changed(), await subscriptionWith('42', slot))).toMatchObject({
      status: 'up',
    });
  });

  it('is down when the reading differs from the previous one', async () => {
    const result = await runEvmContractCheck(changed(), await subscriptionWith('41', new Date()));
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: 'value() changed from 41 to 42',
      value: 42,
      value_text: '42',
    });
  });

  it('sees a change the contract makes', async () => {
    const ctx = await subscriptionWith('initial', new Date());
    await counter.send('setLabel', 'renamed');
    const result = await runEvmContractCheck(
      target({ function: 'label() view returns (string)', compare: { operator: 'changed' } }),
      ctx,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_message: 'label() changed from "initial" to "renamed"',
      value: null,
      value_text: 'renamed',
    });
  });
});

describe('failures of the endpoint', () => {
  const compare = { operator: 'eq', value: 42 };

  it('times out on an endpoint that never answers', async () => {
    const result = await runEvmContractCheck(
      target({ rpc_url: silent.url, function: valueFn, compare, timeout_ms: 250 }),
      allowPrivate,
    );
    expect(result).toMatchObject({
      status: 'down',
      error_category: 'timeout',
      error_message: 'timed out after 250 ms',
    });
  });

  it('is down on malformed eth_call results', async () => {
    const answer = (result: string) =>
      startRpcPeer((req) => `{"jsonrpc":"2.0","id":${JSON.stringify(req.id)},"result":${result}}`);
    const peers = await Promise.all([answer('"0xzz"'), answer('"0x01"'), answer('12')]);
    try {
      const results = await Promise.all(
        peers.map((peer) =>
          runEvmContractCheck(
            target({ rpc_url: peer.url, function: valueFn, compare }),
            allowPrivate,
          ),
        ),
      );
      expect(results.map((r) => [r.status, r.error_category, r.error_message])).toEqual([
        ['down', 'status', 'invalid JSON-RPC response: eth_call returned no hex data'],
        [
          'down',
          'status',
          'invalid JSON-RPC response: value() returned data that does not decode as uint256',
        ],
        ['down', 'status', 'invalid JSON-RPC response: eth_call returned no hex data'],
      ]);
    } finally {
      await Promise.all(peers.map((p) => p.close()));
    }
  });
});
