import {
  deployTestUsdc,
  startEvmNode,
  startX402Facilitator,
  type EvmNode,
  type TestUsdc,
  type X402FacilitatorServer,
} from '@lighthouse/testing';
import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired } from '@x402/core/types';
import { Wallet } from 'ethers';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStack, watch, webhook, type Call, type Stack } from './alerting-stack';

// The x402 check type through the real pipeline (api, scheduler, checker, alerter as
// processes): a paid resource on loopback answers 402 with terms encoded by x402's own library,
// in a test USDC on a local hardhat node, with a real x402 facilitator (which must support the
// terms) and a discovery catalog (which must list them). Its answer changes step by step, and
// each change reaches two webhooks, one in English and one in Spanish.

const CHAIN_ID = 43113;
const NETWORK = `eip155:${CHAIN_ID}`;
const NAME = 'x402 e2e';
const EN = '/x402-en';
const ES = '/x402-es';

/** What the paid resource answers: terms (its catalog lists the same), 200 unpaid, or garbage. */
type Answer =
  { kind: 'terms'; amount: string; payTo: string } | { kind: 'unpaid' } | { kind: 'garbage' };

let stack: Stack;
let node: EvmNode;
let usdc: TestUsdc;
let facilitator: X402FacilitatorServer;
let server: Server;
let base: string;
let answer: Answer;
/** what the resource answered last: a check reads the catalog after the resource */
let served: Answer;
let catalogReads = 0;

const resourceUrl = () => `${base}/weather`;

function terms(amount: string, payTo: string): PaymentRequired {
  return {
    x402Version: 2,
    error: 'PAYMENT-SIGNATURE header is required',
    resource: { url: resourceUrl(), description: 'weather', mimeType: 'application/json' },
    accepts: [
      {
        scheme: 'exact',
        network: NETWORK,
        asset: usdc.address,
        amount,
        payTo,
        maxTimeoutSeconds: 60,
        extra: { name: 'USD Coin', version: '2' },
      },
    ],
  };
}

beforeAll(async () => {
  [stack, node] = await Promise.all([startStack(), startEvmNode({ chainId: CHAIN_ID })]);
  usdc = await deployTestUsdc(node, { deployerKey: node.accounts[0]! });
  facilitator = await startX402Facilitator({
    rpcUrl: node.url,
    chainId: CHAIN_ID,
    privateKey: node.accounts[3]!,
  });
  server = createServer((req, res) => {
    if (req.url === '/discovery/resources') {
      catalogReads += 1;
      // the bazaar's listing: the resource at the price it charged the check that asks, even
      // when the test has changed the price since
      const accepts = served.kind === 'terms' ? terms(served.amount, served.payTo).accepts : [];
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ x402Version: 2, items: [{ resource: resourceUrl(), accepts }] }));
      return;
    }
    const a = answer;
    served = a;
    if (a.kind === 'terms') {
      res
        .writeHead(402, {
          'content-type': 'application/json',
          'payment-required': encodePaymentRequiredHeader(terms(a.amount, a.payTo)),
        })
        .end('{}');
    } else if (a.kind === 'unpaid') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"forecast":"sunny"}');
    } else {
      res.writeHead(402, { 'payment-required': 'not base64 at all!' }).end('{}');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 90_000);

afterAll(async () => {
  if (server) await new Promise((resolve) => server.close(resolve));
  await facilitator?.close();
  await Promise.all([stack?.stop(), node?.stop()]);
});

const hooks = (path: string): Call[] => stack.calls.filter((c) => c.path === path);

/** The `n`th (from 1) webhook call of `event` on `path`. */
function nth(path: string, event: string, n: number): Promise<Call> {
  return stack.until(`${event} #${n} on ${path}`, () =>
    Promise.resolve(hooks(path).filter((c) => c.body.event === event)[n - 1]),
  );
}

/** The `n`th alert of `event` on both webhooks: the English one and the Spanish one. */
function both(event: string, n: number): Promise<[Call, Call]> {
  return Promise.all([nth(EN, event, n), nth(ES, event, n)]);
}

