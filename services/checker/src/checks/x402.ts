import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { X402_V1_NETWORKS, type HttpTarget, type X402Target } from '@lighthouse/domain';
import { formatUnits, parseUnits } from 'ethers';
import { z } from 'zod';
import { excerpt } from './assertions';
import { oneLine } from './errors';
import { createHttpChecker, type HttpChecker, type HttpResponse } from './http';
import type { Probes } from './probes';
import type { CheckResult, CheckRunner, SlotContext } from './types';

// An x402 paid resource, asked without paying: it must answer 402 with terms a client can pay
// (v2: the PAYMENT-REQUIRED header; v1: the JSON body), matching what the user asserts. The
// terms are stored as the check's value_text, so the next check can say what changed.

/** One way to pay, as the terms offer it: v1 and v2 read alike. */
export interface Offer {
  scheme: string;
  /** CAIP-2; v1 names translated */
  network: string;
  asset: string;
  /** atomic units */
  amount: string;
  payTo: string;
}

/** A PAYMENT-REQUIRED header longer than this is not read (the body limit bounds v1). */
const MAX_HEADER_CHARS = 64 * 1024;
const MAX_OFFERS = 50;

const text = (max: number) => z.string().min(1).max(max);
const atomic = z
  .string()
  .regex(/^\d{1,78}$/, 'must be a whole number of atomic units')
  .or(z.number().int().nonnegative().transform(String));

/** A v2 way to pay, read as an {@link Offer}. */
const v2Offer = z
  .object({
    scheme: text(64),
    network: text(64),
    asset: text(128),
    amount: atomic,
    payTo: text(128),
  })
  .loose()
  .transform((o): Offer => ({
    scheme: o.scheme,
    network: o.network,
    asset: o.asset,
    amount: o.amount,
    payTo: o.payTo,
  }));
/** A v1 way to pay, read as an {@link Offer}: its network named by CAIP-2. */
const v1Offer = z
  .object({
    scheme: text(64),
    network: text(64),
    asset: text(128),
    maxAmountRequired: atomic,
    payTo: text(128),
  })
  .loose()
  .transform((o): Offer => ({
    scheme: o.scheme,
    network: X402_V1_NETWORKS[o.network] ?? o.network,
    asset: o.asset,
    amount: o.maxAmountRequired,
    payTo: o.payTo,
  }));
/** A catalog's listing, of either version. */
const anyOffer = z.union([v2Offer, v1Offer]);
const offers = <T extends z.ZodType>(offer: T) =>
  z
    .array(offer)
    .min(1, 'lists no way to pay')
    .max(MAX_OFFERS, `lists more than ${MAX_OFFERS} ways to pay`);
const termsSchema = z.discriminatedUnion('x402Version', [
  z.object({ x402Version: z.literal(2), accepts: offers(v2Offer) }).loose(),
  z.object({ x402Version: z.literal(1), accepts: offers(v1Offer) }).loose(),
]);

/** The facilitator's `GET /supported`. */
const supportedSchema = z
  .object({
    kinds: z
      .array(z.object({ scheme: z.string().max(64), network: z.string().max(64) }).loose())
      .max(1000),
  })
  .loose();

/** A discovery catalog's listing (the bazaar's `GET /discovery/resources`). */
const catalogSchema = z
  .object({
    items: z
      .array(
        z
          .object({
            resource: z.string().max(4096),
            accepts: z.array(z.unknown()).max(MAX_OFFERS).optional(),
          })
          .loose(),
      )
      .max(10_000),
  })
  .loose();

