/**
 * fast-check arbitraries for fuzzing the HTTP API: request bodies as they travel on the wire
 * (random JSON, near-valid bodies with one field broken, malformed bytes and headers) and path
 * segments. Shared by the fuzz tests; nothing here knows a particular endpoint.
 */
import fc from 'fast-check';

export const JSON_TYPE = 'application/json';

/** JSON text spliced in as it is: numbers JavaScript cannot hold, nesting too deep to build. */
export class RawJson {
  constructor(readonly text: string) {}
  toString(): string {
    return `RawJson(${this.text.length > 60 ? `${this.text.slice(0, 60)}… (${this.text.length} chars)` : this.text})`;
  }
}

/** A request body as sent: the bytes are `text`, optionally compressed (see `compress`). */
export interface WireBody {
  /** what kind of body this is, for the report of a failing case */
  kind: string;
  /** undefined: no body at all */
  text?: string;
  contentType?: string;
  contentEncoding?: string;
  /** compress `text` with `contentEncoding` for real; false sends it as it is (a lie) */
  compress?: boolean;
}

/**
 * JSON text for a value that may hold {@link RawJson} parts and own `__proto__` keys; undefined
 * where JSON.stringify would drop the value. Recursive, so only for values of modest depth.
 */
export function toJsonText(value: unknown): string | undefined {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map((v) => toJsonText(v) ?? 'null').join(',')}]`;
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object') {
    const parts: string[] = [];
    for (const [k, v] of Object.entries(value)) {
      const text = toJsonText(v);
      if (text !== undefined) parts.push(`${JSON.stringify(k)}:${text}`);
    }
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function jsonBody(value: unknown, kind: string): WireBody {
  return { kind, text: toJsonText(value), contentType: JSON_TYPE };
}

/** Keys that have bitten JavaScript servers: prototype pollution and shadowed built-ins. */
export const DANGEROUS_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'then',
  '__defineGetter__',
  '',
] as const;

/** An object with `key` as an own property, even `__proto__` (an assignment would not make one). */
function withOwn(target: Record<string, unknown>, key: string, value: unknown) {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return target;
}

/** Any code points, lone surrogates included (built once: building it is slow). */
const binaryText = fc.string({ unit: 'binary', maxLength: 100 });

/** Strings that break naive code: control characters, NUL, odd Unicode, injections, paths. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  binaryText,
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfffy',
    '\u202eevil',
    '\ufeffbom',
    '\u200b',
    '💥🔥'.repeat(5),
    'Ω≈ç√∫',
    'ｆｕｌｌｗｉｄｔｈ',
    'e\u0301\u0301\u0301',
    '\r\nX-Injected: 1',
    '<script>alert(1)</script>',
    "'; DROP TABLE users; --",
    '../../etc/passwd',
    '%00%2e%2e',
    '${jndi:ldap://x}',
    '{{7*7}}',
    'null',
    'true',
    '0',
    '-1',
    '1e999',
    'NaN',
    '0x10',
    '2026-13-45T25:61:61Z',
    'http://169.254.169.254/latest/meta-data',
    'https://user:pass@example.com:99999/',
  ),
);

/**
 * Regular expressions for the fields users fill with one (a websocket's `expect.matches`, a
 * canary's regex extractions): patterns that backtrack catastrophically on JavaScript's RegExp
 * (RE2 runs them in linear time: accepted), patterns RE2 refuses (backreferences, lookarounds,
 * programs too large: 400), broken ones, and random strings of regex tokens.
 */
export const CATASTROPHIC_PATTERNS = [
  '^(a+)+$',
  '(a|aa)+$',
  '^(a|a?)+$',
  '(x+x+)+y',
  '^(\\w+\\s?)*$',
  '^(([a-z])+.)+[A-Z]([a-z])+$',
  '(.*a){20}',
  '(a*)*(a*)*(a*)*$',
  '^(\\d+|\\d+\\.\\d+)+$',
  '(?:a|b|ab){200}',
  '(?i)^(a+)+$',
] as const;

export const RE2_REFUSED_PATTERNS = [
  '(a)\\1',
  '(?<n>a)\\k<n>',
  '(?=a)',
  '(?!a)b',
  '(?<=a)b',
  '(?<!a)b',
  '\\u00e9',
  '(?:a?){500}a{500}',
  '.{0,1000}',
  'a{1001}',
  '((a{100}){100})',
  '(',
  '[a-',
  'a**',
  '(?P<x',
] as const;

const regexToken = fc.constantFrom(
  'a',
  '.',
  '\\d',
  '\\w',
  '\\1',
  '\\',
  '(',
  ')',
  '(?:',
  '(?=',
  '(?<=',
  '(?<n>',
  '[',
  ']',
  '[^a-z]',
  '|',
  '+',
  '*',
  '?',
  '{2,5}',
  '{1000}',
  '^',
  '$',
  '\\p{L}',
  '(?i)',
);

export const regexPattern: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...CATASTROPHIC_PATTERNS) },
  { weight: 3, arbitrary: fc.constantFrom(...RE2_REFUSED_PATTERNS) },
  { weight: 2, arbitrary: fc.array(regexToken, { maxLength: 40 }).map((t) => t.join('')) },
  { weight: 1, arbitrary: nastyString },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: 100, max: 600 })
      .map((depth) => `${'('.repeat(depth)}a${')'.repeat(depth)}`),
  },
);

/** A long string: up to 100 kB, and now and then over the 256 kB body limit. */
export const hugeString: fc.Arbitrary<string> = fc
  .record({
    length: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 1_000, max: 20_000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 300_000 }) },
    ),
    char: fc.constantFrom('x', 'é', '💥', '"'),
  })
  .map(({ length, char }) => char.repeat(Math.ceil(length / char.length)));

/** Arrays or objects nested up to 40,000 deep, as raw JSON (too deep to build as values). */
export const deepNesting: fc.Arbitrary<RawJson> = fc
  .record({
    depth: fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 20, max: 200 }) },
      { weight: 1, arbitrary: fc.integer({ min: 200, max: 40_000 }) },
    ),
    kind: fc.constantFrom('array', 'object', 'mixed'),
  })
  .map(({ depth, kind }) => {
    if (kind === 'array') return new RawJson(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    if (kind === 'object') return new RawJson(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
    return new RawJson(`${'{"a":['.repeat(depth)}${']}'.repeat(depth)}`);
  });

/** Numbers at and past the edges of what JSON, JavaScript and PostgreSQL hold. */
export const edgeNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1.5,
    0.1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53 + 2,
    -(2 ** 53),
    1e308,
    -1e308,
    5e-324,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.constantFrom(
    new RawJson('1e999'),
    new RawJson('-1e999'),
    new RawJson('123456789012345678901234567890123456789'),
    new RawJson('-0.0'),
    new RawJson('1E+2'),
  ),
  fc.maxSafeInteger(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Objects whose keys try to pollute prototypes or shadow built-ins. */
export const pollutingObject: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    key: fc.constantFrom(...DANGEROUS_KEYS),
    value: fc.oneof(
      fc.constant<unknown>({ polluted: true, isAdmin: true }),
      fc.constant<unknown>({ prototype: { polluted: true } }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  })
  .map(({ key, value }) => withOwn({}, key, value));

/** A value of any wrong shape, but short: for headers, which cannot carry much. */
export const shortWeirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], [[]], '') },
  { weight: 3, arbitrary: edgeNumber },
  { weight: 4, arbitrary: nastyString },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: pollutingObject },
);

/** A value of any wrong shape, for one field of an otherwise valid body. */
export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 12, arbitrary: shortWeirdValue },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 5 }) },
);

type Path = (string | number)[];

/** Every path into a JSON-like value: each key of each object, each index of each array. */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => [[...prefix, i], ...pathsOf(v, [...prefix, i])]);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      [...prefix, k],
      ...pathsOf(v, [...prefix, k]),
    ]);
  }
  return [];
}

/** Paths to the objects and arrays inside a value, the value itself first. */
function containersOf(value: unknown): Path[] {
  return [[], ...pathsOf(value)].filter((p) => {
    const v = at(value, p);
    return v !== null && typeof v === 'object';
  });
}

function at(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
}

/** A copy of `value` with `change` applied to the container holding the end of `path`. */
function edit(
  value: unknown,
  path: Path,
  change: (container: Record<string | number, unknown>, key: string | number) => void,
): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, unknown>;
  const key = path[path.length - 1];
  if (key === undefined) return copy;
  change(parent, key);
  return copy;
}

/** A key to add: a dangerous one or any short string. */
const extraKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...DANGEROUS_KEYS),
  fc.string({ maxLength: 20 }),
);

/** One thing to break in a body; `pick` chooses the place among those the body has. */
type Mutation =
  | { op: 'none' }
  | { op: 'replace'; pick: number; value: unknown }
  | { op: 'remove'; pick: number }
  | { op: 'extra'; pick: number; key: string; value: unknown };

function mutate(body: Record<string, unknown>, m: Mutation): WireBody {
  const paths = pathsOf(body);
  if (m.op === 'none') return jsonBody(body, 'valid');
  if (m.op === 'extra' || paths.length === 0) {
    const containers = containersOf(body);
    const container = containers[m.pick % containers.length] ?? [];
    const key = m.op === 'extra' ? m.key : '';
    const value = m.op === 'remove' ? null : m.value;
    const copy = structuredClone<Record<string, unknown>>(body);
    const target = at(copy, container) as Record<string, unknown>;
    if (Array.isArray(target)) target.push(value);
    else withOwn(target, key, value);
    return jsonBody(copy, `extra key ${JSON.stringify(key)} at ${JSON.stringify(container)}`);
  }
  const path = paths[m.pick % paths.length] ?? [];
  if (m.op === 'replace') {
    const copy = edit(body, path, (parent, key) => {
      parent[key] = m.value;
    });
    return jsonBody(copy, `field ${JSON.stringify(path)} replaced`);
  }
  const copy = edit(body, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  });
  return jsonBody(copy, `field ${JSON.stringify(path)} removed`);
}

/**
 * Valid bodies with exactly one thing wrong: a field set to a value of the wrong kind, a field
 * missing, or one key too many (anywhere, dangerous keys included). The valid body itself is in
 * the mix too, so the success path keeps being exercised.
 */
export function nearValid(
  valid: fc.Arbitrary<Record<string, unknown>>,
  weird: fc.Arbitrary<unknown> = weirdValue,
): fc.Arbitrary<WireBody> {
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    fc.constant<Mutation>({ op: 'none' }),
    fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: weird }),
    fc.record({ op: fc.constant('remove' as const), pick: fc.nat() }),
    fc.record({ op: fc.constant('extra' as const), pick: fc.nat(), key: extraKey, value: weird }),
  );
  return fc.tuple(valid, mutation).map(([body, m]) => mutate(body, m));
}

const BAD_JSON = [
  '',
  ' ',
  '{',
  '}',
  '{"a":}',
  "{'a':1}",
  '[1,2,]',
  '{"a":1,}',
  'NaN',
  'Infinity',
  'undefined',
  '{"a":1}}',
  '{"a":1} trailing',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '"\u0000"',
  '\u0000',
  '//{}',
  '{"a":1}\n{"b":2}',
] as const;

/** Valid-looking JSON that a server should still refuse or ignore. */
const ODD_JSON = [
  'null',
  '0',
  '-1',
  'true',
  '"a string"',
  '[]',
  '[{}]',
  '{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"a":1,"a":2}',
] as const;

const WRONG_TYPES = [
  '',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/json; charset=nope',
  'application/merge-patch+json',
  'application/vnd.api+json',
  'application/json, text/plain',
  '*/*',
  'application/json; boundary=x; charset=utf-8',
  'APPLICATION/JSON',
] as const;

const ENCODINGS = [
  'gzip',
  'deflate',
  'br',
  'gzip, deflate',
  'identity',
  'x-unknown',
  'GZIP',
] as const;

type Malformation =
  | { kind: 'truncated JSON'; pick: number }
  | { kind: 'bad or odd JSON'; text: string }
  | { kind: 'byte order mark' | 'twice' | 'form-encoded' | 'no content type' | 'no body' }
  | { kind: 'random text as JSON'; text: string }
  | { kind: 'wrong content type'; contentType: string }
  | { kind: 'content encoding'; contentEncoding: string; compress: boolean }
  | { kind: 'over the body limit' };

const malformation: fc.Arbitrary<Malformation> = fc.oneof(
  fc.record({ kind: fc.constant('truncated JSON' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('bad or odd JSON' as const),
    text: fc.constantFrom(...BAD_JSON, ...ODD_JSON),
  }),
  fc.record({
    kind: fc.constantFrom(
      'byte order mark' as const,
      'twice' as const,
      'form-encoded' as const,
      'no content type' as const,
      'no body' as const,
    ),
  }),
  fc.record({
    kind: fc.constant('random text as JSON' as const),
    text: binaryText,
  }),
  fc.record({
    kind: fc.constant('wrong content type' as const),
    contentType: fc.constantFrom(...WRONG_TYPES),
  }),
  fc.record({
    kind: fc.constant('content encoding' as const),
    contentEncoding: fc.constantFrom(...ENCODINGS),
    compress: fc.boolean(),
  }),
  fc.constant<Malformation>({ kind: 'over the body limit' }),
);

function malform(body: Record<string, unknown>, m: Malformation): WireBody {
  const text = JSON.stringify(body);
  const json = (t: string): WireBody => ({ kind: m.kind, text: t, contentType: JSON_TYPE });
  switch (m.kind) {
    case 'truncated JSON':
      return json(text.slice(0, m.pick % Math.max(1, text.length)));
    case 'bad or odd JSON':
    case 'random text as JSON':
      return json(m.text);
    case 'byte order mark':
      return json(`\ufeff${text}`);
    case 'twice':
      return json(`${text}${text}`);
    case 'form-encoded':
      return {
        kind: m.kind,
        text: Object.keys(body)
          .map((k) => `${encodeURIComponent(k)}=x&${encodeURIComponent(k)}[a]=1`)
          .join('&'),
        contentType: 'application/x-www-form-urlencoded',
      };
    case 'no content type':
      return { kind: m.kind, text };
    case 'no body':
      return { kind: m.kind, contentType: JSON_TYPE };
    case 'wrong content type':
      return { kind: m.kind, text, contentType: m.contentType };
    case 'content encoding':
      return {
        kind: m.compress ? 'compressed' : 'not compressed as claimed',
        text,
        contentType: JSON_TYPE,
        contentEncoding: m.contentEncoding,
        compress: m.compress,
      };
    case 'over the body limit':
      return json(JSON.stringify({ ...body, padding: 'x'.repeat(300_000) }));
  }
}

/** Bodies that are not what they claim: bad JSON, wrong types and encodings, too large. */
export function malformedBody(
  valid: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<WireBody> {
  return fc.tuple(valid, malformation).map(([body, m]) => malform(body, m));
}

/**
 * Bodies for a write endpoint: mostly near-valid, then random JSON of any shape, anything
 * fast-check can make (serialised), and malformed bodies.
 */
export function bodyFor(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<WireBody> {
  return fc.oneof(
    { weight: 6, arbitrary: nearValid(valid) },
    { weight: 2, arbitrary: fc.jsonValue().map((v) => jsonBody(v, 'random JSON')) },
    { weight: 1, arbitrary: fc.anything().map((v) => jsonBody(v, 'anything')) },
    { weight: 3, arbitrary: malformedBody(valid) },
  );
}

/** Path segments that are not valid percent-encoding, or odd in other ways. */
const ODD_SEGMENTS = [
  '%',
  '%E0%A4%A',
  '%ZZ',
  '%00',
  '%C0%AF',
  '%2F',
  '%2F..%2F',
  '..',
  '.',
  '%2e%2e',
  '%20',
  'null',
  'undefined',
  '0',
  '-1',
  '1e999',
  '__proto__',
  'constructor',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '{00000000-0000-0000-0000-000000000000}',
  'a'.repeat(5_000),
] as const;

const encodedText = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 60 })
  .map(encodeURIComponent);

/**
 * One path segment, already encoded for the request line: mostly one of `known` (so the request
 * gets past the lookup), else a random uuid, random text, or something malformed.
 */
export function pathSegment(known: readonly string[]): fc.Arbitrary<string> {
  const options: { weight: number; arbitrary: fc.Arbitrary<string> }[] = [
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: encodedText },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_SEGMENTS) },
  ];
  if (known.length > 0) {
    options.push(
      { weight: 10, arbitrary: fc.constantFrom(...known) },
      { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => id.toUpperCase()) },
      { weight: 1, arbitrary: fc.constantFrom(...known).map((id) => `${id}x`) },
    );
  }
  return fc.oneof(...options);
}

/** Header values a client could send (printable ASCII, as HTTP allows), odd ones included. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'grapheme-ascii', maxLength: 80 }),
  fc.base64String({ maxLength: 200 }),
  fc.constantFrom('', ' ', 'null', 'Bearer', 'Bearer ', 'Basic', 'Basic Og==', 'x'.repeat(4_000)),
);

const hexBytes = (bytes: number): fc.Arbitrary<string> =>
  fc
    .uint8Array({ minLength: bytes, maxLength: bytes })
    .map((b) => `0x${Buffer.from(b).toString('hex')}`);

/** An address with its letters in any case: mostly a broken EIP-55 checksum. */
function anyCase(address: string): fc.Arbitrary<string> {
  const digits = address.slice(2).toLowerCase();
  return fc
    .array(fc.boolean(), { minLength: digits.length, maxLength: digits.length })
    .map((upper) => `0x${[...digits].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('')}`);
}

/**
 * An x402 payment header (`PAYMENT-SIGNATURE` / `X-PAYMENT`): base64 JSON shaped like an
 * exact-scheme EVM payment to `payTo`, v1 or v2, then broken like any near-valid body; or
 * base64 of random JSON. The signatures are random bytes, so none can settle.
 */
export function x402PaymentHeader(o: { payTo: string; from: string }): fc.Arbitrary<string> {
  const payment = fc
    .record({
      version: fc.constantFrom(1, 2),
      from: fc.oneof(fc.constant(o.from), anyCase(o.from)),
      to: fc.oneof(fc.constant(o.payTo), anyCase(o.payTo)),
      signature: hexBytes(65),
      nonce: hexBytes(32),
    })
    .map(({ version, from, to, signature, nonce }): Record<string, unknown> => {
      const payload = {
        signature,
        authorization: {
          from,
          to,
          value: '20000000',
          validAfter: '0',
          validBefore: String(Math.floor(Date.now() / 1000) + 3_600),
          nonce,
        },
      };
      return version === 1
        ? { x402Version: 1, scheme: 'exact', network: 'avalanche-fuji', payload }
        : {
            x402Version: 2,
            accepted: {
              scheme: 'exact',
              network: 'eip155:43113',
              asset: '0x5425890298aed601595a70AB815c96711a31Bc65',
              amount: '20000000',
              payTo: to,
            },
            payload,
          };
    });
  const base64 = (text: string | undefined) => Buffer.from(text ?? '').toString('base64');
  return fc.oneof(
    { weight: 4, arbitrary: nearValid(payment, shortWeirdValue).map((body) => base64(body.text)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => base64(JSON.stringify(v))) },
  );
}
