import { randomWallet } from '@lighthouse/testing';
import { bearer, httpSubscription, signIn, startTestApi, type TestApi } from './helpers';

// The blockchain target types through the API: each bad field named in a 400, RPC URLs (which
// carry API keys) masked in every answer and kept in full, sealed, for the checker.

let api: TestApi;
let token: string;
beforeAll(async () => {
  api = await startTestApi();
  token = await signIn(api.http, randomWallet());
});
afterAll(async () => {
  await api.close();
});

const KEY = 'a1b2c3d4e5f6a7b8c9d0';
const RPC = `https://eth-mainnet.example.com/v2/${KEY}`;
const ADDRESS = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

const ofType = (target_type: string, target_config: Record<string, unknown>) =>
  httpSubscription({ tier: 'team', target_type, target_config });

const balance = (patch: Record<string, unknown>) =>
  ofType('evm_balance', { rpc_url: RPC, address: ADDRESS, min_balance: '0.5', ...patch });
const contract = (patch: Record<string, unknown>) =>
  ofType('evm_contract', {
    rpc_url: RPC,
    address: ADDRESS,
    function: 'function balanceOf(address) view returns (uint256)',
    args: [ADDRESS],
    compare: { operator: 'gt', value: '1000' },
    ...patch,
  });
const rpc = (patch: Record<string, unknown>) =>
  ofType('evm_rpc', { rpc_url: RPC, chain_id: 1, ...patch });

/** [what, body, the field the answer must name] */
const cases: [string, unknown, string][] = [
  ['balance without rpc_url', balance({ rpc_url: undefined }), 'target_config.rpc_url'],
  [
    'balance with a ws rpc_url',
    balance({ rpc_url: 'wss://x.example.com' }),
    'target_config.rpc_url',
  ],
  ['balance with a short address', balance({ address: '0x1234' }), 'target_config.address'],
  [
    'balance with a bad checksum',
    balance({ address: '0x70997970c51812dc3a010c7d01b50e0d17dc79C8' }),
    'target_config.address',
  ],
  ['balance with a bad token', balance({ token: 'usdc' }), 'target_config.token'],
  ['min_balance as a number', balance({ min_balance: 0.5 }), 'target_config.min_balance'],
  ['negative min_balance', balance({ min_balance: '-1' }), 'target_config.min_balance'],
  ['chain_id zero', balance({ chain_id: 0 }), 'target_config.chain_id'],
  ['horizon zero', balance({ empty_horizon_hours: 0 }), 'target_config.empty_horizon_hours'],
  ['unknown balance field', balance({ threshold: '1' }), 'target_config.threshold'],
  ['contract with a bad signature', contract({ function: 'balanceOf(' }), 'target_config.function'],
  [
    'contract function returning nothing',
    contract({ function: 'function poke()', compare: { operator: 'changed' } }),
    'target_config.function',
  ],
  [
    'contract function returning a tuple',
    contract({
      function: 'function slot0() view returns ((uint160 price, int24 tick))',
      args: [],
      compare: { operator: 'changed' },
    }),
    'target_config.function',
  ],
  ['contract with too few args', contract({ args: [] }), 'target_config.args'],
  ['contract args as an object', contract({ args: { owner: ADDRESS } }), 'target_config.args'],
  ['contract arg of the wrong type', contract({ args: [42] }), 'target_config.args[0]'],
  [
    'contract integer arg out of range',
    contract({
      function: 'function f(uint8) view returns (uint256)',
      args: [300],
    }),
    'target_config.args',
  ],
  ['contract without compare', contract({ compare: undefined }), 'target_config.compare'],
  [
    'contract unknown operator',
    contract({ compare: { operator: 'between', value: 1 } }),
    'target_config.compare.operator',
  ],
  [
    'contract compare without value',
    contract({ compare: { operator: 'eq' } }),
    'target_config.compare.value',
  ],
  [
    'contract changed with a value',
    contract({ compare: { operator: 'changed', value: 1 } }),
    'target_config.compare.value',
  ],
  [
    'contract integer compared with a word',
    contract({ compare: { operator: 'eq', value: 'lots' } }),
    'target_config.compare.value',
  ],
  [
    'contract string ordered',
    contract({
      function: 'function name() view returns (string)',
      args: [],
      compare: { operator: 'gt', value: 'a' },
    }),
    'target_config.compare.operator',
  ],
  ['rpc without chain_id', rpc({ chain_id: undefined }), 'target_config.chain_id'],
  ['rpc chain_id as a string', rpc({ chain_id: '1' }), 'target_config.chain_id'],
  [
    'rpc reference that is not a URL',
    rpc({ reference_urls: ['node-2'] }),
    'target_config.reference_urls[0]',
  ],
  ['rpc referencing itself', rpc({ reference_urls: [RPC] }), 'target_config.reference_urls'],
  ['rpc negative lag', rpc({ max_lag_blocks: -1 }), 'target_config.max_lag_blocks'],
  ['rpc zero max_response_ms', rpc({ max_response_ms: 0 }), 'target_config.max_response_ms'],
  ['rpc stall too long', rpc({ max_stall_seconds: 100_000 }), 'target_config.max_stall_seconds'],
];

