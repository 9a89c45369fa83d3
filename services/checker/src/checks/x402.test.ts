import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDb, type Db } from '@lighthouse/db';
import { x402TargetSchema, type X402Target } from '@lighthouse/domain';
import { createTestDatabase, type TestDatabase } from '@lighthouse/testing';
import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired } from '@x402/core/types';
import { createHistoryReader } from '../subscriptions/history';
import { createProbes } from './probes';
import type { CheckResult, SlotContext } from './types';
import { createX402Checker, readTerms, resourceDigest } from './x402';

// The x402 check against a paid resource on loopback whose answer each test sets: the terms
// are encoded with x402's own library, and each result is stored as the checker would store
// it, so the next check reads the terms it saw last from the database.

const ASSET = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C';
const OTHER = '0x1111111111111111111111111111111111111111';
const NETWORK = 'eip155:84532';

type Answer =
  | { kind: 'v2'; amount: string; payTo?: string; asset?: string }
  | { kind: 'v1'; amount: string }
  | { kind: 'status'; status: number; body?: string; header?: string };

let answer: Answer = { kind: 'v2', amount: '1000' };
let supported: unknown = { kinds: [{ x402Version: 2, scheme: 'exact', network: NETWORK }] };
let catalog: unknown = { items: [] };

function terms(amount: string, payTo = PAY_TO, asset = ASSET): PaymentRequired {
  return {
    x402Version: 2,
    resource: { url: `${base}/weather`, description: 'weather', mimeType: 'application/json' },
    accepts: [
      {
        scheme: 'exact',
        network: NETWORK,
        asset,
        amount,
        payTo,
        maxTimeoutSeconds: 60,
        extra: { name: 'USDC', version: '2' },
      },
    ],
  };
}

let server: Server;
let base: string;
let database: TestDatabase;
let db: Db;
const owner = `0x${'e'.repeat(40)}`;
const probes = createProbes();
const runX402Check = createX402Checker(probes);

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/facilitator/supported') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(supported));
      return;
    }
    if (req.url === '/discovery/resources') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(catalog));
      return;
    }
    const a = answer;
    if (a.kind === 'v2') {
      const required = terms(a.amount, a.payTo, a.asset);
      res
        .writeHead(402, {
          'content-type': 'application/json',
          'payment-required': encodePaymentRequiredHeader(required),
        })
        .end('{}');
    } else if (a.kind === 'v1') {
      res.writeHead(402, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          x402Version: 1,
          error: 'X-PAYMENT header is required',
          accepts: [
            {
              scheme: 'exact',
              network: 'base-sepolia',
              maxAmountRequired: a.amount,
              resource: `${base}/weather`,
              payTo: PAY_TO,
              asset: ASSET,
              maxTimeoutSeconds: 60,
            },
          ],
        }),
      );
    } else {
      res
        .writeHead(a.status, a.header === undefined ? {} : { 'payment-required': a.header })
        .end(a.body ?? '');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  database = await createTestDatabase();
  db = createDb({ url: database.url, max: 2 });
  await db.insertInto('users').values({ wallet_address: owner }).execute();
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await Promise.all([db?.destroy(), probes.close()]);
  await database?.drop();
});

function target(config: Record<string, unknown> = {}): X402Target {
  return x402TargetSchema.parse({ url: `${base}/weather`, ...config });
}

