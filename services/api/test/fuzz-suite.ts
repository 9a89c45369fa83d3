/**
 * Property-based fuzzing of every write endpoint (every POST, PUT, PATCH and DELETE in the app's
 * route table), 1,000 generated requests each, against the real app on a loopback socket:
 *
 * - the status is never 5xx;
 * - every 4xx carries the `{"error":{"code","message","details"}}` envelope;
 * - a 4xx writes nothing: a count of the rows written to any table (see openDbFingerprint) is
 *   the same after it as before. A 2xx may write; the fingerprint is then taken anew. Setup a
 *   run needs (a fresh sign-in: GET /v1/auth/nonce writes a nonce) comes before the "before";
 *   an API key's last_used_at, written whenever it authenticates, is left out
 *   (WRITTEN_ON_ANY_ANSWER in helpers.ts);
 * - no body pollutes Object.prototype.
 *
 * Bodies mix near-valid ones (one field broken), random JSON, anything fast-check makes, and
 * malformed bytes and headers; path ids mix the caller's real ids with strangers', random and
 * malformed ones. A write route without an entry in ENDPOINTS fails the first test, so a new
 * route cannot escape. The fuzz-*.test.ts files each run one shard of it. fast-check prints the seed and the shrunk counterexample of a failure.
 */
import { instance } from '@lighthouse/db';
import { hashToken } from '@lighthouse/shared';
import { signSiwe } from '@lighthouse/testing';
import { Wallet } from 'ethers';
import fc from 'fast-check';
import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { ADMIN_BASE_PATH } from '../src/routes/admin';
import {
  bodyFor,
  headerValue,
  jsonBody,
  pathSegment,
  regexPattern,
  x402PaymentHeader,
  type WireBody,
} from './arbitraries';
import {
  SIWE_DOMAIN,
  openDbFingerprint,
  routeTable,
  startTestApi,
  type DbFingerprint,
  type HttpMethod,
  type RouteEntry,
  type TestApi,
} from './helpers';

const NUM_RUNS = 1_000;
/** per endpoint: 1,000 requests, each followed by a read of the write counter */
const ENDPOINT_TIMEOUT_MS = 60_000;

const ENV = {
  // 20,000 refusals would be 20,000 debug lines kept in memory; a 5xx still logs at error
  LOG_LEVEL: 'error',
  // 1,000+ creations a minute per wallet must not turn into 429s (100000 is the most allowed)
  RATE_LIMIT_SIGN_IN_PER_MINUTE: '100000',
  RATE_LIMIT_CREATE_PER_MINUTE: '100000',
  RATE_LIMIT_CREATE_PER_IP_PER_MINUTE: '100000',
  RATE_LIMIT_TEST_ALERT_PER_MINUTE: '100000',
  RATE_LIMIT_PUSH_PER_MINUTE: '100000',
  RATE_LIMIT_PROBES_PER_IP_PER_MINUTE: '100000',
};

/** What the fuzzing wallet F (and a stranger S) own, made once before the endpoints run. */
interface Fixtures {
  address: string;
  session: string;
  readKey: string;
  writeKey: string;
  /** a session that was logged out */
  revoked: string;
  stranger: { session: string; subscriptionId: string; pageId: string; windowId: string };
  /** F's subscriptions that PATCH, pause, resume, renew and windows are fuzzed on */
  subscriptions: string[];
  /** a subscription without channels, for test alerts (nothing is sent anywhere) */
  quiet: string;
  /** heartbeat subscriptions of F: one pinged through its push token, one whose token rotates */
  heartbeat: { pushToken: string; rotated: string };
  /** [subscription id, window id] of F's windows */
  windows: [string, string][];
  pages: string[];
  /** made to be deleted: each DELETE succeeds once, then answers 404 */
  victims: {
    subscriptions: string[];
    windows: [string, string][];
    pages: string[];
    keys: string[];
    /** wallets linked to F's account */
    wallets: string[];
  };
  /** one-time sign-in links to F's account (each good once), and links that never were good */
  links: { live: string[]; dead: string[] };
  /** a wallet linked to the stranger's account */
  strangerWallet: string;
  /** signed sign-in messages that must be refused (unknown or used nonce, wrong domain, expired) */
  refusedSignIns: { message: string; signature: string }[];
}

type AuthKind =
  'session' | 'read key' | 'write key' | 'stranger' | 'revoked' | 'none' | 'raw' | 'fresh session';

interface Auth {
  kind: AuthKind;
  /** the Authorization header, for every kind but 'none' and 'fresh session' */
  header?: string;
}

interface FuzzRequest {
  target: { method: HttpMethod; path: string };
  auth: Auth;
  /** undefined: no body */
  body?: WireBody;
  headers?: Record<string, string>;
  /** a fresh SIWE message and signature replace the body (a sign-in that should succeed) */
  freshSignIn?: boolean;
}