describe('malformed blockchain targets', () => {
  it.each(cases)('%s → 400 naming the field', async (_what, body, field) => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(body as object)
      .expect(400);
    const error = (
      res.body as { error: { code: string; details: { fields: { field: string }[] } } }
    ).error;
    expect(error.code).toBe('validation_error');
    expect(error.details.fields.map((f) => f.field)).toContain(field);
  });

  it('wrote no row for any of them', async () => {
    const rows = await api.ctx.db.selectFrom('subscriptions').select('id').execute();
    expect(rows).toHaveLength(0);
  });

  it('refuses blockchain types on a tier without them', async () => {
    const res = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send({ ...balance({}), tier: 'free' })
      .expect(400);
    expect(JSON.stringify(res.body)).toMatch(/does not include \\"evm_balance\\"/);
  });
});

type Created = { id: string; target_config: Record<string, unknown> };

describe('RPC URLs are secrets', () => {
  it('masks them in answers, seals them in full, and keeps them through an unchanged update', async () => {
    const reference = `https://rpc.example.org/?apikey=${KEY}`;
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send(rpc({ reference_urls: [reference, 'https://public-node.example.net/'] }))
      .expect(201);
    const body = created.body as Created;
    expect(JSON.stringify(body)).not.toContain(KEY);
    expect(body.target_config).toMatchObject({
      rpc_url: 'https://eth-mainnet.example.com/****',
      reference_urls: ['https://rpc.example.org/****', 'https://public-node.example.net/'],
      chain_id: 1,
      max_lag_blocks: 5,
      max_stall_seconds: 0,
    });

    const sealed = async () => {
      const row = await api.ctx.db
        .selectFrom('subscriptions')
        .select('target_secret')
        .where('id', '=', body.id)
        .executeTakeFirstOrThrow();
      return api.ctx.secrets.openJson<Record<string, unknown>>(row.target_secret);
    };
    expect(await sealed()).toMatchObject({
      rpc_url: RPC,
      reference_urls: [reference, 'https://public-node.example.net/'],
    });

    // the masked config sent back as it came: nothing changes, nothing leaks
    const patched = await api.http
      .patch(`/v1/subscriptions/${body.id}`)
      .set(bearer(token))
      .send({ target_config: { ...body.target_config, max_lag_blocks: 9 } })
      .expect(200);
    expect(JSON.stringify(patched.body)).not.toContain(KEY);
    expect(await sealed()).toMatchObject({
      rpc_url: RPC,
      reference_urls: [reference, 'https://public-node.example.net/'],
      max_lag_blocks: 9,
    });

    // reordered, then with the other one removed: each masked URL keeps its own key
    await api.http
      .patch(`/v1/subscriptions/${body.id}`)
      .set(bearer(token))
      .send({
        target_config: {
          ...body.target_config,
          reference_urls: ['https://public-node.example.net/', 'https://rpc.example.org/****'],
        },
      })
      .expect(200);
    expect((await sealed()).reference_urls).toEqual([
      'https://public-node.example.net/',
      reference,
    ]);
    await api.http
      .patch(`/v1/subscriptions/${body.id}`)
      .set(bearer(token))
      .send({
        target_config: { ...body.target_config, reference_urls: ['https://rpc.example.org/****'] },
      })
      .expect(200);
    expect((await sealed()).reference_urls).toEqual([reference]);
  });

  it('describes targets by host, never by key', async () => {
    const created = await api.http
      .post('/v1/subscriptions')
      .set(bearer(token))
      .send({ ...contract({}), name: undefined })
      .expect(201);
    const body = created.body as Created & { name: string };
    expect(body.name).toBe(
      `balanceOf(${ADDRESS.slice(0, 12)}…) on ${ADDRESS} at eth-mainnet.example.com`,
    );
    expect(body.target_config).toMatchObject({
      args: [ADDRESS],
      rpc_url: 'https://eth-mainnet.example.com/****',
    });
  });
});
