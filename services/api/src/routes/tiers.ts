import type { Region, Tier as TierAnswer, WholeList } from '@lighthouse/contracts';
import { checkers } from '@lighthouse/db';
import type { Tier } from '@lighthouse/domain';
import { Router } from 'express';
import type { AppContext } from '../context';

/** What the dashboard shows of a tier, before anyone signs in. */
export function tierJson(tier: Tier): TierAnswer {
  return {
    name: tier.name,
    label: tier.label,
    price_usdc_per_30_days: tier.price_usdc_per_30_days,
    paid: tier.paid,
    min_interval_seconds: tier.min_interval_seconds,
    /** null: no limit (a self-hosted instance) */
    max_subscriptions:
      tier.max_subscriptions >= Number.MAX_SAFE_INTEGER ? null : tier.max_subscriptions,
    raw_retention_days: tier.raw_retention_days,
    allowed_target_types: tier.allowed_target_types,
    max_channels: tier.max_channels,
    max_regions: tier.max_regions,
  };
}

/** `GET /v1/tiers`: the tiers file, cheapest first; public. */
export function tierRoutes(ctx: AppContext): Router {
  const router = Router();
  const items = [...ctx.tiers.values()]
    .sort(
      (a, b) =>
        Number(a.price_usdc_per_30_days) - Number(b.price_usdc_per_30_days) ||
        a.name.localeCompare(b.name),
    )
    .map(tierJson);
  router.get('/v1/tiers', (_req, res) => {
    res
      .set('Cache-Control', 'public, max-age=300')
      .json({ items, next_cursor: null } satisfies WholeList<TierAnswer>);
  });
  return router;
}

/**
 * `GET /v1/regions`: the regions with a checker heard from within REGION_DARK_AFTER_SECONDS,
 * which subscriptions may choose; public, as the tiers are.
 */
export function regionRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/v1/regions', async (_req, res) => {
    const live = await checkers.liveRegions(ctx.db, ctx.config.REGION_DARK_AFTER_SECONDS * 1000);
    const items: Region[] = live.map((r) => ({
      region: r.region,
      live_checkers: r.live_checkers,
      checks_per_second: r.checks_per_second,
      last_seen_at: r.last_seen_at.toISOString(),
      default: r.region === ctx.config.DEFAULT_REGION,
    }));
    res
      .set('Cache-Control', 'no-store')
      .json({ items, next_cursor: null } satisfies WholeList<Region>);
  });
  return router;
}
