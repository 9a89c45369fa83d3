import { createDb, type Db } from '@lighthouse/db';
import { deployCounter, startEvmNode, type EvmNode, type TestCounter } from '@lighthouse/testing';
import { toQuantity, Wallet } from 'ethers';
import { startStack, watch, webhook, type Call, type Stack } from './alerting-stack';

// The blockchain check types through the real pipeline (api, scheduler, checker, alerter as
// processes) against a local hardhat node: each reaches `up`, then the chain changes under it
// and the down alert reaches a webhook.

const CHAIN_ID = 43113;
const ETH = 10n ** 18n;

let stack: Stack;
let node: EvmNode;
let counter: TestCounter;
let db: Db;

beforeAll(async () => {
  [stack, node] = await Promise.all([startStack(), startEvmNode({ chainId: CHAIN_ID })]);
  counter = await deployCounter(node, { deployerKey: node.accounts[0]!, initial: 7n });
  db = createDb({ url: stack.database.url, max: 1 });
}, 90_000);

afterAll(async () => {
  await db?.destroy();
  await Promise.all([stack?.stop(), node?.stop()]);
});

/** Subscribes a target of `type` with a webhook on `path`; resolves once it is up. */
async function subscribe(
  type: string,
  target_config: Record<string, unknown>,
  path: string,
): Promise<string> {
  const { id } = await watch(stack, path, [webhook(stack, path)], {
    name: `${type} e2e`,
    target_type: type,
    target_config,
  });
  return id;
}

function downAlert(path: string): Promise<Call> {
  return stack.until(`the down alert on ${path}`, () =>
    Promise.resolve(
      stack.calls.find((c) => c.path === path && c.body.event === 'subscription.down'),
    ),
  );
}

async function storedValues(id: string): Promise<(number | null)[]> {
  const rows = await db
    .selectFrom('check_history')
    .select('value')
    .where('subscription_id', '=', id)
    .orderBy('time')
    .execute();
  return rows.map((r) => r.value);
}

it('evm_balance: up, then drained below min_balance → down, alerted', async () => {
  const address = Wallet.createRandom().address;
  await node.rpc('hardhat_setBalance', [address, toQuantity(2n * ETH)]);
  const id = await subscribe(
    'evm_balance',
    { rpc_url: node.url, address, min_balance: '1', chain_id: CHAIN_ID },
    '/evm-balance',
  );
  await node.rpc('hardhat_setBalance', [address, toQuantity(ETH / 2n)]);
  const alert = await downAlert('/evm-balance');
  expect(alert.body).toMatchObject({
    subscription_id: id,
    from_state: 'up',
    to_state: 'down',
    check: { status: 'down', error: 'balance 0.5 is below min_balance 1' },
  });
  expect(String(alert.body.target)).toBe(`balance of ${address} on ${new URL(node.url).host}`);
  // each check stored the balance it read, in whole units
  const values = await storedValues(id);
  expect(values).toContain(2);
  expect(values).toContain(0.5);
}, 40_000);

it('evm_contract: up, then the value changes → down, alerted', async () => {
  const id = await subscribe(
    'evm_contract',
    {
      rpc_url: node.url,
      address: counter.address,
      function: 'function value() view returns (uint256)',
      compare: { operator: 'changed' },
    },
    '/evm-contract',
  );
  await counter.send('set', 8n);
  const alert = await downAlert('/evm-contract');
  expect(alert.body).toMatchObject({
    subscription_id: id,
    to_state: 'down',
    check: { status: 'down', error: 'value() changed from 7 to 8' },
  });
}, 40_000);

it('evm_rpc: up while the node mines, then it stops → down, alerted', async () => {
  await node.setMining(false, { intervalMs: 200 });
  const id = await subscribe(
    'evm_rpc',
    { rpc_url: node.url, chain_id: CHAIN_ID, max_stall_seconds: 2, max_lag_blocks: 5 },
    '/evm-rpc',
  );
  await node.setMining(false);
  const alert = await downAlert('/evm-rpc');
  expect(alert.body).toMatchObject({ subscription_id: id, to_state: 'down' });
  expect((alert.body.check as { error: string }).error).toMatch(
    /^head stuck at block \d+ for over 2 s$/,
  );
  // the heads it saw, rising until the node stopped
  const heads = (await storedValues(id)).filter((v): v is number => v !== null);
  expect(heads.length).toBeGreaterThan(1);
  expect(heads.at(-1)).toBeGreaterThan(heads[0]!);
}, 40_000);
