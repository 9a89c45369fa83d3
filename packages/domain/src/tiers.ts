import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Mode } from '@lighthouse/shared';
import { fieldIssues } from './fields';
import { TARGET_TYPE_NAMES } from './targets';

const usdc = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'must be a decimal USDC amount such as "5" or "4.99"');

export const tierSchema = z.strictObject({
  label: z.string().min(1),
  min_interval_seconds: z.number().int().min(1),
  max_subscriptions: z.number().int().min(0),
  raw_retention_days: z.number().int().min(1),
  allowed_target_types: z.array(z.string().min(1)).min(1),
  max_channels: z.number().int().min(0),
  /** regions a subscription may be checked from (default 1) */
  max_regions: z.number().int().min(1).max(32).default(1),
  price_usdc_per_30_days: usdc,
});

export const tiersFileSchema = z.strictObject({
  tiers: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, 'tier names are lower-case words'),
      tierSchema,
    )
    .refine((t) => Object.keys(t).length > 0, 'must define at least one tier'),
});

export type Tier = z.output<typeof tierSchema> & { name: string; paid: boolean };
export type Tiers = ReadonlyMap<string, Tier>;

export const DEFAULT_TIERS_PATH = join(__dirname, '..', 'tiers.default.json');

export function parseTiers(raw: unknown, source = 'tiers file'): Tiers {
  const parsed = tiersFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error).map((i) => `${i.field}: ${i.message}`);
    throw new Error(`${source} is invalid: ${issues.join('; ')}`);
  }
  return new Map(
    Object.entries(parsed.data.tiers).map(([name, tier]) => [
      name,
      { ...tier, name, paid: Number(tier.price_usdc_per_30_days) > 0 },
    ]),
  );
}

/** Reads the tiers file named by `LIGHTHOUSE_TIERS`, or the default shipped with this package. */
export function loadTiers(path: string = DEFAULT_TIERS_PATH): Tiers {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read tiers file ${path}: ${(err as Error).message}`);
  }
  return parseTiers(raw, `tiers file ${path}`);
}

/** The one tier of a self-hosted instance: every check type, no cap, nothing to pay. */
export const SELF_HOSTED_TIER = 'self_hosted';

export interface InstanceTierSettings {
  LIGHTHOUSE_MODE: Mode;
  /** service mode: the tiers file (default: the shipped one) */
  LIGHTHOUSE_TIERS?: string | undefined;
  /** self-hosted mode: raw history kept, and the shortest interval */
  LIGHTHOUSE_RETENTION_DAYS: number;
  LIGHTHOUSE_MIN_INTERVAL_SECONDS?: number;
}

/**
 * The tiers an instance offers: in service mode the tiers file's; self-hosted, one free tier
 * with every check type, intervals down to LIGHTHOUSE_MIN_INTERVAL_SECONDS (10 s), no
 * subscription cap and LIGHTHOUSE_RETENTION_DAYS of raw history.
 */
export function instanceTiers(settings: InstanceTierSettings): Tiers {
  if (settings.LIGHTHOUSE_MODE === 'service') return loadTiers(settings.LIGHTHOUSE_TIERS);
  const tier: Tier = {
    name: SELF_HOSTED_TIER,
    label: 'Self-hosted',
    min_interval_seconds: settings.LIGHTHOUSE_MIN_INTERVAL_SECONDS ?? 10,
    max_subscriptions: Number.MAX_SAFE_INTEGER,
    raw_retention_days: settings.LIGHTHOUSE_RETENTION_DAYS,
    allowed_target_types: [...TARGET_TYPE_NAMES],
    max_channels: 20,
    max_regions: 32,
    price_usdc_per_30_days: '0',
    paid: false,
  };
  return new Map([[tier.name, tier]]);
}

/**
 * The interval a new subscription gets when it names none: the tier's minimum, but at least
 * a minute where the tier allows shorter (a self-hosted default like Uptime Kuma's).
 */
export function defaultInterval(tier: Tier): number {
  return tier.name === SELF_HOSTED_TIER
    ? Math.max(tier.min_interval_seconds, 60)
    : tier.min_interval_seconds;
}
