/**
 * Ownership, checked over the app's whole route table rather than route by route: wallet A owns
 * one of each resource; wallet B, calling every route that takes an id with A's ids, must get
 * the same 404 as for an id that never existed, and A's resources must stay as they were.
 *
 * The routes come from express's router stack, so a route added later is checked too: a path
 * parameter this file does not know fails the first test until a fixture says which of A's
 * resources it names (and a write route until it has a plausible body).
 */
import { recordResults, records } from '@lighthouse/db';
import { prepareCheckHistory, randomWallet, signSiwe } from '@lighthouse/testing';
import { createSealer } from '@lighthouse/verify';
import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { ADMIN_BASE_PATH } from '../src/routes/admin';
import {
  bearer,
  httpSubscription,
  openDbFingerprint,
  routeTable,
  SIWE_DOMAIN,
  signIn,
  startTestApi,
  type DbFingerprint,
  type RouteEntry,
  type TestApi,
} from './helpers';

/** What A owns; every id a route can take resolves to one of these. */
interface Owned {
  address: string;
  subscriptionId: string;
  windowId: string;
  pageId: string;
  pageSlug: string;
  apiKeyId: string;
  /** a wallet A added to its account */
  walletAddress: string;
  /** a payment of A's (pending: the operator console may discard it) */
  paymentId: string;
}

const NO_BODY = 'no body';

/**
 * Which of A's resources each path parameter names. A parameter is known by the path up to and
 * including it, so `/v1/subscriptions/:id/anything` takes the subscription, and a new resource
 * under a new path needs a line here.
 */
const PARAM_FIXTURES: Record<string, (a: Owned) => string> = {
  '/v1/subscriptions/:id': (a) => a.subscriptionId,
  '/v1/subscriptions/:id/maintenance-windows/:windowId': (a) => a.windowId,
  // a slot, not a resource: the subscription is what is owned (or published)
  '/v1/subscriptions/:id/checks/:time': () => PROOF_SLOT,
  '/v1/status-pages/:id': (a) => a.pageId,
  '/v1/api-keys/:id': (a) => a.apiKeyId,
  '/v1/account/wallets/:address': (a) => a.walletAddress,
};

/**
 * The operator console (`/v1/admin/*`): only the wallets in LIGHTHOUSE_ADMIN_WALLETS (here C)
 * and a self-hosted owner. Everyone else gets 404 on every route, as for a path that does not
 * exist; C reaches each one, with A's ids.
 */
const OPERATOR_PREFIX = '/v1/admin/';
const OPERATOR_FIXTURES: Record<string, (a: Owned) => string> = {
  '/v1/admin/subscriptions/:id': (a) => a.subscriptionId,
  '/v1/admin/payments/:id': (a) => a.paymentId,
};
const OPERATOR_BODIES: Record<string, object | typeof NO_BODY> = {
  'POST /v1/admin/subscriptions/:id/pause': NO_BODY,
  'POST /v1/admin/subscriptions/:id/resume': NO_BODY,
  'POST /v1/admin/subscriptions/:id/transfer': { to: `0x${'c0ffee'.repeat(6)}c0ff` },
  'DELETE /v1/admin/subscriptions/:id': NO_BODY,
  'POST /v1/admin/payments/:id/discard': NO_BODY,
};

/**
 * Public by design (no auth at all). Each must still answer 404 for A's unpublished page and for
 * a subscription that is on no published page.
 */
const PUBLIC_ROUTES: Record<string, { reason: string; param: (a: Owned) => string }> = {
  'GET /v1/status/:slug': {
    reason: 'a published status page as JSON, for anyone (dashboards, other sites)',
    param: (a) => a.pageSlug,
  },
  'GET /status/:slug': {
    reason: 'a published status page as HTML, for anyone',
    param: (a) => a.pageSlug,
  },
  'GET /badge/:id/status.svg': {
    reason: 'README badges of subscriptions listed on a published page',
    param: (a) => a.subscriptionId,
  },
  'GET /badge/:id/uptime.svg': {
    reason: 'README badges of subscriptions listed on a published page',
    param: (a) => a.subscriptionId,
  },
};