type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Why a parse failed, naming where: `accepts[0].amount must be a whole number…`. */
function problemOf(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid';
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
  return path === '' ? issue.message : `${path} ${issue.message}`;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** The terms a 402 carries: the v2 header first, else the v1 (or v2) JSON body. */
export function readTerms(response: Pick<HttpResponse, 'headers' | 'body' | 'truncated'>): Read<{
  version: 1 | 2;
  offers: Offer[];
}> {
  const header = response.headers['payment-required'];
  const raw = Array.isArray(header) ? header[0] : header;
  let json: unknown;
  let where: string;
  if (raw !== undefined) {
    where = 'the PAYMENT-REQUIRED header';
    const trimmed = raw.trim();
    if (trimmed.length > MAX_HEADER_CHARS || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) {
      return { ok: false, problem: `${where} is not base64` };
    }
    json = parseJson(Buffer.from(trimmed, 'base64').toString('utf8'));
    if (json === undefined) return { ok: false, problem: `${where} is not base64 JSON` };
  } else {
    where = 'the body';
    json = response.truncated ? undefined : parseJson(response.body.toString('utf8'));
    if (json === undefined) {
      return {
        ok: false,
        problem: 'no payment terms: no PAYMENT-REQUIRED header, and the body is not x402 JSON',
      };
    }
  }
  const parsed = termsSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: `${where} is not x402 terms: ${problemOf(parsed.error)}` };
  }
  const terms = parsed.data;
  return { ok: true, value: { version: terms.x402Version, offers: terms.accepts } };
}

/** Addresses compare without case (EVM checksums); other names exactly. */
const same = (a: string, b: string) =>
  a === b || (a.startsWith('0x') && b.startsWith('0x') && a.toLowerCase() === b.toLowerCase());

/** `exact on eip155:8453, 0.01 of 0x8335… to 0xabc…` */
function describeOffer(offer: Offer, decimals: number): string {
  return `${offer.scheme} on ${offer.network}, ${price(offer.amount, decimals)} of ${offer.asset} to ${offer.payTo}`;
}

function price(amount: string, decimals: number): string {
  return formatUnits(BigInt(amount), decimals);
}

/** The offer the user's assertions pick (scheme, network, asset, pay_to), or why none does. */
export function chooseOffer(config: X402Target, list: Offer[], previous?: Offer): Read<Offer> {
  const matching = list.filter(
    (o) =>
      o.scheme === config.scheme &&
      (config.network === undefined || o.network === config.network) &&
      (config.asset === undefined || same(o.asset, config.asset)) &&
      (config.pay_to === undefined || same(o.payTo, config.pay_to)),
  );
  // several ways to pay: the one seen last, so that a reordered list is no change
  const chosen =
    (previous &&
      matching.find(
        (o) =>
          o.scheme === previous.scheme &&
          o.network === previous.network &&
          same(o.asset, previous.asset),
      )) ??
    matching[0];
  if (chosen) return { ok: true, value: chosen };
  const wanted = [
    config.scheme,
    config.network && `on ${config.network}`,
    config.asset && `in ${config.asset}`,
    config.pay_to && `to ${config.pay_to}`,
  ]
    .filter(Boolean)
    .join(' ');
  const offered = list
    .slice(0, 3)
    .map((o) => describeOffer(o, config.decimals))
    .join('; ');
  return {
    ok: false,
    problem: `no way to pay matches ${wanted}: offered ${offered}${list.length > 3 ? '; …' : ''}`,
  };
}

/**
 * Which resource terms were read from: a digest of the method and URL (the URL itself may
 * carry a key in its query, and stored values are shown). Terms of another resource (the
 * config changed) are not compared.
 */
export function resourceDigest(config: Pick<X402Target, 'method' | 'url'>): string {
  return createHash('sha256').update(`${config.method} ${config.url}`).digest('hex').slice(0, 16);
}

/** The terms to store as value_text: the offer, and the resource it came from. */
export function storedOffer(offer: Offer, digest: string): string {
  return JSON.stringify({ ...offer, resource: digest });
}

/** What stored terms say, for the next check; undefined when they are not this resource's. */
export function parseStoredOffer(
  stored: string | null | undefined,
  digest: string,
): Offer | undefined {
  if (!stored?.startsWith('{')) return undefined;
  const parsed = z
    .object({
      scheme: z.string(),
      network: z.string(),
      asset: z.string(),
      amount: z.string().regex(/^\d{1,78}$/),
      payTo: z.string(),
      resource: z.literal(digest),
    })
    .safeParse(parseJson(stored));
  if (!parsed.success) return undefined;
  const { resource: _resource, ...offer } = parsed.data;
  return offer;
}

