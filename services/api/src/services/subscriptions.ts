import type * as contract from '@lighthouse/contracts';
import {
  audit,
  checkers,
  decodeCursor,
  encodeCursor,
  instance,
  maintenance,
  subscriptions,
  users,
  type StoredChannel,
  type Subscription,
  type SubscriptionFilter,
} from '@lighthouse/db';
import {
  CHANNEL_TYPE_NAMES,
  MAX_REGIONS,
  QUORUM_WORDS,
  REGION_PATTERN,
  TARGET_TYPE_NAMES,
  parseQuorum,
  channelTypes,
  defaultInterval,
  describeTarget,
  fieldIssues,
  hasPlaceholder,
  inMaintenance,
  isChannelType,
  isMasked,
  isTargetType,
  languageSchema,
  maskChannelConfig,
  maskTarget,
  placeholdersIn,
  resumeSlot,
  slotOffsetMs,
  targetTypes,
  type ChannelTypeName,
  type Language,
  type MaintenanceWindowRule,
  type Quorum,
  type TargetTypeName,
  type Tier,
} from '@lighthouse/domain';
import { AppError, targetAccessOf, type FieldIssue } from '@lighthouse/shared';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import type { AppContext } from '../context';
import { refusedDestinations } from './destinations';
import { issuePushToken } from './heartbeats';
import { applyPayment, extendedExpiry, takePayment, type TakenPayment } from './payments';

const MAX_CHANNELS_PER_REQUEST = 20;
/** the tier a service-mode subscription gets when it names none */
const DEFAULT_TIER = 'free';

/**
 * Region names (GET /v1/regions), each once; `absent` says how to ask for the instance's
 * default instead ("be null", "be left out").
 */
export const regionList = (absent: string) =>
  z
    .array(
      z
        .string({ error: 'must be a region name' })
        .regex(REGION_PATTERN, 'must be a region name: lower-case letters, digits and dashes'),
      { error: `must be a list of region names (GET /v1/regions), or ${absent} for the default` },
    )
    .min(1, `must name at least one region, or ${absent} for the default`)
    .max(MAX_REGIONS, `must name at most ${MAX_REGIONS} regions`)
    .refine((list) => new Set(list).size === list.length, 'must not name a region twice');

const channelInputSchema = z.strictObject({
  id: z.uuid('must be the id of an existing channel').optional(),
  type: z.string({ error: `is required: one of ${CHANNEL_TYPE_NAMES.join(', ')}` }).optional(),
  config: z.record(z.string(), z.unknown(), { error: 'must be an object' }).optional(),
  /** null: the owner's preferred language */
  language: languageSchema.nullable().optional(),
});

const common = {
  name: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  target_config: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
  tier: z.string({ error: 'must be a string' }).min(1).max(32),
  alert_channels: z
    .array(channelInputSchema, { error: 'must be a list' })
    .max(MAX_CHANNELS_PER_REQUEST, `at most ${MAX_CHANNELS_PER_REQUEST} channels`),
  check_frequency_seconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .positive('must be positive')
    .max(86_400, 'must be at most 86400 (one day)'),
  failure_threshold: z.number().int().min(1, 'must be 1-100').max(100, 'must be 1-100'),
  recovery_threshold: z.number().int().min(1, 'must be 1-100').max(100, 'must be 1-100'),
  /** after a failed check below the threshold (or a passing one while down), check again this soon */
  retry_interval_seconds: z
    .number({ error: 'must be a whole number of seconds' })
    .int('must be a whole number of seconds')
    .min(5, 'must be 5-3600')
    .max(3_600, 'must be 5-3600'),
  /** null: no reminders */
  reminder_interval_minutes: z
    .number({ error: 'must be a whole number of minutes, or null for no reminders' })
    .int('must be a whole number of minutes')
    .min(1, 'must be 1-10080 (one week), or null for no reminders')
    .max(10_080, 'must be 1-10080 (one week), or null for no reminders')
    .nullable(),
  /** null: no flapping detection */
  flapping_threshold: z
    .number({ error: 'must be a whole number of state changes, or null to turn detection off' })
    .int('must be a whole number of state changes')
    .min(2, 'must be 2-100, or null to turn flapping detection off')
    .max(100, 'must be 2-100, or null to turn flapping detection off')
    .nullable(),
  flapping_window_minutes: z
    .number({ error: 'must be a whole number of minutes' })
    .int('must be a whole number of minutes')
    .min(1, 'must be 1-1440 (one day)')
    .max(1_440, 'must be 1-1440 (one day)'),
  /** null: the instance's default region */
  regions: regionList('be null').nullable(),
  quorum: z.union([z.enum(QUORUM_WORDS), z.number().int().min(1).max(MAX_REGIONS)], {
    error: 'must be "any", "majority", "all" or a number of regions',
  }),
};

export const createSubscriptionSchema = z.strictObject({
  name: common.name.optional(),
  target_type: z.string({ error: `is required: one of ${TARGET_TYPE_NAMES.join(', ')}` }),
  target_config: common.target_config,
  /** service mode: default "free"; self-hosted: ignored (one tier) */
  tier: common.tier.optional(),
  alert_channels: common.alert_channels.default([]),
  check_frequency_seconds: common.check_frequency_seconds.optional(),
  failure_threshold: common.failure_threshold.optional(),
  recovery_threshold: common.recovery_threshold.optional(),
  retry_interval_seconds: common.retry_interval_seconds.optional(),
  reminder_interval_minutes: common.reminder_interval_minutes.optional(),
  flapping_threshold: common.flapping_threshold.optional(),
  flapping_window_minutes: common.flapping_window_minutes.optional(),
  regions: common.regions.optional(),
  quorum: common.quorum.optional(),
});