/**
 * Public, and authenticated by the secret their path carries (a heartbeat's push URL): no
 * wallet's bearer opens them, and a token never issued gets 404 whoever calls.
 */
const CAPABILITY_ROUTES: Record<string, { reason: string }> = {
  'GET /v1/push/:token': { reason: 'heartbeat pings from cron jobs, which hold no session' },
  'POST /v1/push/:token': { reason: 'heartbeat pings with a status and message in the body' },
};

/** Bull Board, behind ADMIN_TOKEN: a wallet's bearer is refused before any parameter is read. */
const ADMIN_PREFIX = ADMIN_BASE_PATH;

/** A body the owner could send to each write route that takes an id, so validation passes. */
const WRITE_BODIES: Record<string, object | typeof NO_BODY> = {
  'PATCH /v1/subscriptions/:id': { name: 'renamed by a stranger', check_frequency_seconds: 30 },
  'DELETE /v1/subscriptions/:id': NO_BODY,
  'POST /v1/subscriptions/:id/pause': NO_BODY,
  'POST /v1/subscriptions/:id/resume': NO_BODY,
  'POST /v1/subscriptions/:id/test-alert': NO_BODY,
  // the payment travels in a header; without one a renewal of one's own paid tier is a 402
  'POST /v1/subscriptions/:id/renew': NO_BODY,
  // A's subscription is an http one: A gets 409, any other caller 404
  'POST /v1/subscriptions/:id/push-token': NO_BODY,
  'POST /v1/subscriptions/:id/maintenance-windows': {
    name: 'stranger window',
    starts_at: '2030-01-01T00:00:00Z',
    ends_at: '2030-01-01T01:00:00Z',
  },
  'PATCH /v1/subscriptions/:id/maintenance-windows/:windowId': { name: 'stranger rename' },
  'DELETE /v1/subscriptions/:id/maintenance-windows/:windowId': NO_BODY,
  'PATCH /v1/status-pages/:id': { title: 'Hijacked', published: true },
  'DELETE /v1/status-pages/:id': NO_BODY,
  'DELETE /v1/api-keys/:id': NO_BODY,
  'DELETE /v1/account/wallets/:address': NO_BODY,
};

/** B's list endpoints that must exist and answer; any other parameterless GET is read too. */
const LISTS = ['/v1/subscriptions', '/v1/status-pages', '/v1/api-keys'];
const OPTIONAL_LISTS = ['/v1/audit-log', '/v1/payments'];

const key = (r: Pick<RouteEntry, 'method' | 'path'>): string => `${r.method} ${r.path}`;
const isWrite = (r: RouteEntry): boolean => r.method !== 'GET';

type Kind = 'admin' | 'operator' | 'public' | 'capability' | 'owner';
function kindOf(route: RouteEntry): Kind {
  if (key(route) in CAPABILITY_ROUTES) return 'capability';
  if (route.path.startsWith(OPERATOR_PREFIX)) return 'operator';
  if (route.path === ADMIN_PREFIX || route.path.startsWith(`${ADMIN_PREFIX}/`)) return 'admin';
  return key(route) in PUBLIC_ROUTES ? 'public' : 'owner';
}

/** The path with each parameter replaced by `valueOf(the path up to and including it)`. */
function fill(path: string, valueOf: (prefix: string, name: string) => string | undefined) {
  const missing: string[] = [];
  const url = path.replace(/:([A-Za-z0-9_]+)/g, (match: string, name: string, at: number) => {
    const prefix = path.slice(0, at + match.length);
    const value = valueOf(prefix, name);
    if (value === undefined) {
      missing.push(prefix);
      return match;
    }
    return encodeURIComponent(value);
  });
  return { url, missing };
}