interface Spec {
  path: fc.Arbitrary<string>;
  body: fc.Arbitrary<WireBody>;
  auth?: fc.Arbitrary<Auth>;
  headers?: fc.Arbitrary<Record<string, string>>;
  freshSignIn?: fc.Arbitrary<boolean>;
  /** a 2xx must turn up among the runs: the fuzzer does reach the success path */
  succeeds: boolean;
  /** beyond the general properties: why this answer is wrong for this endpoint, if it is */
  wrong?: (answer: Answer) => string | undefined;
}

const segment = pathSegment;
/** A wallet from a random key (no mnemonic: Wallet.createRandom derives one, slowly). */
const newWallet = (): Wallet => new Wallet(`0x${randomBytes(32).toString('hex')}`);
const isoIn = (ms: number): string => new Date(Date.now() + ms).toISOString();
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function authOf(f: Fixtures): fc.Arbitrary<Auth> {
  const bearer = (kind: AuthKind, token: string) =>
    fc.constant<Auth>({ kind, header: `Bearer ${token}` });
  return fc.oneof(
    { weight: 40, arbitrary: bearer('session', f.session) },
    { weight: 2, arbitrary: bearer('write key', f.writeKey) },
    { weight: 1, arbitrary: bearer('read key', f.readKey) },
    { weight: 1, arbitrary: bearer('stranger', f.stranger.session) },
    { weight: 1, arbitrary: bearer('revoked', f.revoked) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
    { weight: 1, arbitrary: headerValue.map<Auth>((header) => ({ kind: 'raw', header })) },
  );
}

/** For logout, which revokes the session it is sent with: never F's or the stranger's. */
function logoutAuth(f: Fixtures): fc.Arbitrary<Auth> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'fresh session' }) },
    {
      weight: 1,
      arbitrary: fc.constant<Auth>({ kind: 'write key', header: `Bearer ${f.writeKey}` }),
    },
    {
      weight: 1,
      arbitrary: fc.constant<Auth>({ kind: 'read key', header: `Bearer ${f.readKey}` }),
    },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'revoked', header: `Bearer ${f.revoked}` }) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
    { weight: 2, arbitrary: headerValue.map<Auth>((header) => ({ kind: 'raw', header })) },
  );
}

/** Not admin: F's bearer, keys, garbage, Basic with a wrong password, a near-miss token. */
function adminAuth(f: Fixtures, adminToken: string): fc.Arbitrary<Auth> {
  const raw = (header: string): Auth => ({ kind: 'raw', header });
  return fc.oneof(
    fc.constant<Auth>({ kind: 'session', header: `Bearer ${f.session}` }),
    fc.constant<Auth>({ kind: 'write key', header: `Bearer ${f.writeKey}` }),
    fc.constant<Auth>({ kind: 'none' }),
    headerValue.map(raw),
    fc
      .constantFrom(`${adminToken}x`, adminToken.slice(0, -1), adminToken.toUpperCase())
      .map((t) => raw(`Bearer ${t}`)),
    fc
      .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }))
      .filter(([, pass]) => pass !== adminToken)
      .map(([user, pass]) => raw(`Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`)),
  );
}

/** x402 headers: absent mostly, else garbage or a near-valid payment for the server's terms. */
function paymentHeaders(f: Fixtures, payTo: string): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('PAYMENT-SIGNATURE', 'X-PAYMENT'),
          fc.oneof(headerValue, x402PaymentHeader({ payTo, from: f.address })),
        )
        .map(([name, value]) => ({ [name]: value })),
    },
  );
}

const object = (value: Record<string, unknown>) => fc.constant(value);
/** A body-less endpoint still gets bodies: it must ignore them or refuse them cleanly. */
const anyBody = bodyFor(object({}));

const subscriptionBody = (tier: string) => ({
  name: 'Fuzzed API',
  target_type: 'http',
  target_config: { url: 'https://example.com/health', method: 'GET', valid_status_codes: [200] },
  tier,
  check_frequency_seconds: 60,
  alert_channels: [
    {
      type: 'webhook',
      config: { url: 'https://hooks.example.com/x', secret: 'signing-secret-123' },
    },
    { type: 'email', config: { to: 'ops@example.com' }, language: 'es' },
  ],
});

/**
 * Subscriptions whose targets carry user regular expressions, sent as they are (only the
 * pattern varies): each is a 400 or accepted.
 */
const patternBody = fc.oneof(
  regexPattern.map((matches) => ({
    ...subscriptionBody('team'),
    target_type: 'websocket',
    target_config: { url: 'wss://example.com/socket', send: 'ping', expect: { matches } },
  })),
  regexPattern.map((pattern) => ({
    ...subscriptionBody('team'),
    target_type: 'canary',
    target_config: {
      steps: [
        {
          name: 'login',
          method: 'POST',
          url: 'https://example.com/login',
          body: '{}',
          extract: [{ var: 'token', from: 'regex', pattern }],
        },
        {
          name: 'me',
          url: 'https://example.com/me',
          headers: { Authorization: 'Bearer {{token}}' },
          extract: [{ var: 'sid', from: 'regex', header: 'set-cookie', pattern }],
        },
      ],
    },
  })),
);

