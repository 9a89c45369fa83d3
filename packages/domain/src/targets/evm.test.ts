import {
  describeEvmBalanceTarget,
  describeEvmContractTarget,
  describeEvmRpcTarget,
  evmBalanceTargetSchema,
  evmContractTargetSchema,
  evmRpcTargetSchema,
  evmValueKind,
  maskEvmBalanceTarget,
  maskEvmRpcTarget,
  maskRpcUrl,
} from './evm';
import { describeTarget, maskTarget, TARGET_TYPE_NAMES } from './index';

const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const RPC = 'https://eth-mainnet.g.alchemy.com/v2/abcdef0123456789';

describe('RPC URL masking', () => {
  it.each([
    [RPC, 'https://eth-mainnet.g.alchemy.com/****'],
    ['https://rpc.example.com/?apikey=secret', 'https://rpc.example.com/****'],
    ['https://user:pass@rpc.example.com/', 'https://rpc.example.com/****'],
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['https://cloudflare-eth.com/', 'https://cloudflare-eth.com/'],
  ])('%s → %s', (url, masked) => {
    expect(maskRpcUrl(url)).toBe(masked);
  });

  it('masks every URL of a target and describes it by host', () => {
    const balance = evmBalanceTargetSchema.parse({
      rpc_url: RPC,
      address: ADDRESS.toLowerCase(),
      min_balance: '0.1',
    });
    expect(maskEvmBalanceTarget(balance).rpc_url).toBe('https://eth-mainnet.g.alchemy.com/****');
    expect(describeEvmBalanceTarget(balance)).toBe(
      `balance of ${ADDRESS} on eth-mainnet.g.alchemy.com`,
    );
    const rpc = evmRpcTargetSchema.parse({
      rpc_url: RPC,
      chain_id: 1,
      reference_urls: ['https://a.example.com/key-one', 'https://b.example.com/'],
    });
    expect(maskEvmRpcTarget(rpc).reference_urls).toEqual([
      'https://a.example.com/****',
      'https://b.example.com/',
    ]);
    expect(describeEvmRpcTarget(rpc)).toBe('JSON-RPC eth-mainnet.g.alchemy.com (chain 1)');
    expect(JSON.stringify(maskTarget('evm_rpc', rpc))).not.toContain('abcdef0123456789');
    expect(describeTarget('evm_rpc', rpc)).not.toContain('abcdef');
  });
});

describe('schemas', () => {
  it('registers the three types', () => {
    expect(TARGET_TYPE_NAMES).toEqual(
      expect.arrayContaining(['evm_balance', 'evm_contract', 'evm_rpc']),
    );
  });

  it('fills in defaults and checksums addresses', () => {
    expect(
      evmBalanceTargetSchema.parse({
        rpc_url: RPC,
        address: ADDRESS.toLowerCase(),
        token: ADDRESS.toLowerCase(),
        min_balance: '5',
      }),
    ).toEqual({
      rpc_url: RPC,
      address: ADDRESS,
      token: ADDRESS,
      min_balance: '5',
      timeout_ms: 10_000,
    });
    expect(evmRpcTargetSchema.parse({ rpc_url: RPC, chain_id: 10 })).toEqual({
      rpc_url: RPC,
      chain_id: 10,
      reference_urls: [],
      max_lag_blocks: 5,
      max_stall_seconds: 0,
      timeout_ms: 10_000,
    });
  });

  it('accepts a function by signature with typed arguments and a fitting comparison', () => {
    const ok = (fn: string, args: unknown[], compare: Record<string, unknown>) =>
      evmContractTargetSchema.safeParse({
        rpc_url: RPC,
        address: ADDRESS,
        function: fn,
        args,
        compare,
      }).success;
    expect(
      ok('function totalSupply() view returns (uint256)', [], { operator: 'gt', value: 0 }),
    ).toBe(true);
    expect(ok('balanceOf(address) returns (uint256)', [ADDRESS], { operator: 'changed' })).toBe(
      true,
    );
    expect(
      ok(
        'function f(uint8 a, int256 b, bool c, bytes32 d) view returns (bool)',
        ['255', -5, true, `0x${'00'.repeat(32)}`],
        { operator: 'eq', value: true },
      ),
    ).toBe(true);
    expect(
      ok('function f(bool) view returns (bool)', ['yes'], { operator: 'eq', value: true }),
    ).toBe(false);
    expect(
      ok('function owner() view returns (address)', [], { operator: 'eq', value: ADDRESS }),
    ).toBe(true);
    expect(
      ok('function owner() view returns (address)', [], { operator: 'lt', value: ADDRESS }),
    ).toBe(false);
  });

  it('knows which return types it can compare', () => {
    expect(
      ['uint256', 'int8', 'bool', 'address', 'string', 'bytes', 'bytes32'].map(evmValueKind),
    ).toEqual(['integer', 'integer', 'bool', 'address', 'string', 'bytes', 'bytes']);
    expect(evmValueKind('uint256[]')).toBeNull();
    expect(evmValueKind('tuple(uint256,uint256)')).toBeNull();
  });

  it('describes a call with its arguments, shortened', () => {
    const target = evmContractTargetSchema.parse({
      rpc_url: RPC,
      address: ADDRESS,
      function: 'function balanceOf(address) view returns (uint256)',
      args: [ADDRESS],
      compare: { operator: 'changed' },
    });
    expect(describeEvmContractTarget(target)).toBe(
      `balanceOf(0x70997970C5…) on ${ADDRESS} at eth-mainnet.g.alchemy.com`,
    );
  });
});