/** Reads first, then writes, deletes last and children before parents. */
function requestOrder(a: RouteEntry, b: RouteEntry): number {
  const rank = (r: RouteEntry) => (r.method === 'GET' ? 0 : r.method === 'DELETE' ? 2 : 1);
  return rank(a) - rank(b) || b.path.length - a.path.length || key(a).localeCompare(key(b));
}

let api: TestApi;

/** One request as a route's method, with a bearer and an optional JSON body. */
async function call(
  method: RouteEntry['method'],
  url: string,
  token: string | undefined,
  body?: object | typeof NO_BODY,
) {
  const lower = method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
  let req = api.http[lower](url);
  if (token !== undefined) req = req.set(bearer(token));
  const res = await (body === undefined || body === NO_BODY ? req : req.send(body));
  const code = (res.body as { error?: { code?: string } } | undefined)?.error?.code;
  return { status: res.status, code, text: res.text };
}

const PROOF_SLOT = '2026-01-01T00:00:00.000Z';

/** A check row at `time`, in a batch signed by a probe key, as a checker writes it. */
async function signedCheck(subscriptionId: string, time: string): Promise<void> {
  await prepareCheckHistory(api.ctx.db, time.slice(0, 10), time.slice(0, 10));
  const sealer = await createSealer({
    privateKey: Wallet.createRandom().privateKey,
    instanceId: await records.instanceId(api.ctx.db),
    region: 'local',
  });
  await records.registerProbe(api.ctx.db, { address: sealer.address, region: 'local' });
  const row = {
    time: new Date(time),
    subscription_id: subscriptionId,
    status: 'up' as const,
    http_status: 200,
    response_time_ms: 12,
    timings: null,
    error_category: null,
    error_message: null,
    body_excerpt: null,
    schedule_lag_ms: 0,
    region: 'local',
  };
  const batch = sealer.seal([{ ...row, time }]);
  await recordResults(api.ctx.db, [row], { graceMs: null, batch });
}