const windowBody = fc.oneof(
  fc.constant<Record<string, unknown>>({
    name: 'Upgrade',
    starts_at: isoIn(HOUR),
    ends_at: isoIn(2 * HOUR),
  }),
  fc.constant<Record<string, unknown>>({
    name: 'Nightly',
    cron: '0 3 * * *',
    duration_minutes: 30,
    timezone: 'Europe/Berlin',
  }),
);

/**
 * Every write route, by `METHOD path` as the route table names it. A new write route fails the
 * coverage test until it has a line here.
 */
const ENDPOINTS: Record<string, (f: Fixtures, payTo: string) => Spec> = {
  'POST /v1/auth/verify': (f) => ({
    path: fc.constant('/v1/auth/verify'),
    body: bodyFor(fc.constantFrom(...f.refusedSignIns)),
    auth: fc.constant({ kind: 'none' }),
    freshSignIn: fc.oneof(
      { weight: 19, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    succeeds: true,
  }),
  'POST /v1/auth/link': (f) => ({
    path: fc.constant('/v1/auth/link'),
    body: bodyFor(
      fc
        .oneof(
          { weight: 1, arbitrary: fc.constantFrom(...f.links.live) },
          { weight: 1, arbitrary: fc.constantFrom(...f.links.dead) },
        )
        .map((token) => ({ token })),
    ),
    auth: fc.constant({ kind: 'none' }),
    succeeds: true,
  }),
  'POST /v1/account/wallets': (f) => ({
    path: fc.constant('/v1/account/wallets'),
    body: bodyFor(fc.constantFrom(...f.refusedSignIns)),
    auth: authOf(f),
    // now and then a message freshly signed by a new wallet, which links it
    freshSignIn: fc.oneof(
      { weight: 9, arbitrary: fc.constant(false) },
      { weight: 1, arbitrary: fc.constant(true) },
    ),
    succeeds: true,
  }),
  'DELETE /v1/account/wallets/:address': (f) => ({
    path: segment([...f.victims.wallets, f.strangerWallet]).map(
      (address) => `/v1/account/wallets/${address}`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  ...operatorEndpoints(),
  'POST /v1/auth/logout': (f) => ({
    path: fc.constant('/v1/auth/logout'),
    body: anyBody,
    auth: logoutAuth(f),
    succeeds: true,
  }),
  'POST /v1/api-keys': (f) => ({
    path: fc.constant('/v1/api-keys'),
    body: bodyFor(
      fc.record({
        name: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => s.trim() !== ''),
        scope: fc.constantFrom('read', 'read_write'),
      }),
    ),
    auth: authOf(f),
    succeeds: true,
  }),
  'DELETE /v1/api-keys/:id': (f) => ({
    path: segment(f.victims.keys).map((id) => `/v1/api-keys/${id}`),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions': (f, payTo) => ({
    path: fc.constant('/v1/subscriptions'),
    body: fc.oneof(
      {
        weight: 4,
        arbitrary: bodyFor(fc.constantFrom('team', 'free', 'pro').map(subscriptionBody)),
      },
      { weight: 1, arbitrary: patternBody.map((b) => jsonBody(b, 'user regular expressions')) },
    ),
    auth: authOf(f),
    headers: paymentHeaders(f, payTo),
    succeeds: true,
  }),
  'POST /subscribe': (f, payTo) => ({
    path: fc.constant('/subscribe'),
    body: bodyFor(
      fc
        .constantFrom(f.address, f.address.toUpperCase().replace('0X', '0x'), newWallet().address)
        // its own tier's quota: POST /v1/subscriptions fills the team tier's first
        .map((user_address) => ({
          ...subscriptionBody('hourly'),
          check_frequency_seconds: 3_600,
          user_address,
        })),
    ),
    auth: authOf(f),
    headers: paymentHeaders(f, payTo),
    succeeds: true,
  }),
  'PATCH /v1/subscriptions/:id': (f, payTo) => ({
    path: segment([...f.subscriptions, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}`,
    ),
    body: bodyFor(
      fc.constantFrom<Record<string, unknown>>(
        { name: 'Renamed' },
        { check_frequency_seconds: 30, failure_threshold: 3 },
        { tier: 'team', reminder_interval_minutes: null, flapping_threshold: 5 },
        { tier: 'pro' },
        {
          target_config: {
            url: 'https://example.org/ping',
            method: 'HEAD',
            valid_status_codes: ['200-299'],
          },
        },
        {
          alert_channels: [{ type: 'slack', config: { webhook_url: 'https://hooks.slack.com/x' } }],
        },
      ),
    ),
    auth: authOf(f),
    headers: paymentHeaders(f, payTo),
    succeeds: true,
  }),
  'DELETE /v1/subscriptions/:id': (f) => ({
    path: segment([...f.victims.subscriptions, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions/:id/test-alert': (f) => ({
    path: segment([f.quiet, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/test-alert`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions/:id/pause': (f) => ({
    path: segment([...f.subscriptions, f.quiet, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/pause`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions/:id/resume': (f) => ({
    path: segment([...f.subscriptions, f.quiet, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/resume`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/push/:token': (f) => ({
    path: fc
      .tuple(
        segment([f.heartbeat.pushToken]),
        fc.constantFrom('', '?status=down&message=disk%20full', '?status=up', '?status=sideways'),
      )
      .map(([token, query]) => `/v1/push/${token}${query}`),
    body: bodyFor(
      fc.constantFrom<Record<string, unknown>>(
        { status: 'down', message: 'backup failed: exit 2' },
        { status: 'up' },
        { message: 'done in 42 s' },
      ),
    ),
    // public: the token is the credential, whatever else the request carries
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions/:id/push-token': (f) => ({
    path: segment([f.heartbeat.rotated, f.quiet, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/push-token`,
    ),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/subscriptions/:id/renew': (f, payTo) => ({
    path: segment([...f.subscriptions, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/renew`,
    ),
    body: anyBody,
    auth: authOf(f),
    headers: paymentHeaders(f, payTo),
    // F's subscriptions are on free tiers: nothing to renew (409), or a 402 without payment
    succeeds: false,
  }),
  'POST /v1/probe': (f, payTo) => ({
    path: fc.constant('/v1/probe'),
    body: bodyFor(
      fc.constantFrom<Record<string, unknown>>(
        { target_type: 'http', target_config: { url: 'https://example.com/health' } },
        {
          target_type: 'x402',
          target_config: { url: 'https://example.com/paid', max_price: '0.01' },
          regions: ['local'],
        },
        { target_type: 'heartbeat', target_config: {} },
      ),
    ),
    auth: fc.constant({ kind: 'none' }),
    headers: paymentHeaders(f, payTo),
    // unpaid: 402 with the terms; a fuzzed payment is refused (its signature is random bytes)
    succeeds: false,
  }),
  'POST /v1/subscriptions/:id/maintenance-windows': (f) => ({
    path: segment([...f.subscriptions, f.stranger.subscriptionId]).map(
      (id) => `/v1/subscriptions/${id}/maintenance-windows`,
    ),
    body: bodyFor(windowBody),
    auth: authOf(f),
    succeeds: true,
  }),
  'PATCH /v1/subscriptions/:id/maintenance-windows/:windowId': (f) => ({
    path: windowPath(f.windows, f),
    body: bodyFor(
      fc.constantFrom<Record<string, unknown>>(
        { name: 'Renamed window' },
        { ends_at: isoIn(3 * HOUR) },
        { cron: '30 2 * * 1', duration_minutes: 45, starts_at: null, ends_at: null },
        { timezone: 'America/New_York' },
      ),
    ),
    auth: authOf(f),
    succeeds: true,
  }),
  'DELETE /v1/subscriptions/:id/maintenance-windows/:windowId': (f) => ({
    path: windowPath(f.victims.windows, f),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
  'POST /v1/status-pages': (f) => ({
    path: fc.constant('/v1/status-pages'),
    body: bodyFor(
      fc.record({
        slug: fc.stringMatching(/^[a-z0-9]{1,12}$/).map((s) => `${s}-${randomUUID().slice(0, 8)}`),
        title: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
        description: fc.option(fc.string({ maxLength: 60 })),
        subscription_ids: fc.subarray([...f.subscriptions, f.quiet], { minLength: 1 }),
        published: fc.boolean(),
      }),
    ),
    auth: authOf(f),
    succeeds: true,
  }),
  'PATCH /v1/status-pages/:id': (f) => ({
    path: segment([...f.pages, f.stranger.pageId]).map((id) => `/v1/status-pages/${id}`),
    body: bodyFor(
      fc.constantFrom<Record<string, unknown>>(
        { title: 'New title' },
        { description: 'Now with words', published: false },
        { subscription_ids: [f.quiet], published: true },
        { slug: `renamed-${randomUUID().slice(0, 8)}` },
      ),
    ),
    auth: authOf(f),
    succeeds: true,
  }),
  'DELETE /v1/status-pages/:id': (f) => ({
    path: segment([...f.victims.pages, f.stranger.pageId]).map((id) => `/v1/status-pages/${id}`),
    body: anyBody,
    auth: authOf(f),
    succeeds: true,
  }),
};

/**
 * The operator console's write routes: F is no operator, so each is a 404 (or a refusal of the
 * request itself) with any id, body or token, and writes nothing.
 */
function operatorEndpoints(): Record<string, (f: Fixtures) => Spec> {
  const notFound = (answer: Answer): string | undefined =>
    [401, 403, 404].includes(answer.status) || BODY_REFUSALS.includes(errorCode(answer) ?? '')
      ? undefined
      : `${answer.status}: a non-operator must get 404 (401 without a token)`;
  const ids = (f: Fixtures) => [...f.subscriptions, f.stranger.subscriptionId];
  const spec = (path: (id: string) => string, body: fc.Arbitrary<WireBody>) => (f: Fixtures) => ({
    path: segment(ids(f)).map(path),
    body,
    auth: authOf(f),
    succeeds: false,
    wrong: notFound,
  });
  return {
    'POST /v1/admin/subscriptions/:id/pause': spec(
      (id) => `/v1/admin/subscriptions/${id}/pause`,
      anyBody,
    ),
    'POST /v1/admin/subscriptions/:id/resume': spec(
      (id) => `/v1/admin/subscriptions/${id}/resume`,
      anyBody,
    ),
    'DELETE /v1/admin/subscriptions/:id': spec((id) => `/v1/admin/subscriptions/${id}`, anyBody),
    'POST /v1/admin/subscriptions/:id/transfer': spec(
      (id) => `/v1/admin/subscriptions/${id}/transfer`,
      bodyFor(fc.constant({ to: newWallet().address })),
    ),
    'POST /v1/admin/payments/:id/discard': spec(
      (id) => `/v1/admin/payments/${id}/discard`,
      anyBody,
    ),
  };
}

function windowPath(pairs: [string, string][], f: Fixtures): fc.Arbitrary<string> {
  const strangers: [string, string] = [f.stranger.subscriptionId, f.stranger.windowId];
  return fc
    .oneof(
      { weight: 4, arbitrary: fc.constantFrom(...pairs) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          segment([...pairs.map((p) => p[0]), strangers[0]]),
          segment([...pairs.map((p) => p[1]), strangers[1]]),
        ),
      },
    )
    .map(([sub, win]) => `/v1/subscriptions/${sub}/maintenance-windows/${win}`);
}

/** What the app refuses before any route runs: a body it cannot read, or NUL in a request. */
const BODY_REFUSALS = [
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
  'validation_error',
];

function errorCode(answer: Answer): string | undefined {
  try {
    return (JSON.parse(answer.text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * Bull Board's write routes, all behind one guard (ADMIN_TOKEN), which the fuzzer never has:
 * fuzzed as one group, each run on one of the routes.
 */
function adminSpec(
  admin: RouteEntry[],
  f: Fixtures,
  adminToken: string,
  queues: string[],
): Spec & { target: fc.Arbitrary<Target> } {
  const target = fc.oneof(
    ...admin.map((route) => {
      const values: Record<string, fc.Arbitrary<string>> = {};
      for (const name of route.params) {
        values[name] =
          name === 'queueName' ? segment(queues) : segment(['1', 'repeat:x', 'completed']);
      }
      return fc.record(values).map((v) => ({
        method: route.method,
        path: route.path.replace(/:([A-Za-z0-9_]+)/g, (_m, n: string) => v[n] ?? ''),
      }));
    }),
  );
  return {
    target,
    path: target.map((t) => t.path),
    body: bodyFor(object({ data: { x: 1 }, name: 'job', concurrency: 5 })),
    auth: adminAuth(f, adminToken),
    succeeds: false,
    wrong: (answer) =>
      answer.status === 401 || BODY_REFUSALS.includes(errorCode(answer) ?? '')
        ? undefined
        : `${answer.status}: only 401 (or a body refused before any route) may answer`,
  };
}

const isWrite = (r: RouteEntry): boolean => r.method !== 'GET';
const isAdmin = (r: RouteEntry): boolean =>
  r.path === ADMIN_BASE_PATH || r.path.startsWith(`${ADMIN_BASE_PATH}/`);
const keyOf = (r: RouteEntry): string => `${r.method} ${r.path}`;

let api: TestApi;
let server: http.Server;
let agent: http.Agent;
let port: number;
let fingerprint: DbFingerprint;
let f: Fixtures;
let routes: RouteEntry[];
const PAY_TO = newWallet().address;

interface Answer {
  status: number;
  contentType: string;
  text: string;
}

function encode(body: WireBody): Buffer | undefined {
  if (body.text === undefined) return undefined;
  const bytes = Buffer.from(body.text, 'utf8');
  if (!body.compress) return bytes;
  switch (body.contentEncoding?.toLowerCase()) {
    case 'gzip':
      return gzipSync(bytes);
    case 'deflate':
      return deflateSync(bytes);
    case 'br':
      return brotliCompressSync(bytes);
    default:
      return bytes;
  }
}

/** One request over the keep-alive socket. */
function send(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: WireBody,
): Promise<Answer> {
  const bytes = body ? encode(body) : undefined;
  const all: Record<string, string | number> = { ...headers };
  if (body?.contentType !== undefined) all['Content-Type'] = body.contentType;
  if (body?.contentEncoding !== undefined) all['Content-Encoding'] = body.contentEncoding;
  if (bytes) all['Content-Length'] = bytes.length;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: all, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

async function json<T>(method: string, path: string, token: string | undefined, body?: unknown) {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const res = await send(
    method,
    path,
    headers,
    body === undefined ? undefined : jsonBody(body, 'setup'),
  );
  if (res.status >= 300) throw new Error(`setup ${method} ${path}: ${res.status} ${res.text}`);
  return (res.text ? JSON.parse(res.text) : undefined) as T;
}

async function signInFresh(): Promise<string> {
  const { nonce } = await json<{ nonce: string }>('GET', '/v1/auth/nonce', undefined);
  const signed = await signSiwe(newWallet(), { domain: SIWE_DOMAIN, nonce });
  return (await json<{ token: string }>('POST', '/v1/auth/verify', undefined, signed)).token;
}

async function makeFixtures(): Promise<Fixtures> {
  const wallet = newWallet();
  const { nonce } = await json<{ nonce: string }>('GET', '/v1/auth/nonce', undefined);
  const signed = await signSiwe(wallet, { domain: SIWE_DOMAIN, nonce });
  const session = (await json<{ token: string }>('POST', '/v1/auth/verify', undefined, signed))
    .token;
  const sub = async (token: string) =>
    (
      await json<{ id: string }>('POST', '/v1/subscriptions', token, {
        ...subscriptionBody('team'),
        alert_channels: [],
      })
    ).id;
  const window = async (token: string, subscriptionId: string): Promise<[string, string]> => [
    subscriptionId,
    (
      await json<{ id: string }>(
        'POST',
        `/v1/subscriptions/${subscriptionId}/maintenance-windows`,
        token,
        {
          name: 'fixture',
          starts_at: isoIn(HOUR),
          ends_at: isoIn(2 * HOUR),
        },
      )
    ).id,
  ];
  const page = async (token: string, subscriptionId: string) =>
    (
      await json<{ id: string }>('POST', '/v1/status-pages', token, {
        slug: `fixture-${randomUUID()}`,
        title: 'Fixture',
        subscription_ids: [subscriptionId],
      })
    ).id;
  const key = async (scope: string) =>
    await json<{ id: string; key: string }>('POST', '/v1/api-keys', session, {
      name: 'fixture',
      scope,
    });
  const times = <T>(n: number, make: () => Promise<T>) =>
    Array.from({ length: n }).reduce<Promise<T[]>>(
      async (acc) => [...(await acc), await make()],
      Promise.resolve([]),
    );

  const subscriptions = await times(3, () => sub(session));
  const quiet = await sub(session);
  const heartbeat = () =>
    json<{ id: string; push_token: string }>('POST', '/v1/subscriptions', session, {
      ...subscriptionBody('team'),
      target_type: 'heartbeat',
      target_config: { grace_seconds: 30 },
      alert_channels: [],
    });
  const pushed = await heartbeat();
  const rotated = await heartbeat();
  const windows = await Promise.all(subscriptions.map((id) => window(session, id)));
  const pages = [await page(session, subscriptions[0] as string)];
  const victimSubscriptions = await times(5, () => sub(session));
  const victims = {
    subscriptions: victimSubscriptions,
    // on a subscription no DELETE is fuzzed on, so they outlive the subscription victims
    windows: await times(5, () => window(session, quiet)),
    pages: await times(5, () => page(session, quiet)),
    keys: (await times(5, () => key('read_write'))).map((k) => k.id),
    wallets: await times(5, () => linkWallet(session)),
  };
  // links are made where the api makes them (the owner's in self-hosted mode): here, F's
  const link = async (expiresAt: Date) => {
    const token = `lhl_${randomBytes(32).toString('base64url')}`;
    await instance.insertSignInLink(api.ctx.db, {
      userAddress: wallet.address.toLowerCase(),
      tokenHash: hashToken(token),
      expiresAt,
    });
    return token;
  };
  const live = await times(30, () => link(new Date(Date.now() + HOUR)));
  const spent = await link(new Date(Date.now() + HOUR));
  await json('POST', '/v1/auth/link', undefined, { token: spent });
  const links = {
    live,
    dead: [
      spent,
      await link(new Date(Date.now() - HOUR)),
      `lhl_${randomBytes(32).toString('base64url')}`,
      'lhl_short',
      `lhs_${randomBytes(32).toString('base64url')}`,
    ],
  };

  const strangerSession = await signInFresh();
  const strangerSub = await sub(strangerSession);
  const strangerWallet = await linkWallet(strangerSession);
  const revoked = await signInFresh();
  await json('POST', '/v1/auth/logout', revoked);

  // signed correctly, and still refused: an unknown nonce, a used one, another domain, expired
  const used = await json<{ nonce: string }>('GET', '/v1/auth/nonce', undefined);
  const usedSignIn = await signSiwe(newWallet(), { domain: SIWE_DOMAIN, nonce: used.nonce });
  await json('POST', '/v1/auth/verify', undefined, usedSignIn);
  const refusedSignIns = [
    await signSiwe(newWallet(), { domain: SIWE_DOMAIN, nonce: randomUUID().replace(/-/g, '') }),
    usedSignIn,
    await signSiwe(newWallet(), {
      domain: 'evil.example',
      nonce: randomUUID().replace(/-/g, ''),
    }),
    await signSiwe(newWallet(), {
      domain: SIWE_DOMAIN,
      nonce: randomUUID().replace(/-/g, ''),
      issuedAt: new Date(Date.now() - 2 * HOUR),
      expirationTime: new Date(Date.now() - HOUR),
    }),
  ];

  // a checker in the default region, live through the run: a probe's region must be live
  await api.ctx.db
    .insertInto('checkers')
    .values({
      name: 'fuzz-checker',
      host: 'fuzz',
      version: 'test',
      region: 'local',
      started_at: new Date(),
      last_seen_at: new Date(Date.now() + DAY),
      checks_total: 0,
      errors_total: 0,
      checks_per_second: 0,
    })
    .execute();

  return {
    address: wallet.address.toLowerCase(),
    session,
    readKey: (await key('read')).key,
    writeKey: (await key('read_write')).key,
    revoked,
    stranger: {
      session: strangerSession,
      subscriptionId: strangerSub,
      pageId: await page(strangerSession, strangerSub),
      windowId: (await window(strangerSession, strangerSub))[1],
    },
    subscriptions,
    quiet,
    heartbeat: { pushToken: pushed.push_token, rotated: rotated.id },
    windows,
    pages,
    victims,
    links,
    strangerWallet,
    refusedSignIns,
  };
}

/** Links a new wallet to the session's account; its address. */
async function linkWallet(session: string): Promise<string> {
  const added = newWallet();
  const { nonce } = await json<{ nonce: string }>('GET', '/v1/auth/nonce', undefined);
  await json(
    'POST',
    '/v1/account/wallets',
    session,
    await signSiwe(added, { domain: SIWE_DOMAIN, nonce }),
  );
  return added.address.toLowerCase();
}

/**
 * Registers the suite for one shard of the write routes (the routes whose index in ENDPOINTS
 * is `shard` modulo `shards`), so jest's workers share the work; shard 0 also runs the
 * coverage, fingerprint and admin tests. Each shard has its own app and database.
 */
interface Tally {
  runs: number;
  byStatus: Record<number, number>;
}

interface Target {
  method: HttpMethod;
  path: string;
}

export function fuzzSuite(shard: number, shards: number): void {
  beforeAll(async () => {
    api = await startTestApi({
      ...ENV,
      // paid tiers can be bought here, so payment headers are read; nothing ever settles
      X402_PAY_TO: PAY_TO,
      X402_FACILITATOR_URL: 'http://127.0.0.1:9/',
    });
    routes = routeTable(api.app);
    server = http.createServer(api.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    f = await makeFixtures();
    fingerprint = await openDbFingerprint(api.database.url);
  });

  afterAll(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
    await fingerprint.close();
    await api.close();
  });

  function envelopeProblem(answer: Answer): string | undefined {
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `the body is not JSON (${answer.contentType})`;
    }
    const error = (body as { error?: Record<string, unknown> } | null)?.error;
    if (!error || typeof error !== 'object') return 'no "error" object';
    if (typeof error.code !== 'string' || error.code === '') return 'error.code is not a string';
    if (typeof error.message !== 'string') return 'error.message is not a string';
    if (!('details' in error)) return 'error.details is missing';
    return undefined;
  }

  /** Sends NUM_RUNS generated requests to `target` and checks the properties on every answer. */
  async function fuzz(target: fc.Arbitrary<Target>, spec: Spec): Promise<Tally> {
    const tally: Tally = { runs: 0, byStatus: {} };
    let last = await fingerprint.take();
    // the app runs in this process: a body that pollutes a prototype would show here
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).join();
    const request: fc.Arbitrary<FuzzRequest> = fc.record({
      target,
      auth: spec.auth ?? authOf(f),
      body: spec.body,
      headers: spec.headers ?? fc.constant({}),
      freshSignIn: spec.freshSignIn ?? fc.constant(false),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // what the request needs beforehand may write (a sign-in); it is not the request's doing
        let authorization = r.auth.header;
        let body = r.body;
        let prepared = false;
        if (r.auth.kind === 'fresh session') {
          authorization = `Bearer ${await signInFresh()}`;
          prepared = true;
        }
        if (r.freshSignIn) {
          const { nonce } = await json<{ nonce: string }>('GET', '/v1/auth/nonce', undefined);
          body = jsonBody(
            await signSiwe(newWallet(), { domain: SIWE_DOMAIN, nonce }),
            'fresh sign-in',
          );
          prepared = true;
        }
        if (prepared) last = await fingerprint.take();

        const headers: Record<string, string> = { ...r.headers };
        if (authorization !== undefined) headers.Authorization = authorization;
        const answer = await send(r.target.method, r.target.path, headers, body);
        tally.runs += 1;
        tally.byStatus[answer.status] = (tally.byStatus[answer.status] ?? 0) + 1;

        const problems: string[] = [];
        if (answer.status >= 500) problems.push(`a ${answer.status}`);
        if (Object.getOwnPropertyNames(Object.prototype).join() !== prototypeKeys) {
          problems.push('Object.prototype was polluted');
        }
        const wrong = spec.wrong?.(answer);
        if (wrong) problems.push(wrong);
        const now = await fingerprint.take();
        if (answer.status >= 400 && answer.status < 500) {
          const envelope = envelopeProblem(answer);
          if (envelope) problems.push(`the ${answer.status} has no error envelope: ${envelope}`);
          if (now !== last) {
            problems.push(`the ${answer.status} wrote ${Number(now) - Number(last)} row(s)`);
          }
        }
        // after a failure too, so the next (shrinking) runs compare with what is there now
        last = now;
        if (problems.length > 0) {
          throw new Error(
            `${r.target.method} ${r.target.path.slice(0, 200)} → ${answer.status}: ${problems.join('; ')}\n${answer.text.slice(0, 500)}`,
          );
        }
      }),
      { numRuns: NUM_RUNS },
    );
    return tally;
  }

  const tallies = new Map<string, Tally>();

  if (shard === 0)
    it('has an arbitrary for every write route', () => {
      const writes = routes.filter((r) => isWrite(r) && !isAdmin(r)).map(keyOf);
      const missing = writes.filter((k) => !(k in ENDPOINTS));
      expect(
        missing.map(
          (k) =>
            `${k}: add an entry to ENDPOINTS in fuzz-suite.ts (its path, a valid body, its auth)`,
        ),
      ).toEqual([]);
      const stale = Object.keys(ENDPOINTS).filter((k) => !writes.includes(k));
      expect(stale.map((k) => `${k}: in ENDPOINTS but not routed any more`)).toEqual([]);
      expect(routes.filter((r) => isWrite(r) && isAdmin(r)).length).toBeGreaterThan(0);
    });

  if (shard === 0)
    it('sees a write, and not a read or a key recording its use', async () => {
      expect(fingerprint.tables).toEqual(expect.arrayContaining(['subscriptions', 'audit_log']));
      const before = await fingerprint.take();
      const bearer = { Authorization: `Bearer ${f.session}` };
      await send('GET', '/v1/subscriptions', bearer);
      expect(await fingerprint.take()).toBe(before);
      const created = await json<{ key: string }>('POST', '/v1/api-keys', f.session, {
        name: 'probe',
      });
      const afterWrite = await fingerprint.take();
      expect(afterWrite).not.toBe(before);
      // the key's first use writes last_used_at, by design
      expect(
        (await send('GET', '/v1/api-keys', { Authorization: `Bearer ${created.key}` })).status,
      ).toBe(200);
      expect(await fingerprint.take()).toBe(afterWrite);
    });

  describe.each(Object.keys(ENDPOINTS).filter((_k, i) => i % shards === shard))('%s', (key) => {
    it(
      `survives ${NUM_RUNS} generated requests`,
      async () => {
        const route = routes.find((r) => keyOf(r) === key);
        if (!route) throw new Error(`${key} is not routed (see the coverage test)`);
        const spec = (ENDPOINTS[key] as (typeof ENDPOINTS)[string])(f, PAY_TO);
        const tally = await fuzz(
          spec.path.map((path) => ({ method: route.method, path })),
          spec,
        );
        tallies.set(key, tally);
        expect(tally.runs).toBeGreaterThanOrEqual(NUM_RUNS);
        const statuses = Object.keys(tally.byStatus).map(Number);
        // the fuzzer got past validation at least once, and was refused at least once
        if (spec.succeeds) expect(statuses.some((s) => s < 300)).toBe(true);
        expect(statuses.some((s) => s >= 400)).toBe(true);
      },
      ENDPOINT_TIMEOUT_MS,
    );
  });

  if (shard === 0)
    it(
      `refuses all admin write routes without ADMIN_TOKEN (${NUM_RUNS} requests over them)`,
      async () => {
        const admin = routes.filter((r) => isWrite(r) && isAdmin(r));
        const queues = Object.values(api.ctx.queues).map((q) => q.name);
        const spec = adminSpec(admin, f, api.ctx.config.ADMIN_TOKEN, queues);
        const tally = await fuzz(spec.target, spec);
        tallies.set(`${admin.length} admin write routes`, tally);
        expect(tally.runs).toBeGreaterThanOrEqual(NUM_RUNS);
        expect(tally.byStatus[401]).toBeGreaterThan(NUM_RUNS / 2);
      },
      ENDPOINT_TIMEOUT_MS,
    );

  afterAll(() => {
    // one line per endpoint: how the answers spread over statuses
    const lines = [...tallies].map(([k, t]) => `${k}: ${JSON.stringify(t.byStatus)}`);
    process.stdout.write(`fuzzed ${tallies.size} endpoints:\n${lines.join('\n')}\n`);
  });
}