/** A subscription whose checks run a minute apart, each stored as the checker stores it. */
async function monitor(config: X402Target) {
  const { id } = await db
    .insertInto('subscriptions')
    .values({
      user_address: owner,
      name: 'paid weather',
      target_type: 'x402',
      target_config: '{}',
      target_secret: 'v1:x',
      tier: 'pro',
      check_frequency_seconds: 60,
      next_check_at: new Date(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  let slot = Date.now() - 3_600_000;
  const check = async (): Promise<CheckResult> => {
    slot += 60_000;
    const ctx: SlotContext = {
      targetAccess: 'all',
      slot: new Date(slot),
      history: createHistoryReader(db)(id),
    };
    const result = await runX402Check(config, ctx);
    await db
      .insertInto('check_history')
      .values({
        time: new Date(slot),
        subscription_id: id,
        status: result.status,
        value: result.value ?? null,
        value_text: result.value_text ?? null,
      })
      .execute();
    return result;
  };
  return Object.assign(check, { id });
}

describe('the terms of a 402', () => {
  it('reads v2 from PAYMENT-REQUIRED and v1 from the body, the price stored in whole units', async () => {
    const check = await monitor(target());
    answer = { kind: 'v2', amount: '1000' };
    expect(await check()).toMatchObject({
      status: 'up',
      http_status: 402,
      value: 0.001,
      error_message: null,
    });
    answer = { kind: 'v1', amount: '1000' };
    // v1 names its network base-sepolia: the same terms as eip155:84532
    const v1 = await check();
    expect(v1).toMatchObject({ status: 'up', value: 0.001 });
    expect(JSON.parse(v1.value_text ?? '')).toEqual({
      scheme: 'exact',
      network: NETWORK,
      asset: ASSET,
      amount: '1000',
      payTo: PAY_TO,
      // which resource (method and URL) the terms were read from, as a digest
      resource: resourceDigest(target()),
    });
  });

  it('is degraded once when the price rises or payTo changes, naming old and new', async () => {
    const check = await monitor(target());
    answer = { kind: 'v2', amount: '1000' };
    expect((await check()).status).toBe('up');
    answer = { kind: 'v2', amount: '2500' };
    expect(await check()).toMatchObject({
      status: 'degraded',
      error_category: null,
      error_message: 'price changed from 0.001 to 0.0025',
      value: 0.0025,
    });
    // the new price is the one remembered
    expect((await check()).status).toBe('up');
    answer = { kind: 'v2', amount: '2500', payTo: OTHER };
    expect(await check()).toMatchObject({
      status: 'degraded',
      error_message: `payTo changed from ${PAY_TO} to ${OTHER}`,
    });
    // a down check in between changes nothing of what is remembered
    answer = { kind: 'status', status: 503 };
    expect((await check()).status).toBe('down');
    answer = { kind: 'v2', amount: '2500', payTo: PAY_TO, asset: OTHER };
    expect(await check()).toMatchObject({
      status: 'degraded',
      error_message: `asset changed from ${ASSET} to ${OTHER}; payTo changed from ${OTHER} to ${PAY_TO}`,
    });
  });

  it('sees no change in a reordered list, a zero-padded amount, or another resource', async () => {
    const base2 = terms('1000');
    const other = { ...base2.accepts[0]!, network: 'eip155:8453' as const, amount: '7000' };
    const offering = (accepts: PaymentRequired['accepts']): Answer => ({
      kind: 'status',
      status: 402,
      header: encodePaymentRequiredHeader({ ...base2, accepts }),
    });
    const check = await monitor(target());
    answer = offering([base2.accepts[0]!, other]);
    expect(await check()).toMatchObject({ status: 'up', value: 0.001 });
    // the way to pay seen last is the one judged, wherever it is listed
    answer = offering([other, base2.accepts[0]!]);
    expect(await check()).toMatchObject({ status: 'up', value: 0.001 });
    answer = offering([{ ...base2.accepts[0]!, amount: '0001000' }]);
    expect((await check()).status).toBe('up');
    // terms read from another resource (the config's URL changed) are not compared
    const edited = target({ url: `${base}/weather?v=2` });
    answer = { kind: 'v2', amount: '5000' };
    const result = await runX402Check(edited, {
      targetAccess: 'all',
      slot: new Date(),
      history: createHistoryReader(db)(check.id),
    });
    expect(result).toMatchObject({ status: 'up', error_message: null });
  });

  it('is down for a 200 unpaid, another status, or terms that do not parse', async () => {
    const check = await monitor(target());
    answer = { kind: 'status', status: 200, body: 'free weather' };
    const free = await check();
    // nothing was read, so nothing is remembered
    expect(free.value_text).toBeUndefined();
    expect(free).toMatchObject({
      status: 'down',
      http_status: 200,
      error_category: 'status',
      error_message: 'answered 200 without payment: the resource is not behind x402',
      body_excerpt: 'free weather',
    });
    answer = { kind: 'status', status: 404 };
    expect((await check()).error_message).toBe(
      'unexpected status 404, expected 402 Payment Required',
    );
    const unreadable: [Answer, string][] = [
      [
        { kind: 'status', status: 402, body: 'pay me' },
        'unreadable payment terms: no payment terms: no PAYMENT-REQUIRED header, and the body is not x402 JSON',
      ],
      [
        { kind: 'status', status: 402, header: '%%%' },
        'unreadable payment terms: the PAYMENT-REQUIRED header is not base64',
      ],
      [
        { kind: 'status', status: 402, header: Buffer.from('{"x402Version":2').toString('base64') },
        'unreadable payment terms: the PAYMENT-REQUIRED header is not base64 JSON',
      ],
      [
        {
          kind: 'status',
          status: 402,
          header: Buffer.from(
            JSON.stringify({
              x402Version: 2,
              accepts: [{ ...terms('1').accepts[0], amount: '1.5' }],
            }),
          ).toString('base64'),
        },
        'unreadable payment terms: the PAYMENT-REQUIRED header is not x402 terms: accepts[0].amount must be a whole number of atomic units',
      ],
      [
        { kind: 'status', status: 402, body: '{"x402Version":1,"accepts":[]}' },
        'unreadable payment terms: the body is not x402 terms: accepts lists no way to pay',
      ],
    ];
    for (const [a, message] of unreadable) {
      answer = a;
      expect(await check()).toMatchObject({
        status: 'down',
        error_category: 'assertion',
        error_message: message,
      });
    }
  });
});

describe('assertions on the terms', () => {
  it('is down when no offer has the asserted network, asset or payTo', async () => {
    answer = { kind: 'v2', amount: '1000' };
    const check = await monitor(target({ network: 'eip155:8453', pay_to: PAY_TO.toLowerCase() }));
    expect(await check()).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `no way to pay matches exact on eip155:8453 to ${PAY_TO.toLowerCase()}: offered exact on ${NETWORK}, 0.001 of ${ASSET} to ${PAY_TO}`,
    });
    // addresses compare without case
    const right = await monitor(
      target({ network: NETWORK, pay_to: PAY_TO.toLowerCase(), asset: ASSET }),
    );
    expect((await right()).status).toBe('up');
  });

  it('is down above max_price, and the terms are still remembered', async () => {
    const check = await monitor(target({ max_price: '0.002' }));
    answer = { kind: 'v2', amount: '2000' };
    expect((await check()).status).toBe('up');
    answer = { kind: 'v2', amount: '2001' };
    expect(await check()).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message:
        'price 0.002001 is above max_price 0.002; price changed from 0.002 to 0.002001',
      value: 0.002001,
    });
  });

  it("checks the facilitator's /supported for the scheme and network", async () => {
    answer = { kind: 'v2', amount: '1000' };
    const check = await monitor(target({ facilitator_url: `${base}/facilitator/` }));
    expect((await check()).status).toBe('up');
    supported = { kinds: [{ x402Version: 1, scheme: 'exact', network: 'base' }] };
    expect(await check()).toMatchObject({
      status: 'down',
      error_category: 'assertion',
      error_message: `the facilitator at ${new URL(base).host} does not support exact on ${NETWORK}`,
    });
    // v1 names count as their CAIP-2 ids
    supported = { kinds: [{ x402Version: 1, scheme: 'exact', network: 'base-sepolia' }] };
    expect((await check()).status).toBe('up');
    supported = { nope: true };
    expect((await check()).error_message).toBe(
      `the facilitator at ${new URL(base).host} answered /supported with no list of kinds`,
    );
  });

  it('is degraded when the catalog does not list the resource, or lists another price', async () => {
    answer = { kind: 'v2', amount: '1000' };
    const check = await monitor(target({ discovery_url: `${base}/discovery/resources` }));
    const where = `the discovery catalog at ${new URL(base).host}`;
    catalog = { items: [{ resource: `${base}/other`, accepts: [] }] };
    expect(await check()).toMatchObject({
      status: 'degraded',
      error_message: `not listed in ${where}`,
    });
    catalog = { items: [{ resource: `${base}/weather/`, accepts: terms('1000').accepts }] };
    expect((await check()).status).toBe('up');
    catalog = { items: [{ resource: `${base}/weather`, accepts: terms('500').accepts }] };
    expect(await check()).toMatchObject({
      status: 'degraded',
      error_message: `listed at 0.0005 in ${where}, charges 0.001`,
    });
  });
});