/** A payment of `address`'s left pending (its settlement never came back); its id. */
async function pendingPayment(address: string): Promise<string> {
  const row = await api.ctx.db
    .insertInto('payments')
    .values({
      user_address: address,
      tier: 'pro',
      network: 'eip155:31337',
      asset: `0x${'1'.repeat(40)}`,
      pay_to: `0x${'2'.repeat(40)}`,
      payer: address,
      amount_atomic: '20000000',
      amount_usdc: '20',
      nonce: `0x${randomUUID().replace(/-/g, '')}`,
      settled_via: 'relayer',
      period_days: 30,
      status: 'pending',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

let routes: RouteEntry[];
let a: Owned;
let aToken: string;
/** B signed in, with a read-write and a read-only API key of its own */
let b: { token: string; readWriteKey: string; readKey: string; subscriptionId: string };
/** C, an operator (LIGHTHOUSE_ADMIN_WALLETS) */
let cToken: string;

async function created<T>(res: Promise<{ status: number; body: unknown }>): Promise<T> {
  const answer = await res;
  if (answer.status !== 201) {
    throw new Error(`fixture not created: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer.body as T;
}

async function createApiKey(token: string, scope: 'read' | 'read_write') {
  return created<{ id: string; key: string }>(
    api.http
      .post('/v1/api-keys')
      .set(bearer(token))
      .send({ name: `${scope} key`, scope }),
  );
}

beforeAll(async () => {
  const walletC = randomWallet();
  api = await startTestApi({ LIGHTHOUSE_ADMIN_WALLETS: walletC.address });
  routes = routeTable(api.app);
  cToken = await signIn(api.http, walletC);
  const walletA = randomWallet();
  aToken = await signIn(api.http, walletA);
  // no alert channels: a test alert sends nothing anywhere
  const sub = await created<{ id: string }>(
    api.http
      .post('/v1/subscriptions')
      .set(bearer(aToken))
      .send(httpSubscription({ tier: 'team', alert_channels: [] })),
  );
  const window = await created<{ id: string }>(
    api.http.post(`/v1/subscriptions/${sub.id}/maintenance-windows`).set(bearer(aToken)).send({
      name: 'A window',
      starts_at: '2031-01-01T00:00:00Z',
      ends_at: '2031-01-02T00:00:00Z',
    }),
  );
  const pageSlug = `a-private-${randomUUID().slice(0, 8)}`;
  const page = await created<{ id: string }>(
    api.http
      .post('/v1/status-pages')
      .set(bearer(aToken))
      .send({ slug: pageSlug, title: 'A private', subscription_ids: [sub.id], published: false }),
  );
  const apiKey = await createApiKey(aToken, 'read_write');
  const added = randomWallet();
  const nonce = await api.http.get('/v1/auth/nonce').expect(200);
  const signed = await signSiwe(added, {
    domain: SIWE_DOMAIN,
    nonce: (nonce.body as { nonce: string }).nonce,
  });
  await created(api.http.post('/v1/account/wallets').set(bearer(aToken)).send(signed));
  a = {
    address: walletA.address.toLowerCase(),
    subscriptionId: sub.id,
    windowId: window.id,
    pageId: page.id,
    pageSlug,
    apiKeyId: apiKey.id,
    walletAddress: added.address.toLowerCase(),
    paymentId: await pendingPayment(walletA.address.toLowerCase()),
  };
  // a signed check of A's at the slot the proof route's fixture names
  await signedCheck(sub.id, PROOF_SLOT);

  const bToken = await signIn(api.http, randomWallet());
  // B has things of its own, so its lists are not empty by accident
  const bSub = await created<{ id: string }>(
    api.http
      .post('/v1/subscriptions')
      .set(bearer(bToken))
      .send(httpSubscription({ tier: 'team', alert_channels: [] })),
  );
  b = {
    token: bToken,
    readWriteKey: (await createApiKey(bToken, 'read_write')).key,
    readKey: (await createApiKey(bToken, 'read')).key,
    subscriptionId: bSub.id,
  };
});

afterAll(async () => {
  await api.close();
});

it('knows every route: each id parameter has a fixture, each write a body', () => {
  const problems: string[] = [];
  for (const route of routes) {
    if (route.params.length === 0 || kindOf(route) !== 'owner') continue;
    const { missing } = fill(route.path, (prefix) => (prefix in PARAM_FIXTURES ? 'x' : undefined));
    for (const prefix of missing) {
      problems.push(
        `${key(route)}: no fixture for "${prefix}": add to PARAM_FIXTURES which of A's resources it names (or list the route in PUBLIC_ROUTES with a reason)`,
      );
    }
    if (isWrite(route) && !(key(route) in WRITE_BODIES)) {
      problems.push(`${key(route)}: add a plausible body (or NO_BODY) to WRITE_BODIES`);
    }
  }
  for (const route of routes) {
    if (kindOf(route) !== 'operator') continue;
    const { missing } = fill(route.path, (prefix) =>
      prefix in OPERATOR_FIXTURES ? 'x' : undefined,
    );
    for (const prefix of missing)
      problems.push(`${key(route)}: add "${prefix}" to OPERATOR_FIXTURES`);
    if (isWrite(route) && !(key(route) in OPERATOR_BODIES)) {
      problems.push(`${key(route)}: add a body (or NO_BODY) to OPERATOR_BODIES`);
    }
  }
  // entries that name no route any more are stale: the check would silently cover less
  const keys = new Set(routes.map(key));
  const paths = routes.map((r) => r.path);
  for (const k of [
    ...Object.keys(PUBLIC_ROUTES),
    ...Object.keys(CAPABILITY_ROUTES),
    ...Object.keys(WRITE_BODIES),
    ...Object.keys(OPERATOR_BODIES),
  ]) {
    if (!keys.has(k)) problems.push(`${k}: listed here but not routed any more`);
  }
  for (const prefix of Object.keys(PARAM_FIXTURES)) {
    if (!paths.some((p) => p === prefix || p.startsWith(`${prefix}/`))) {
      problems.push(`${prefix}: a fixture for a path that is not routed any more`);
    }
  }
  expect(problems).toEqual([]);
  // the walk found the app's routes, not an empty table
  expect(routes.filter((r) => kindOf(r) === 'owner' && r.params.length > 0).length).toBeGreaterThan(
    10,
  );
});

/** Everything A can read of its own resources, to compare before and after B's attempts. */
async function snapshotOfA(): Promise<Record<string, unknown>> {
  const paths = [
    '/v1/subscriptions',
    `/v1/subscriptions/${a.subscriptionId}`,
    `/v1/subscriptions/${a.subscriptionId}/maintenance-windows`,
    `/v1/subscriptions/${a.subscriptionId}/maintenance-windows/${a.windowId}`,
    '/v1/status-pages',
    `/v1/status-pages/${a.pageId}`,
    '/v1/api-keys',
  ];
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const res = await api.http.get(path).set(bearer(aToken));
    out[path] = { status: res.status, body: res.body as unknown };
  }
  return out;
}