export const updateSubscriptionSchema = z.strictObject({
  name: common.name.optional(),
  target_type: z.string().optional(),
  target_config: common.target_config.optional(),
  tier: common.tier.optional(),
  alert_channels: common.alert_channels.optional(),
  check_frequency_seconds: common.check_frequency_seconds.optional(),
  failure_threshold: common.failure_threshold.optional(),
  recovery_threshold: common.recovery_threshold.optional(),
  retry_interval_seconds: common.retry_interval_seconds.optional(),
  reminder_interval_minutes: common.reminder_interval_minutes.optional(),
  flapping_threshold: common.flapping_threshold.optional(),
  flapping_window_minutes: common.flapping_window_minutes.optional(),
  regions: common.regions.optional(),
  quorum: common.quorum.optional(),
});

type ChannelInput = z.output<typeof channelInputSchema>;

/** Collects field issues so one answer can name every bad field. */
class Issues {
  readonly list: FieldIssue[] = [];
  add(field: string, message: string): void {
    this.list.push({ field, message });
  }
  zod(error: z.ZodError, base: (string | number)[]): void {
    this.list.push(...fieldIssues(error, base));
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw AppError.validation(this.list);
  }
}

export function parseWhole<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw AppError.validation([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw AppError.validation(fieldIssues(result.error));
  return result.data;
}

function resolveTier(ctx: AppContext, name: string | undefined, issues: Issues): Tier | undefined {
  // self-hosted: one tier, whatever a request (the seed's example, say) names
  if (ctx.config.LIGHTHOUSE_MODE === 'self-hosted') return ctx.tiers.values().next().value;
  if (name === undefined) name = DEFAULT_TIER;
  const tier = ctx.tiers.get(name);
  if (!tier)
    issues.add('tier', `unknown tier "${name}": one of ${[...ctx.tiers.keys()].join(', ')}`);
  return tier;
}

/**
 * Where a masked secret is sent, after and before a change: an origin (scheme, host, port), or
 * for a canary step whose host is a {{placeholder}}, what decides that host. Undefined when
 * unknown (no URL, or one that does not parse).
 */
interface SentTo {
  next: string | undefined;
  previous: string | undefined;
}

/** Keys of the URL an object's other secrets go to: a target's, a step's, a webhook's. */
const SENT_TO_KEYS = ['url', 'rpc_url', 'webhook_url'] as const;
/** Keys whose URLs are their own destinations (their secrets go with them, nowhere else). */
const DESTINATION_KEYS = new Set<string>([
  ...SENT_TO_KEYS,
  'reference_urls',
  'facilitator_url',
  'discovery_url',
]);

const MOVED =
  'is masked (****), and a stored secret is kept only while it goes to the same origin (scheme, host and port): send the secret itself again';

/**
 * Replaces masked strings in `next` with the stored values at the same place in `previous`,
 * as long as they would still go to the same origin: a URL's own password, query values or
 * masked path to that URL's origin; headers, bodies and signing secrets to the origin of the
 * URL beside them (a target's, a canary step's, a webhook's). A masked value that would go
 * elsewhere is not restored: its field is named in `issues`, so the caller sends it again.
 */
function unmask(
  next: unknown,
  previous: unknown,
  field: string,
  issues: Issues,
  sentTo?: SentTo,
): unknown {
  if (typeof next === 'string') return unmaskString(next, previous, field, issues, sentTo);
  if (Array.isArray(next)) {
    // elements with a name (canary steps) take the stored element of that name; a masked
    // string the one stored string it masks (same text before ****); others the one at
    // their position. So reordering or removing never moves a secret to another element.
    const prev = Array.isArray(previous) ? previous : [];
    const nextSteps = stepDestinations(next);
    const previousSteps = stepDestinations(prev);
    return next.map((v, i) => {
      const at = `${field}[${i}]`;
      const name = nameOf(v);
      if (typeof name === 'string') {
        const j = prev.findIndex((p) => nameOf(p) === name);
        const step = nextSteps[i];
        return unmask(
          v,
          prev[j],
          at,
          issues,
          step === undefined ? sentTo : { next: step, previous: previousSteps[j] },
        );
      }
      if (typeof v === 'string' && isMasked(v)) {
        const stem = v.slice(0, v.indexOf('****'));
        const same = prev.filter((p) => typeof p === 'string' && p.startsWith(stem));
        return unmask(v, same.length === 1 ? same[0] : prev[i], at, issues, sentTo);
      }
      return unmask(v, prev[i], at, issues, sentTo);
    });
  }
  if (next && typeof next === 'object') {
    const object = next as Record<string, unknown>;
    const prev =
      previous && typeof previous === 'object' ? (previous as Record<string, unknown>) : {};
    const key = SENT_TO_KEYS.find((k) => typeof object[k] === 'string');
    const own: SentTo | undefined =
      key === undefined
        ? undefined
        : { next: originOfText(object[key]), previous: originOfText(prev[key]) };
    const inner = within(sentTo, own);
    return Object.fromEntries(
      Object.entries(object).map(([k, v]) => [
        k,
        unmask(v, prev[k], `${field}.${k}`, issues, DESTINATION_KEYS.has(k) ? sentTo : inner),
      ]),
    );
  }
  return next;
}

function unmaskString(
  next: string,
  previous: unknown,
  field: string,
  issues: Issues,
  sentTo: SentTo | undefined,
): string {
  if (!isMasked(next) || typeof previous !== 'string') return next;
  const own = originOf(next);
  if (
    (sentTo !== undefined && (sentTo.next === undefined || sentTo.next !== sentTo.previous)) ||
    (own !== undefined && own !== originOf(previous))
  ) {
    issues.add(field, MOVED);
    return next;
  }
  return unmaskUrl(next, previous, field, issues) ?? previous;
}

/** Both destinations must stay the same: an outer one (a canary step's) and an object's own. */
function within(outer: SentTo | undefined, own: SentTo | undefined): SentTo | undefined {
  if (outer === undefined || own === undefined) return outer ?? own;
  const join = (a: string | undefined, b: string | undefined) =>
    a === undefined || b === undefined ? undefined : `${a} ${b}`;
  return { next: join(outer.next, own.next), previous: join(outer.previous, own.previous) };
}

const nameOf = (value: unknown): unknown =>
  value && typeof value === 'object' ? (value as { name?: unknown }).name : undefined;

const originOfText = (value: unknown): string | undefined =>
  typeof value === 'string' ? originOf(value) : undefined;

/** `scheme://` or a leading {{placeholder}} (a canary step's `{{base}}/path`). */
const URL_START = /^(?:[a-z][a-z0-9+.-]*:\/\/|\{\{)/i;

/**
 * The origin a URL sends to: `https://host:port`; for a canary step URL whose scheme, host or
 * port is a {{placeholder}}, that part as written. Undefined for text that is no URL.
 */
function originOf(text: string): string | undefined {
  if (!URL_START.test(text)) return undefined;
  // up to the path, without user info
  const head = (/^[^/?#]*(?:\/\/[^/?#]*)?/.exec(text)?.[0] ?? '').replace(/\/\/[^/?#]*@/, '//');
  if (hasPlaceholder(head)) return head;
  const origin = URL.parse(head)?.origin;
  return origin === undefined || origin === 'null' ? head.toLowerCase() : origin;
}

/**
 * Where each canary step sends its headers and body: its URL's origin; for a step whose
 * origin is a {{placeholder}}, that template with how each of its variables is extracted and
 * from which step (an earlier answer decides the host, so changing that step or extraction is
 * a change of destination). Undefined for elements without a URL.
 */
function stepDestinations(steps: unknown[]): (string | undefined)[] {
  const known = new Map<number, string | undefined>();
  const destination = (i: number): string | undefined => {
    if (known.has(i)) return known.get(i);
    const url = (steps[i] as { url?: unknown } | undefined)?.url;
    let origin = typeof url === 'string' ? originOf(url) : undefined;
    if (origin !== undefined && hasPlaceholder(origin)) {
      for (const name of placeholdersIn(origin)) {
        const from = definedBy(steps, i, name);
        origin += ` ${name}=${
          from === undefined ? '?' : `${from.extraction}@(${destination(from.step) ?? '?'})`
        }`;
      }
    }
    known.set(i, origin);
    return origin;
  };
  return steps.map((step, i) =>
    step && typeof step === 'object' && !Array.isArray(step) ? destination(i) : undefined,
  );
}

/** The latest step before `before` that extracts `name`, and how (from, path, header, pattern). */
function definedBy(
  steps: unknown[],
  before: number,
  name: string,
): { step: number; extraction: string } | undefined {
  for (let step = before - 1; step >= 0; step -= 1) {
    const extract = (steps[step] as { extract?: unknown } | undefined)?.extract;
    if (!Array.isArray(extract)) continue;
    const found = (extract as unknown[]).findLast(
      (e) => !!e && typeof e === 'object' && (e as { var?: unknown }).var === name,
    ) as Record<string, unknown> | undefined;
    if (found) {
      return {
        step,
        extraction: JSON.stringify([found.from, found.path, found.header, found.pattern]),
      };
    }
  }
  return undefined;
}

/** `scheme://user:****@` */
const MASKED_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)\*\*\*\*@/i;
const STORED_PASSWORD = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]*)@/i;

/**
 * A URL with a masked password or masked query values (`?api_key=****`) gets the stored ones
 * back (the value of the same name, by order among those of that name) and keeps any other
 * change. The rest stays as written: serialising would percent-encode a canary's
 * {{placeholders}}. Undefined when neither is masked.
 */
function unmaskUrl(
  next: string,
  previous: string,
  field: string,
  issues: Issues,
): string | undefined {
  const query = /\?([^#]*)/.exec(next);
  const maskedQuery = query?.[1]?.split('&').some((part) => part.endsWith('=****')) ?? false;
  if (!MASKED_PASSWORD.test(next) && !maskedQuery) return undefined;
  let url = next;
  if (MASKED_PASSWORD.test(url)) {
    const password = STORED_PASSWORD.exec(previous)?.[1];
    if (password === undefined) {
      issues.add(field, 'has a masked password (****) but none is stored: send it again');
      return next;
    }
    url = url.replace(MASKED_PASSWORD, (_m, head: string) => `${head}${password}@`);
  }
  if (!maskedQuery || query === null) return url;
  const stored = queryValues(previous);
  const seen = new Map<string, number>();
  const parts = (query[1] ?? '').split('&').map((part) => {
    const eq = part.indexOf('=');
    if (eq === -1) return part;
    const name = decodeQueryText(part.slice(0, eq));
    const nth = seen.get(name) ?? 0;
    seen.set(name, nth + 1);
    if (part.slice(eq + 1) !== '****') return part;
    const value = stored.filter((p) => p.name === name)[nth]?.value;
    if (value === undefined) {
      issues.add(
        field,
        `masks (****) the value of "${name}" in the query, which no stored value matches: send it again`,
      );
      return part;
    }
    return `${part.slice(0, eq + 1)}${value}`;
  });
  return url.replace(/\?[^#]*/, () => `?${parts.join('&')}`);
}

/** The query's values as written, each with its decoded name. */
function queryValues(url: string): { name: string; value: string }[] {
  const query = /\?([^#]*)/.exec(url)?.[1] ?? '';
  return query
    .split('&')
    .filter((part) => part.includes('='))
    .map((part) => {
      const eq = part.indexOf('=');
      return { name: decodeQueryText(part.slice(0, eq)), value: part.slice(eq + 1) };
    });
}

function decodeQueryText(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function validateTarget(
  type: string,
  config: Record<string, unknown>,
  tier: Tier | undefined,
  issues: Issues,
): Record<string, unknown> | undefined {
  if (!isTargetType(type)) {
    issues.add(
      'target_type',
      `unknown target type "${type}": one of ${TARGET_TYPE_NAMES.join(', ')}`,
    );
    return undefined;
  }
  if (tier && !tier.allowed_target_types.includes(type)) {
    issues.add(
      'target_type',
      `the ${tier.name} tier does not include "${type}" checks (it allows ${tier.allowed_target_types.join(', ')})`,
    );
  }
  const parsed = targetTypes[type].schema.safeParse(config);
  if (!parsed.success) {
    issues.zod(parsed.error, ['target_config']);
    return undefined;
  }
  return parsed.data;
}

/**
 * The regions a subscription is checked from, and its quorum: no more regions than its tier
 * allows, a number quorum no larger than the regions, one region for a heartbeat (pushed, not
 * checked from anywhere), and every region it newly names live (a checker heard from within
 * REGION_DARK_AFTER_SECONDS): an unknown or dark region is refused rather than left missing.
 */
async function validateRegions(
  ctx: AppContext,
  db: Parameters<typeof checkers.liveRegions>[0],
  wanted: { regions: string[] | null; quorum: Quorum; targetType: string },
  previous: string[] | null,
  tier: Tier | undefined,
  issues: Issues,
): Promise<void> {
  const resolved = wanted.regions ?? [ctx.config.DEFAULT_REGION];
  if (tier && resolved.length > tier.max_regions) {
    issues.add(
      'regions',
      `at most ${tier.max_regions} region${tier.max_regions === 1 ? '' : 's'} on the ${tier.name} tier (got ${resolved.length})`,
    );
  }
  if (wanted.targetType === 'heartbeat' && resolved.length > 1) {
    issues.add(
      'regions',
      'a heartbeat is pushed to Lighthouse, not checked from regions: name one',
    );
  }
  if (typeof wanted.quorum === 'number' && wanted.quorum > resolved.length) {
    issues.add(
      'quorum',
      `must be at most the number of regions (${resolved.length}), or "any", "majority" or "all"`,
    );
  }
  const added = (wanted.regions ?? []).filter((r) => !(previous ?? []).includes(r));
  if (added.length === 0) return;
  const live = await checkers.liveRegions(db, ctx.config.REGION_DARK_AFTER_SECONDS * 1000);
  const names = new Set(live.map((r) => r.region));
  const dark = added.filter((r) => !names.has(r));
  if (dark.length > 0) {
    issues.add(
      'regions',
      `no live checker in ${dark.map((r) => `"${r}"`).join(', ')}: the regions with live checkers are ${
        live.length === 0 ? 'none' : live.map((r) => r.region).join(', ')
      } (GET /v1/regions)`,
    );
  }
}

function validateFrequency(seconds: number, tier: Tier | undefined, issues: Issues): void {
  if (tier && seconds < tier.min_interval_seconds) {
    issues.add(
      'check_frequency_seconds',
      `must be at least ${tier.min_interval_seconds} on the ${tier.name} tier (got ${seconds})`,
    );
  }
}

/** Validates channel inputs; entries with an `id` keep that stored channel, updating what they give. */
function buildChannels(
  ctx: AppContext,
  inputs: ChannelInput[],
  existing: StoredChannel[],
  tier: Tier | undefined,
  issues: Issues,
): StoredChannel[] {
  if (tier && inputs.length > tier.max_channels) {
    issues.add(
      'alert_channels',
      `at most ${tier.max_channels} channels on the ${tier.name} tier (got ${inputs.length})`,
    );
  }
  const out: StoredChannel[] = [];
  inputs.forEach((input, i) => {
    const at = `alert_channels[${i}]`;
    const stored = input.id ? existing.find((c) => c.id === input.id) : undefined;
    if (input.id && !stored) {
      issues.add(`${at}.id`, 'is not a channel of this subscription');
      return;
    }
    const type = input.type ?? stored?.type;
    if (type === undefined) {
      issues.add(`${at}.type`, `is required: one of ${CHANNEL_TYPE_NAMES.join(', ')}`);
      return;
    }
    if (!isChannelType(type)) {
      issues.add(
        `${at}.type`,
        `unknown channel type "${type}": one of ${CHANNEL_TYPE_NAMES.join(', ')}`,
      );
      return;
    }
    if (stored && stored.type !== type) {
      issues.add(
        `${at}.type`,
        'cannot change the type of an existing channel; add a new one instead',
      );
      return;
    }
    const previous = stored
      ? ctx.secrets.openJson<Record<string, unknown>>(stored.secret)
      : undefined;
    const rawConfig = input.config ?? previous;
    if (rawConfig === undefined) {
      issues.add(`${at}.config`, 'is required');
      return;
    }
    const parsed = channelTypes[type].schema.safeParse(
      unmask(rawConfig, previous, `${at}.config`, issues),
    );
    if (!parsed.success) {
      issues.zod(parsed.error, [`alert_channels`, i, 'config']);
      return;
    }
    const config = parsed.data as Record<string, unknown>;
    out.push({
      id: stored?.id ?? randomUUID(),
      type,
      language: input.language !== undefined ? input.language : (stored?.language ?? null),
      config: maskChannelConfig(type, config),
      secret: ctx.secrets.sealJson(config),
    });
  });
  return out;
}

/** 400 naming each field whose host the checkers' SSRF guard would refuse. */
export async function refuseUnreachable(
  ctx: AppContext,
  type: string,
  target: Record<string, unknown> | undefined,
): Promise<void> {
  if (!target || !isTargetType(type)) return;
  const refused = await refusedDestinations(type, target, targetAccessOf(ctx.config), ctx.resolve);
  if (refused.length > 0) throw AppError.validation(refused);
}

/** The masked copy to show and the sealed copy to use, always written together. */
export function targetColumns(
  ctx: AppContext,
  type: TargetTypeName,
  config: Record<string, unknown>,
) {
  return {
    target_type: type,
    target_config: JSON.stringify(maskTarget(type, config)),
    target_secret: ctx.secrets.sealJson(config),
  };
}

async function enforceQuota(
  ctx: AppContext,
  tx: Parameters<typeof users.lockUser>[0],
  owner: string,
  tier: Tier,
  { lock = true }: { lock?: boolean } = {},
): Promise<void> {
  if (lock) await users.lockUser(tx, owner);
  const count = await subscriptions.countOwnedSubscriptions(tx, owner, tier.name);
  if (count >= tier.max_subscriptions) {
    throw new AppError(
      'tier_limit_exceeded',
      `the ${tier.name} tier allows ${tier.max_subscriptions} subscriptions per wallet and you have ${count}`,
      {
        details: {
          fields: [{ field: 'tier', message: 'subscription limit reached' }],
          limit: tier.max_subscriptions,
        },
      },
    );
  }
}

/** How a request can pay: its headers (x402 reads PAYMENT-SIGNATURE or X-PAYMENT). */
export interface PaymentSource {
  get: (header: string) => string | undefined;
  /** the path paid for, shown to the payer */
  resource: string;
}

const NO_PAYMENT: PaymentSource = { get: () => undefined, resource: '/v1/subscriptions' };

export interface Written {
  row: Subscription;
  /** the x402 payment this change took, for the PAYMENT-RESPONSE header */
  payment?: TakenPayment;
  /** a new heartbeat subscription's push token: shown once, only its hash is kept */
  pushToken?: string;
}

/**
 * Creates a subscription. On a paid tier it is bought over x402 first (402 with the terms
 * until the request carries a payment), for one period from now.
 */
export async function createSubscription({
  ctx,
  actor,
  body,
  pay = NO_PAYMENT,
}: {
  ctx: AppContext;
  actor: audit.AuditActor;
  body: unknown;
  pay?: PaymentSource;
}): Promise<Written> {
  const owner = actor.address;
  const input = parseWhole(createSubscriptionSchema, body);
  const issues = new Issues();
  const tier = resolveTier(ctx, input.tier, issues);
  const target = validateTarget(input.target_type, input.target_config, tier, issues);
  const frequency = input.check_frequency_seconds ?? (tier ? defaultInterval(tier) : 0);
  validateFrequency(frequency, tier, issues);
  const channels = buildChannels(ctx, input.alert_channels, [], tier, issues);
  await validateRegions(
    ctx,
    ctx.db,
    {
      regions: input.regions ?? null,
      quorum: input.quorum ?? 'majority',
      targetType: input.target_type,
    },
    null,
    tier,
    issues,
  );
  issues.throwIfAny();
  await refuseUnreachable(ctx, input.target_type, target);
  const targetType = input.target_type;
  if (!tier || !target || !isTargetType(targetType))
    throw new Error('unreachable: validated above');
  let payment: TakenPayment | undefined;
  if (tier.paid) {
    // a full tier is refused before any money moves
    await enforceQuota(ctx, ctx.db, owner, tier, { lock: false });
    payment = await takePayment(ctx, pay.get, owner, {
      tier,
      purpose: 'create',
      subscriptionId: null,
      resource: pay.resource,
    });
  }

  const created = await ctx.db.transaction().execute(async (tx) => {
    await users.ensureUser(tx, owner);
    // once paid for, it is created even if a concurrent creation filled the tier meanwhile
    if (payment) await users.lockUser(tx, owner);
    else await enforceQuota(ctx, tx, owner, tier);
    const row = await subscriptions.insertSubscription(tx, {
      user_address: owner,
      name: input.name ?? describeTarget(targetType, target),
      ...targetColumns(ctx, targetType, target),
      tier: tier.name,
      check_frequency_seconds: frequency,
      alert_channels: JSON.stringify(channels),
      failure_threshold: input.failure_threshold,
      recovery_threshold: input.recovery_threshold,
      retry_interval_seconds: input.retry_interval_seconds,
      reminder_interval_minutes: input.reminder_interval_minutes,
      flapping_threshold: input.flapping_threshold,
      flapping_window_minutes: input.flapping_window_minutes,
      regions: input.regions ?? null,
      ...(input.quorum === undefined ? {} : { quorum: String(input.quorum) }),
      next_check_at: new Date(),
      expires_at: payment ? extendedExpiry(null, payment.periodDays) : null,
    });
    await audit.recordAudit(tx, {
      ...actor,
      action: 'subscription.create',
      resourceType: 'subscription',
      resourceId: row.id,
      details: {
        target_type: row.target_type,
        tier: row.tier,
        channels: channels.map((c) => ({ id: c.id, type: c.type })),
      },
    });
    if (payment) await applyPayment(tx, payment, row.id, actor, 'create');
    const pushToken = targetType === 'heartbeat' ? await issuePushToken(tx, row.id) : undefined;
    return { row, pushToken };
  });
  return { ...created, ...(payment ? { payment } : {}) };
}

export async function getSubscription(
  ctx: AppContext,
  owner: string,
  id: string,
): Promise<Subscription> {
  const row = await subscriptions.findOwnedSubscription(ctx.db, owner, id);
  if (!row) throw AppError.notFound('subscription');
  return row;
}

/** Channel ids an update adds, removes or changes (config or language). */
function channelChanges(ctx: AppContext, before: StoredChannel[], after: StoredChannel[]) {
  const previous = new Map(before.map((c) => [c.id, c]));
  const kept = new Set(after.map((c) => c.id));
  const added: string[] = [];
  const changed: string[] = [];
  for (const channel of after) {
    const old = previous.get(channel.id);
    if (!old) added.push(channel.id);
    else if (
      old.language !== channel.language ||
      !isDeepStrictEqual(ctx.secrets.openJson(old.secret), ctx.secrets.openJson(channel.secret))
    ) {
      changed.push(channel.id);
    }
  }
  const removed = before.filter((c) => !kept.has(c.id)).map((c) => c.id);
  return { added, removed, changed };
}

/** Thrown out of an update's transaction when the new tier must be paid for first. */
class PaymentNeeded extends Error {
  constructor(readonly tier: Tier) {
    super(`the ${tier.name} tier must be paid for`);
    this.name = 'PaymentNeeded';
  }
}

/**
 * Changes a subscription. Moving to a paid tier is bought over x402 (402 with the terms
 * until the request carries a payment) and starts a new period from now; the update is
 * validated before the payment is taken and applied with it in one transaction.
 */
export async function updateSubscription(options: {
  ctx: AppContext;
  actor: audit.AuditActor;
  id: string;
  body: unknown;
  pay?: PaymentSource;
}): Promise<Written> {
  try {
    return { row: await applyUpdate(options) };
  } catch (err) {
    if (!(err instanceof PaymentNeeded)) throw err;
    // no lock is held while the payment settles
    const payment = await takePayment(
      options.ctx,
      (options.pay ?? NO_PAYMENT).get,
      options.actor.address,
      {
        tier: err.tier,
        purpose: 'upgrade',
        subscriptionId: options.id,
        resource: options.pay?.resource ?? `/v1/subscriptions/${options.id}`,
      },
    );
    return { row: await applyUpdate(options, payment), payment };
  }
}

async function applyUpdate(
  { ctx, actor, id, body }: { ctx: AppContext; actor: audit.AuditActor; id: string; body: unknown },
  payment?: TakenPayment,
): Promise<Subscription> {
  const owner = actor.address;
  const input = parseWhole(updateSubscriptionSchema, body);
  return ctx.db.transaction().execute(async (tx) => {
    const current = await subscriptions.findOwnedSubscription(tx, owner, id, { forUpdate: true });
    if (!current) throw AppError.notFound('subscription');
    const issues = new Issues();
    const tier = resolveTier(ctx, input.tier ?? current.tier, issues);
    const targetType = input.target_type ?? current.target_type;
    const previousTarget = ctx.secrets.openJson<Record<string, unknown>>(current.target_secret);
    if (
      input.target_type !== undefined &&
      input.target_type !== current.target_type &&
      !input.target_config
    ) {
      issues.add('target_config', 'is required when target_type changes');
    }
    if ((targetType === 'heartbeat') !== (current.target_type === 'heartbeat')) {
      issues.add(
        'target_type',
        'cannot change to or from heartbeat (a push check has a push URL): create a new subscription',
      );
    }
    const target = validateTarget(
      targetType,
      input.target_config
        ? (unmask(input.target_config, previousTarget, 'target_config', issues) as Record<
            string,
            unknown
          >)
        : previousTarget,
      tier,
      issues,
    );
    const frequency = input.check_frequency_seconds ?? current.check_frequency_seconds;
    validateFrequency(frequency, tier, issues);
    const channels = input.alert_channels
      ? buildChannels(ctx, input.alert_channels, current.alert_channels, tier, issues)
      : current.alert_channels;
    if (!input.alert_channels && tier && channels.length > tier.max_channels) {
      issues.add(
        'alert_channels',
        `at most ${tier.max_channels} channels on the ${tier.name} tier`,
      );
    }
    const regions = input.regions === undefined ? current.regions : input.regions;
    const quorum = input.quorum ?? parseQuorum(current.quorum);
    await validateRegions(ctx, tx, { regions, quorum, targetType }, current.regions, tier, issues);
    issues.throwIfAny();
    if (!tier || !target || !isTargetType(targetType))
      throw new Error('unreachable: validated above');
    if (input.target_type !== undefined || input.target_config !== undefined) {
      await refuseUnreachable(ctx, targetType, target);
    }
    if (payment) {
      // paid for: applied even if a concurrent change filled the tier meanwhile
    } else if (tier.name !== current.tier) {
      await enforceQuota(ctx, tx, owner, tier);
      if (tier.paid) throw new PaymentNeeded(tier);
    }
    const settings = {
      name: input.name ?? current.name,
      tier: tier.name,
      check_frequency_seconds: frequency,
      failure_threshold: input.failure_threshold ?? current.failure_threshold,
      recovery_threshold: input.recovery_threshold ?? current.recovery_threshold,
      retry_interval_seconds: input.retry_interval_seconds ?? current.retry_interval_seconds,
      // null turns a rule off, so only a missing field keeps the stored value
      reminder_interval_minutes:
        input.reminder_interval_minutes === undefined
          ? current.reminder_interval_minutes
          : input.reminder_interval_minutes,
      flapping_threshold:
        input.flapping_threshold === undefined
          ? current.flapping_threshold
          : input.flapping_threshold,
      flapping_window_minutes: input.flapping_window_minutes ?? current.flapping_window_minutes,
      quorum: String(quorum),
    };
    // for the audit log: field names and channel ids, never the values
    const channelDiff = channelChanges(ctx, current.alert_channels, channels);
    const fields = [
      ...(targetType !== current.target_type ? ['target_type'] : []),
      ...(isDeepStrictEqual(target, previousTarget) ? [] : ['target_config']),
      ...(Object.values(channelDiff).some((ids) => ids.length > 0) ? ['alert_channels'] : []),
      ...(Object.keys(settings) as (keyof typeof settings)[]).filter(
        (field) => settings[field] !== current[field],
      ),
    ];
    const regionsChanged = !isDeepStrictEqual(regions, current.regions);
    if (regionsChanged) fields.push('regions');
    const row = await subscriptions.updateSubscription(tx, current.id, {
      ...settings,
      ...(regionsChanged ? { regions } : {}),
      ...targetColumns(ctx, targetType, target),
      alert_channels: JSON.stringify(channels),
      // turning detection off lets alerts through at once instead of after a quiet window
      ...(input.flapping_threshold === null ? { flapping_since: null } : {}),
      // A new interval takes effect from the last slot on its own grid: no sooner than one
      // new interval after the last check, so changing it back and forth buys no checks.
      ...(frequency === current.check_frequency_seconds
        ? {}
        : { next_check_at: nextSlotAfterChange(current, frequency), confirming: false }),
      // a paid tier runs for the period just bought; a free one never expires
      ...(payment
        ? { expires_at: extendedExpiry(null, payment.periodDays) }
        : tier.paid
          ? {}
          : { expires_at: null }),
    });
    await audit.recordAudit(tx, {
      ...actor,
      action: 'subscription.update',
      resourceType: 'subscription',
      resourceId: current.id,
      details: { fields, ...(input.alert_channels ? { channels: channelDiff } : {}) },
    });
    if (payment) await applyPayment(tx, payment, current.id, actor, 'upgrade');
    return row;
  });
}

/** The next slot of a subscription whose interval becomes `seconds` (or that resumes), now. */
function nextSlotAfterChange(current: Subscription, seconds: number): Date {
  const interval = seconds * 1000;
  return new Date(
    resumeSlot({
      nowMs: Date.now(),
      nextCheckAtMs: current.next_check_at.getTime(),
      previousIntervalMs: current.check_frequency_seconds * 1000,
      intervalMs: interval,
      offsetMs: slotOffsetMs(current.id, interval),
    }),
  );
}

/**
 * Who changes a subscription: its owner, or (`operator: true`, the operator console) an
 * operator acting on anyone's. An operator's change is audited in the owner's log, naming
 * the operator.
 */
export interface Acting {
  actor: audit.AuditActor;
  operator?: boolean;
}

/** The subscription an actor may change, locked for the change; 404 otherwise. */
async function lockForChange(
  tx: Parameters<typeof subscriptions.findOwnedSubscription>[0],
  { actor, operator }: Acting,
  id: string,
): Promise<{ current: Subscription; audited: audit.AuditActor; by: Record<string, string> }> {
  const current = operator
    ? await subscriptions.findSubscription(tx, id, { forUpdate: true })
    : await subscriptions.findOwnedSubscription(tx, actor.address, id, { forUpdate: true });
  if (!current) throw AppError.notFound('subscription');
  return operator
    ? {
        current,
        audited: { ...actor, address: current.user_address },
        by: { operator: actor.address },
      }
    : { current, audited: actor, by: {} };
}

/** Pauses or resumes; doing what is already done changes nothing and records nothing. */
export async function setActive(
  ctx: AppContext,
  acting: audit.AuditActor | Acting,
  id: string,
  active: boolean,
): Promise<Subscription> {
  return ctx.db.transaction().execute(async (tx) => {
    const { current, audited, by } = await lockForChange(tx, asActing(acting), id);
    if (current.active === active) return current;
    const row = await subscriptions.updateSubscription(tx, id, {
      active,
      // resuming goes on at the next slot of the grid that is at least one interval after
      // the last check: a pause and a resume never check sooner than the tier allows
      ...(active
        ? {
            next_check_at: nextSlotAfterChange(current, current.check_frequency_seconds),
            confirming: false,
          }
        : {}),
    });
    await audit.recordAudit(tx, {
      ...audited,
      action: active ? 'subscription.resume' : 'subscription.pause',
      resourceType: 'subscription',
      resourceId: id,
      details: by,
    });
    return row;
  });
}

// an AuditActor's `actor` is a word ('session', 'api_key'); an Acting's is the AuditActor
const asActing = (acting: audit.AuditActor | Acting): Acting =>
  typeof acting.actor === 'object' ? acting : { actor: acting };

export async function deleteSubscription(
  ctx: AppContext,
  acting: audit.AuditActor | Acting,
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    const { audited, by } = await lockForChange(tx, asActing(acting), id);
    await subscriptions.updateSubscription(tx, id, { active: false, deleted_at: new Date() });
    await audit.recordAudit(tx, {
      ...audited,
      action: 'subscription.delete',
      resourceType: 'subscription',
      resourceId: id,
      details: by,
    });
  });
}

/**
 * Gives a subscription to another wallet (the operator console: the way back for an owner who
 * lost a wallet). Recorded in both accounts' audit logs. Limits of the tier are not applied:
 * the operator decides.
 */
export async function transferSubscription(
  ctx: AppContext,
  actor: audit.AuditActor,
  id: string,
  to: string,
): Promise<Subscription> {
  return ctx.db.transaction().execute(async (tx) => {
    const { current, audited, by } = await lockForChange(tx, { actor, operator: true }, id);
    // a wallet that signs in to an account (an owner's added wallet) means that account
    to = (await instance.linkedAccount(tx, to)) ?? to;
    if (current.user_address === to) {
      throw new AppError('conflict', `the subscription already belongs to ${to}`, {
        details: { fields: [{ field: 'to', message: 'is the current owner' }] },
      });
    }
    await users.ensureUser(tx, to);
    const row = await subscriptions.updateSubscription(tx, id, { user_address: to });
    // its status pages stay with the old owner; the page no longer lists it
    await subscriptions.detachFromOthersPages(tx, id, to);
    for (const address of [current.user_address, to]) {
      await audit.recordAudit(tx, {
        ...audited,
        address,
        action: 'subscription.transfer',
        resourceType: 'subscription',
        resourceId: id,
        details: { ...by, from: current.user_address, to },
      });
    }
    return row;
  });
}

/**
 * One page of subscriptions as the API answers it: `owner`'s, or everyone's for null (the
 * console), with the page's maintenance windows read in one query. `cursor` is a
 * `next_cursor` this API gave; anything else is a 400 naming it.
 */
export async function subscriptionPage(
  ctx: AppContext,
  owner: string | null,
  query: { limit: number; cursor?: string | undefined; filter: SubscriptionFilter },
): Promise<contract.Page<contract.Subscription>> {
  const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.cursor !== undefined && !cursor) {
    throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);
  }
  const db = ctx.db;
  const page = await subscriptions.listOwnedSubscriptions(db, owner, {
    limit: query.limit,
    cursor,
    filter: query.filter,
  });
  const windows = await maintenance.windowsFor(
    db,
    page.rows.map((row) => row.id),
  );
  const now = new Date();
  return {
    items: page.rows.map((row) =>
      subscriptionJson(row, windows.get(row.id) ?? [], {
        now,
        defaultRegion: ctx.config.DEFAULT_REGION,
      }),
    ),
    next_cursor: page.next ? encodeCursor(page.next) : null,
  };
}

/**
 * The API's view of a subscription: never a secret in full. `windows` are the subscription's
 * maintenance windows (load them for a whole page at once), read at `now`. Target and channel
 * types and languages are stored only once validated, so they are the contract's names.
 */
export function subscriptionJson(
  row: Subscription,
  windows: readonly MaintenanceWindowRule[],
  options: { defaultRegion: string; now?: Date },
): contract.Subscription {
  const now = options.now ?? new Date();
  const expired = row.expires_at !== null && row.expires_at.getTime() <= now.getTime();
  return {
    id: row.id,
    subscription_id: row.id,
    name: row.name,
    user_address: row.user_address,
    target_type: row.target_type as TargetTypeName,
    target_config: row.target_config,
    tier: row.tier,
    check_frequency_seconds: row.check_frequency_seconds,
    alert_channels: row.alert_channels.map((c) => ({
      id: c.id,
      type: c.type as ChannelTypeName,
      language: c.language as Language | null,
      config: c.config,
    })),
    failure_threshold: row.failure_threshold,
    recovery_threshold: row.recovery_threshold,
    retry_interval_seconds: row.retry_interval_seconds,
    reminder_interval_minutes: row.reminder_interval_minutes,
    flapping_threshold: row.flapping_threshold,
    flapping_window_minutes: row.flapping_window_minutes,
    flapping_since: row.flapping_since?.toISOString() ?? null,
    regions: row.regions ?? [options.defaultRegion],
    quorum: parseQuorum(row.quorum),
    in_maintenance: inMaintenance(windows, now),
    status: expired ? 'expired' : row.active ? 'active' : 'paused',
    active: row.active,
    state: row.state,
    state_changed_at: row.state_changed_at?.toISOString() ?? null,
    last_check_at: row.last_check_at?.toISOString() ?? null,
    next_check_at: row.active && !expired ? row.next_check_at.toISOString() : null,
    expires_at: row.expires_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