/** What changed since the last terms the check saw: price, asset, recipient. */
export function changesSince(before: Offer, now: Offer, decimals: number): string[] {
  const changes: string[] = [];
  if (!same(before.asset, now.asset))
    changes.push(`asset changed from ${before.asset} to ${now.asset}`);
  if (BigInt(before.amount) !== BigInt(now.amount)) {
    changes.push(
      `price changed from ${price(before.amount, decimals)} to ${price(now.amount, decimals)}`,
    );
  }
  if (!same(before.payTo, now.payTo))
    changes.push(`payTo changed from ${before.payTo} to ${now.payTo}`);
  return changes;
}

/**
 * The x402 check: 402 with readable terms that match the assertions, optionally a facilitator
 * that supports them and a catalog that lists the resource at that price. `down` when the
 * resource answers anything but a readable 402 (a 2xx unpaid above all) or the terms fail an
 * assertion; `degraded` when price, asset or recipient changed since the last check, or the
 * catalog does not list it as it charges.
 */
export function createX402Checker(
  probes: Pick<Probes, 'http'>,
): CheckRunner<X402Target, SlotContext> {
  const { exchange } = createHttpChecker(probes);
  return async (config, ctx) => {
    const started = performance.now();
    const left = () => Math.max(1, Math.floor(config.timeout_ms - (performance.now() - started)));
    const paid = await exchange(
      request({
        url: config.url,
        method: config.method,
        headers: config.headers,
        body: config.body,
        timeout_ms: config.timeout_ms,
        valid_status_codes: [402],
      }),
      ctx,
    );
    const { result, response } = paid;
    if (response === undefined) return result;
    const base: CheckResult = { ...result, body_excerpt: null };
    const down = (category: 'status' | 'assertion', message: string): CheckResult => ({
      ...base,
      status: 'down',
      error_category: category,
      error_message: oneLine(message, 400),
      body_excerpt: excerpt(response.body),
    });
    if (response.status >= 200 && response.status < 300) {
      return down(
        'status',
        `answered ${response.status} without payment: the resource is not behind x402`,
      );
    }
    if (response.status !== 402) {
      return down('status', `unexpected status ${response.status}, expected 402 Payment Required`);
    }
    const terms = readTerms(response);
    if (!terms.ok) return down('assertion', `unreadable payment terms: ${terms.problem}`);
    // a database error here fails the job (and BullMQ retries the slot): it is not the target's
    const digest = resourceDigest(config);
    const previous = parseStoredOffer(
      (await ctx.history.latestValue(ctx.slot))?.value_text,
      digest,
    );
    const chosen = chooseOffer(config, terms.value.offers, previous);
    if (!chosen.ok) return down('assertion', chosen.problem);
    const offer = chosen.value;
    const measured: CheckResult = {
      ...base,
      value: Number(price(offer.amount, config.decimals)),
      value_text: storedOffer(offer, digest),
    };

    const problems: string[] = [];
    if (
      config.max_price !== undefined &&
      BigInt(offer.amount) > parseUnits(config.max_price, config.decimals)
    ) {
      problems.push(
        `price ${price(offer.amount, config.decimals)} is above max_price ${config.max_price}`,
      );
    }
    let category: 'status' | 'assertion' | null = problems.length > 0 ? 'assertion' : null;
    if (problems.length === 0 && config.facilitator_url !== undefined) {
      const problem = await checkFacilitator(exchange, ctx, config.facilitator_url, offer, left());
      if (problem !== null) {
        problems.push(problem.message);
        category = problem.category;
      }
    }
    const notes: string[] = [];
    if (problems.length === 0 && config.discovery_url !== undefined) {
      const note = await checkCatalog(exchange, ctx, config, offer, left());
      if (note !== null) notes.push(note);
    }
    const changes = previous ? changesSince(previous, offer, config.decimals) : [];
    if (problems.length > 0) {
      return {
        ...measured,
        status: 'down',
        error_category: category,
        error_message: oneLine([...problems, ...changes].join('; '), 400),
      };
    }
    const warnings = [...changes, ...notes];
    if (warnings.length === 0) return { ...measured, status: 'up' };
    return {
      ...measured,
      status: 'degraded',
      error_category: null,
      error_message: oneLine(warnings.join('; '), 400),
    };
  };
}