describe("B calling A's ids", () => {
  let fingerprint: DbFingerprint;
  beforeAll(async () => {
    fingerprint = await openDbFingerprint(api.database.url);
  });
  afterAll(async () => {
    await fingerprint.close();
  });

  it("gets the same 404 as for an unknown id on every owner route, and A's resources stay", async () => {
    const principals = [
      { via: 'session', token: b.token },
      { via: 'read_write API key', token: b.readWriteKey },
      { via: 'read API key', token: b.readKey },
    ];
    // every principal is live, so the 404s below are about the ids, not the tokens
    for (const p of principals) {
      await api.http.get('/v1/subscriptions').set(bearer(p.token)).expect(200);
    }
    const before = await snapshotOfA();
    const written = await fingerprint.take();

    const owned = routes.filter((r) => kindOf(r) === 'owner' && r.params.length > 0);
    const failures: string[] = [];
    for (const route of [...owned].sort(requestOrder)) {
      const body = WRITE_BODIES[key(route)];
      const aUrl = fill(route.path, (prefix) => PARAM_FIXTURES[prefix]?.(a)).url;
      const unknownUrl = fill(route.path, () => randomUUID()).url;
      for (const p of principals) {
        const got = await call(route.method, aUrl, p.token, body);
        const unknown = await call(route.method, unknownUrl, p.token, body);
        const label = `${route.method} ${aUrl} as B (${p.via})`;
        if (p.via === 'session' && (got.status !== 404 || got.code !== 'not_found')) {
          failures.push(`${label}: ${got.status} ${got.code ?? ''}, expected 404 not_found`);
        }
        // a key may be refused for what it is (403 before any id is read), never for whose id
        if (got.status !== unknown.status || got.code !== unknown.code) {
          failures.push(
            `${label}: ${got.status} ${got.code ?? ''}, but ${unknown.status} ${unknown.code ?? ''} for an unknown id`,
          );
        }
        if (![403, 404].includes(got.status)) {
          failures.push(`${label}: ${got.status}, expected 404 (or 403 for what a key may not do)`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshotOfA()).toEqual(before);
    expect(await fingerprint.take()).toBe(written);
  });

  it("never sees A's ids in any list or other parameterless GET", async () => {
    const needles = [a.address, a.subscriptionId, a.windowId, a.pageId, a.pageSlug, a.apiKeyId];
    const gets = routes.filter(
      (r) => r.method === 'GET' && r.params.length === 0 && kindOf(r) !== 'admin',
    );
    const paths = gets.map((r) => r.path);
    for (const list of LISTS) expect(paths).toContain(list);

    const leaks: string[] = [];
    for (const route of gets) {
      const res = await api.http.get(route.path).set(bearer(b.token));
      if (LISTS.includes(route.path) || OPTIONAL_LISTS.includes(route.path)) {
        expect({ path: route.path, status: res.status }).toEqual({ path: route.path, status: 200 });
        expect(Array.isArray((res.body as { items?: unknown }).items)).toBe(true);
      }
      const text = res.text.toLowerCase();
      for (const needle of needles) {
        if (text.includes(needle.toLowerCase())) leaks.push(`${route.path} shows ${needle}`);
      }
    }
    expect(leaks).toEqual([]);
    // B's own things do show, so the lists above were real answers
    const mine = await api.http.get('/v1/subscriptions').set(bearer(b.token)).expect(200);
    expect(JSON.stringify(mine.body)).toContain(b.subscriptionId);
  });

  it('gets 401 from every admin route with its own bearer, whatever the ids', async () => {
    const admin = routes.filter((r) => kindOf(r) === 'admin');
    expect(admin.length).toBeGreaterThan(0);
    const queue = Object.values(api.ctx.queues)[0]?.name ?? 'checks';
    const failures: string[] = [];
    for (const route of admin) {
      const url = fill(route.path, (_prefix, name) =>
        name === 'queueName' ? queue : a.subscriptionId,
      ).url;
      for (const token of [b.token, b.readWriteKey]) {
        const res = await call(route.method, url, token);
        if (res.status !== 401 && res.status !== 404) {
          failures.push(`${route.method} ${url}: ${res.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // the 401s came from the guard, not from routes that do not exist
    await api.http
      .get(`${ADMIN_PREFIX}/api/queues`)
      .set(bearer(api.ctx.config.ADMIN_TOKEN))
      .expect(200);
  });
});

describe('public routes', () => {
  it('list a reason each', () => {
    for (const [route, { reason }] of Object.entries(PUBLIC_ROUTES)) {
      expect({ route, reason: reason.length > 10 }).toEqual({ route, reason: true });
    }
  });

  it("answer 404 for A's unpublished page and unlisted subscription, then 200 once published", async () => {
    const publicRoutes = routes.filter((r) => kindOf(r) === 'public');
    expect(publicRoutes.map(key).sort()).toEqual(Object.keys(PUBLIC_ROUTES).sort());
    const urls = publicRoutes.map(
      (r) =>
        fill(r.path, () => (PUBLIC_ROUTES[key(r)] as { param: (o: Owned) => string }).param(a)).url,
    );
    for (const url of urls) {
      const anonymous = await api.http.get(url);
      const asB = await api.http.get(url).set(bearer(b.token));
      expect({ url, anonymous: anonymous.status, asB: asB.status }).toEqual({
        url,
        anonymous: 404,
        asB: 404,
      });
    }
    // the same URLs do name A's page and subscription: publishing shows them
    await api.http
      .patch(`/v1/status-pages/${a.pageId}`)
      .set(bearer(aToken))
      .send({ published: true })
      .expect(200);
    for (const url of urls) {
      const res = await api.http.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: 200 });
    }
  });
});

describe('capability routes', () => {
  it('list a reason each, and answer 404 for a token never issued, with any bearer or none', async () => {
    const capability = routes.filter((r) => kindOf(r) === 'capability');
    expect(capability.map(key).sort()).toEqual(Object.keys(CAPABILITY_ROUTES).sort());
    const answers: string[] = [];
    for (const route of capability) {
      expect(CAPABILITY_ROUTES[key(route)]?.reason.length).toBeGreaterThan(10);
      for (const value of [`lhp_${'x'.repeat(43)}`, randomUUID(), a.subscriptionId]) {
        const { url } = fill(route.path, () => value);
        for (const token of [undefined, b.token, aToken]) {
          const res = await call(route.method, url, token, isWrite(route) ? {} : undefined);
          if (res.status !== 404 || res.code !== 'not_found') {
            answers.push(`${route.method} ${url}: ${res.status} ${res.code ?? ''}`);
          }
        }
      }
    }
    expect(answers).toEqual([]);
  });
});

it("A's own requests on the same routes reach A's resources (the fixtures are right)", async () => {
  const owned = routes.filter((r) => kindOf(r) === 'owner' && r.params.length > 0);
  const answers: string[] = [];
  for (const route of [...owned].sort(requestOrder)) {
    const url = fill(route.path, (prefix) => PARAM_FIXTURES[prefix]?.(a)).url;
    const res = await call(route.method, url, aToken, WRITE_BODIES[key(route)]);
    if (res.status === 404 || res.status >= 500)
      answers.push(`${route.method} ${url}: ${res.status}`);
  }
  expect(answers).toEqual([]);
});

describe('the operator console', () => {
  // A's things for the console to act on (the tests above deleted A's first subscription)
  let mine: Owned;
  beforeAll(async () => {
    const sub = await created<{ id: string }>(
      api.http
        .post('/v1/subscriptions')
        .set(bearer(aToken))
        .send(httpSubscription({ tier: 'team', alert_channels: [] })),
    );
    mine = { ...a, subscriptionId: sub.id, paymentId: await pendingPayment(a.address) };
  });
  it("answers 404 on every /v1/admin route to anyone not an operator, with A's ids or none", async () => {
    const console = routes.filter((r) => kindOf(r) === 'operator');
    expect(console.length).toBeGreaterThanOrEqual(9);
    const written = await openDbFingerprint(api.database.url);
    const before = await written.take();
    const failures: string[] = [];
    for (const route of console) {
      const url = fill(route.path, (prefix) => OPERATOR_FIXTURES[prefix]?.(mine)).url;
      const body = OPERATOR_BODIES[key(route)];
      for (const [who, token] of [
        ['A, an owner', aToken],
        ['B', b.token],
        ["B's read_write key", b.readWriteKey],
      ] as const) {
        const res = await call(route.method, url, token, body);
        if (res.status !== 404 || res.code !== 'not_found') {
          failures.push(`${route.method} ${url} as ${who}: ${res.status} ${res.code ?? ''}`);
        }
      }
      const anonymous = await call(route.method, url, undefined, body);
      if (anonymous.status !== 401)
        failures.push(`${route.method} ${url} anonymous: ${anonymous.status}`);
    }
    expect(failures).toEqual([]);
    expect(await written.take()).toBe(before);
    await written.close();
  });

  it("lets C, an admin wallet, reach every route: reads first, then its changes to A's things", async () => {
    const console = routes.filter((r) => kindOf(r) === 'operator').sort(requestOrder);
    const answers: string[] = [];
    for (const route of console) {
      const url = fill(route.path, (prefix) => OPERATOR_FIXTURES[prefix]?.(mine)).url;
      const res = await call(route.method, url, cToken, OPERATOR_BODIES[key(route)]);
      answers.push(`${route.method} ${url}: ${res.status}`);
      expect({ route: key(route), status: res.status < 300 }).toEqual({
        route: key(route),
        status: true,
      });
    }
    expect(answers.length).toBe(console.length);
    // the transfer and the discard happened, and each is in the owner's audit log
    const log = await api.http.get('/v1/audit-log').set(bearer(aToken)).expect(200);
    const actions = (log.body as { items: { action: string; details: { operator?: string } }[] })
      .items;
    expect(actions.find((e) => e.action === 'subscription.transfer')?.details.operator).toBe(
      ((await api.http.get('/v1/account').set(bearer(cToken))).body as { address: string }).address,
    );
    expect(actions.map((e) => e.action)).toContain('payment.discard');
  });
});