it('never reads a header or body past its bounds', () => {
  const long = 'A'.repeat(64 * 1024 + 4);
  expect(
    readTerms({ headers: { 'payment-required': long }, body: Buffer.alloc(0), truncated: false }),
  ).toEqual({
    ok: false,
    problem: 'the PAYMENT-REQUIRED header is not base64',
  });
  expect(
    readTerms({ headers: {}, body: Buffer.from('{"x402Version":1'), truncated: true }),
  ).toMatchObject({ ok: false });
});

it('refuses bad configs naming the field', () => {
  const problems = (config: Record<string, unknown>) => {
    const parsed = x402TargetSchema.safeParse({ url: 'https://api.example.com/x', ...config });
    return parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'));
  };
  expect(problems({ network: 'base' })).toEqual(['network']);
  expect(problems({ max_price: '0.0000001' })).toEqual(['max_price']);
  expect(problems({ max_price: '-1' })).toEqual(['max_price']);
  expect(problems({ facilitator_url: 'ftp://x' })).toEqual(['facilitator_url']);
  expect(problems({ method: 'GET', body: '{}' })).toEqual(['body']);
  expect(problems({ pay_to: '0x12 34' })).toEqual(['pay_to']);
  expect(problems({ network: 'eip155:8453', max_price: '0.01', decimals: 6 })).toEqual([]);
});
