import type { Instance } from '@lighthouse/contracts';
import { targetAccessOf } from '@lighthouse/shared';
import { Router } from 'express';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../context';
import { tierJson } from './tiers';

/** This package's version: the api's own, as the image and the checkers report theirs. */
export const VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;

/**
 * `GET /v1/instance` (public): what a client needs before anyone signs in: the mode, how one
 * signs in, the tiers and what is on. The dashboard adapts to it (no prices, payments or
 * wallet prompt on a self-hosted instance).
 */
export function instanceRoutes(ctx: AppContext): Router {
  const router = Router();
  const { config } = ctx;
  const selfHosted = config.LIGHTHOUSE_MODE === 'self-hosted';
  const access = targetAccessOf(config);
  const tiers = [...ctx.tiers.values()];
  const body: Instance = {
    mode: config.LIGHTHOUSE_MODE,
    version: VERSION,
    sign_in_methods: selfHosted ? ['link', 'wallet', 'api_key'] : ['wallet', 'api_key'],
    siwe_domain: config.SIWE_DOMAIN,
    min_interval_seconds: Math.min(...tiers.map((t) => t.min_interval_seconds)),
    tiers: tiers.map(tierJson),
    features: {
      payments: !selfHosted && config.X402_PAY_TO !== undefined,
      tiers: !selfHosted,
      private_targets: access !== 'public',
      link_local_targets: access === 'all',
      operator_console: true,
      status_pages: true,
    },
  };
  router.get('/v1/instance', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=60').json(body);
  });
  return router;
}