function request(
  fields: Pick<HttpTarget, 'url' | 'method' | 'headers' | 'timeout_ms'> & {
    body?: string | undefined;
    valid_status_codes: HttpTarget['valid_status_codes'];
  },
): HttpTarget {
  return {
    follow_redirects: true,
    max_redirects: 5,
    ...fields,
    body: fields.body,
  };
}

/**
 * A JSON document over GET, read with `schema`. Not ok: `problem` says why it could not be
 * fetched (the probe's own message), or is undefined when it came but is not that document.
 */
async function getJson<S extends z.ZodType>(
  exchange: HttpChecker['exchange'],
  ctx: SlotContext,
  url: string,
  schema: S,
  timeoutMs: number,
): Promise<{ ok: true; value: z.output<S> } | { ok: false; problem: string | undefined }> {
  const { result, response } = await exchange(
    request({
      url,
      method: 'GET',
      headers: { accept: 'application/json' },
      timeout_ms: timeoutMs,
      valid_status_codes: ['200-299'],
    }),
    ctx,
  );
  if (result.status === 'down' || response === undefined) {
    return { ok: false, problem: result.error_message ?? 'no answer' };
  }
  const parsed = schema.safeParse(
    response.truncated ? undefined : parseJson(response.body.toString('utf8')),
  );
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: undefined };
}

/** Whether the facilitator's `GET /supported` lists the offer's scheme on its network. */
async function checkFacilitator(
  exchange: HttpChecker['exchange'],
  ctx: SlotContext,
  base: string,
  offer: Offer,
  timeoutMs: number,
): Promise<{ category: 'status' | 'assertion'; message: string } | null> {
  const url = new URL(base);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/supported`;
  const where = `the facilitator at ${url.host}`;
  const read = await getJson(exchange, ctx, url.toString(), supportedSchema, timeoutMs);
  if (!read.ok) {
    const message =
      read.problem === undefined
        ? `${where} answered /supported with no list of kinds`
        : `${where}: ${read.problem}`;
    return { category: 'status', message };
  }
  const listed = read.value.kinds.some(
    (k) =>
      k.scheme === offer.scheme && (X402_V1_NETWORKS[k.network] ?? k.network) === offer.network,
  );
  return listed
    ? null
    : {
        category: 'assertion',
        message: `${where} does not support ${offer.scheme} on ${offer.network}`,
      };
}

/** `https://a.example/x/` and `https://a.example/x` are one resource. */
const resourceKey = (url: string): string => {
  const parsed = URL.parse(url);
  if (!parsed) return url;
  parsed.hash = '';
  return parsed.toString().replace(/\/+$/, '');
};

/** Why the catalog does not list the resource as it charges; null when it does. */
async function checkCatalog(
  exchange: HttpChecker['exchange'],
  ctx: SlotContext,
  config: X402Target,
  offer: Offer,
  timeoutMs: number,
): Promise<string | null> {
  const url = config.discovery_url ?? '';
  const where = `the discovery catalog at ${new URL(url).host}`;
  const read = await getJson(exchange, ctx, url, catalogSchema, timeoutMs);
  if (!read.ok) {
    return read.problem === undefined
      ? `${where} answered with no list of items`
      : `${where}: ${read.problem}`;
  }
  const key = resourceKey(config.url);
  const item = read.value.items.find((i) => resourceKey(i.resource) === key);
  if (!item) return `not listed in ${where}`;
  const listed = (item.accepts ?? []).flatMap((a) => {
    const read = anyOffer.safeParse(a);
    return read.success ? [read.data] : [];
  });
  const match = listed.find(
    (o) => o.scheme === offer.scheme && o.network === offer.network && same(o.asset, offer.asset),
  );
  if (!match) return null; // listed without terms for this way to pay: nothing to compare
  const drift: string[] = [];
  if (BigInt(match.amount) !== BigInt(offer.amount)) {
    drift.push(
      `listed at ${price(match.amount, config.decimals)} in ${where}, charges ${price(offer.amount, config.decimals)}`,
    );
  }
  if (!same(match.payTo, offer.payTo)) {
    drift.push(`listed payTo ${match.payTo} in ${where}, asks for ${offer.payTo}`);
  }
  return drift.length === 0 ? null : drift.join('; ');
}