it('x402: up, then price, payTo and answer changes → degraded and down alerts in en and es', async () => {
  const payTo = new Wallet(node.accounts[1]!).address;
  const other = new Wallet(node.accounts[2]!).address;
  answer = { kind: 'terms', amount: '1000', payTo };
  const { id } = await watch(stack, EN, [webhook(stack, EN, 'en'), webhook(stack, ES, 'es')], {
    name: NAME,
    target_type: 'x402',
    target_config: {
      url: resourceUrl(),
      network: NETWORK,
      asset: usdc.address,
      max_price: '0.01',
      facilitator_url: facilitator.url,
      discovery_url: `${base}/discovery/resources`,
    },
    // no flapping detection: every change here must be sent, none held
    flapping_threshold: null,
  });
  // the facilitator built from the x402 packages was asked what it supports, and the catalog
  // whether it lists the resource
  expect(facilitator.calls.some((c) => c.path === '/supported')).toBe(true);
  expect(catalogReads).toBeGreaterThan(0);
  const target = `x402 GET ${resourceUrl()}`;

  // the price goes up: degraded for one check, then up again at the new price
  answer = { kind: 'terms', amount: '2500', payTo };
  const [priceEn, priceEs] = await both('subscription.degraded', 1);
  const priceChange = 'price changed from 0.001 to 0.0025';
  for (const [call, language] of [
    [priceEn, 'en'],
    [priceEs, 'es'],
  ] as const) {
    expect(call.body).toMatchObject({
      subscription_id: id,
      name: NAME,
      target,
      from_state: 'up',
      to_state: 'degraded',
      language,
      kind: 'transition',
      check: { status: 'degraded', http_status: 402, error: priceChange },
    });
  }
  expect(priceEn.body.message).toContain(`🟠 ${NAME} is DEGRADED`);
  expect(priceEn.body.message).toContain('State: up → degraded');
  expect(priceEn.body.message).toContain(`Error: ${priceChange}`);
  expect(priceEs.body.message).toContain(`🟠 ${NAME} está DEGRADADO`);
  expect(priceEs.body.message).toContain('Estado: operativo → degradado');
  expect(priceEs.body.message).toContain(`Error: ${priceChange}`);
  // the new price is remembered: the next check is up, and says so
  const [backEn, backEs] = await both('subscription.up', 1);
  expect(backEn.body).toMatchObject({ from_state: 'degraded', to_state: 'up' });
  expect(backEn.body.message).toContain(`🟢 ${NAME} is UP again`);
  expect(backEs.body.message).toContain(`🟢 ${NAME} vuelve a estar OPERATIVO`);

  // another recipient
  answer = { kind: 'terms', amount: '2500', payTo: other };
  const [payToEn, payToEs] = await both('subscription.degraded', 2);
  const payToChange = `payTo changed from ${payTo} to ${other}`;
  expect(payToEn.body).toMatchObject({
    from_state: 'up',
    to_state: 'degraded',
    check: { status: 'degraded', error: payToChange },
  });
  expect(payToEs.body).toMatchObject({ to_state: 'degraded', check: { error: payToChange } });
  expect(payToEn.body.message).toContain(`${NAME} is DEGRADED`);
  expect(payToEn.body.message).toContain(`Error: ${payToChange}`);
  expect(payToEs.body.message).toContain(`${NAME} está DEGRADADO`);
  expect(payToEs.body.message).toContain(`Error: ${payToChange}`);
  await both('subscription.up', 2);

  // paid content handed out unpaid: down
  answer = { kind: 'unpaid' };
  const [downEn, downEs] = await both('subscription.down', 1);
  const unpaid = 'answered 200 without payment: the resource is not behind x402';
  expect(downEn.body).toMatchObject({
    subscription_id: id,
    from_state: 'up',
    to_state: 'down',
    check: { status: 'down', http_status: 200, error: unpaid },
  });
  expect(downEs.body).toMatchObject({ to_state: 'down', check: { error: unpaid } });
  expect(downEn.body.message).toContain(`🔴 ${NAME} is DOWN`);
  expect(downEn.body.message).toContain('State: up → down');
  expect(downEn.body.message).toContain(`Error: unexpected status: ${unpaid}`);
  expect(downEs.body.message).toContain(`🔴 ${NAME} está CAÍDO`);
  expect(downEs.body.message).toContain('Estado: operativo → caído');
  expect(downEs.body.message).toContain(`Error: estado inesperado: ${unpaid}`);

  // terms no client can read: still down (no new alert), for that reason
  answer = { kind: 'garbage' };
  const unreadable = 'unreadable payment terms: the PAYMENT-REQUIRED header is not base64';
  const latest = await stack.until('a check with unreadable terms', async () => {
    const { body } = await stack.call('GET', `/v1/subscriptions/${id}/checks?limit=1`);
    const check = (body.items as Record<string, unknown>[] | undefined)?.[0];
    return check?.error_message === unreadable ? check : undefined;
  });
  expect(latest).toMatchObject({
    status: 'down',
    http_status: 402,
    error_category: 'assertion',
    error_message: unreadable,
  });
  expect((await stack.call('GET', `/v1/subscriptions/${id}`)).body.state).toBe('down');

  // every alert, in order, on both channels: nothing more, nothing held
  const events = [
    'subscription.degraded',
    'subscription.up',
    'subscription.degraded',
    'subscription.up',
    'subscription.down',
  ];
  expect(hooks(EN).map((c) => c.body.event)).toEqual(events);
  expect(hooks(ES).map((c) => c.body.event)).toEqual(events);
}, 90_000);
