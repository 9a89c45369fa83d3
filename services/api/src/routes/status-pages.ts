import { decodeCursor, encodeCursor } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context';
import { actorOf, principalOf, requireAuth } from '../http/auth';
import { parseInput, pathId } from '../http/validate';
import {
  badgeSubscription,
  createPage,
  deletePage,
  getPage,
  listPages,
  pageJson,
  parsePeriod,
  periodUptime,
  publicPage,
  publicState,
  updatePage,
} from '../services/status-pages';
import { renderBadge } from '../views/badge';
import { COLORS, formatPct, stateColor, uptimeColor } from '../views/common';
import { renderNotFoundPage, renderStatusPage } from '../views/status-page';
import { listQuerySchema } from './subscriptions';
import { rateLimitsOf } from '../http/rate-limit';

const PAGES = '/v1/status-pages';

/** Public pages may be cached briefly by browsers and proxies; badges a little longer. */
const PAGE_CACHE = 'public, max-age=30';
const BADGE_CACHE = 'public, max-age=60';
/** A not-found answer is not cached, so publishing a page shows at once. */
const NOT_FOUND_CACHE = 'no-cache';
/** Nothing on these pages runs script or loads anything: say so to the browser. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'";

function pageId(raw: string | undefined): string {
  return pathId(raw, 'status page');
}

function owner(res: Response): string {
  return principalOf(res).address;
}

const isNotFound = (err: unknown): boolean => err instanceof AppError && err.code === 'not_found';

function sendSvg(res: Response, status: number, cache: string, svg: string): void {
  res
    .status(status)
    .set({
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'Cache-Control': cache,
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
    })
    // express adds a weak ETag and answers If-None-Match with 304
    .send(svg);
}

/**
 * A badge for a subscription on a published page. Unknown, unlisted, unpublished and malformed
 * ids all get the same 404 badge ("<label> | not found"), so a badge never tells whether an id
 * exists, and an <img> still shows something readable.
 */
async function badge(
  req: Request<{ id: string }>,
  res: Response,
  label: string,
  message: (id: string) => Promise<{ message: string; color: string }>,
): Promise<void> {
  let shown: { message: string; color: string };
  try {
    shown = await message(pathId(req.params.id, 'badge'));
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const svg = renderBadge({ label, message: 'not found', color: COLORS.grey });
    sendSvg(res, 404, NOT_FOUND_CACHE, svg);
    return;
  }
  sendSvg(res, 200, BADGE_CACHE, renderBadge({ label, ...shown }));
}

/**
 * Status pages: owner CRUD under /v1/status-pages (Bearer auth), and the public views that
 * need none: /v1/status/:slug (JSON), /status/:slug (HTML) and /badge/:id/*.svg.
 */
export function statusPageRoutes(ctx: AppContext): Router {
  const router = Router();
  const limits = rateLimitsOf(ctx);
  router.use(PAGES, requireAuth(ctx));

  router.post(PAGES, limits.create, async (req, res) => {
    const page = await createPage({ ctx, actor: actorOf(req, res), body: req.body });
    res.status(201).location(`${PAGES}/${page.page.id}`).json(pageJson(page));
  });

  router.get(PAGES, async (req, res) => {
    const query = parseInput(listQuerySchema, req.query);
    const cursor = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) {
      throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this API' }]);
    }
    const page = await listPages(ctx, owner(res), { limit: query.limit, cursor });
    res.json({
      items: page.items.map(pageJson),
      next_cursor: page.next ? encodeCursor(page.next) : null,
    });
  });

  router.get(`${PAGES}/:id`, async (req, res) => {
    res.json(pageJson(await getPage(ctx, owner(res), pageId(req.params.id))));
  });

  router.patch(`${PAGES}/:id`, async (req, res) => {
    const page = await updatePage({
      ctx,
      actor: actorOf(req, res),
      id: pageId(req.params.id),
      body: req.body,
    });
    res.json(pageJson(page));
  });

  router.delete(`${PAGES}/:id`, async (req, res) => {
    await deletePage(ctx, actorOf(req, res), pageId(req.params.id));
    res.status(204).end();
  });

  // ------------------------------------------------------------ public, no auth

  router.get('/v1/status/:slug', async (req, res) => {
    const page = await publicPage(ctx, req.params.slug);
    res.set('Cache-Control', PAGE_CACHE).json(page);
  });

  router.get('/status/:slug', async (req, res) => {
    let html: string;
    try {
      html = renderStatusPage(await publicPage(ctx, req.params.slug));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      res
        .status(404)
        .set({ 'Cache-Control': NOT_FOUND_CACHE, 'Content-Security-Policy': PAGE_CSP })
        .type('html')
        .send(renderNotFoundPage());
      return;
    }
    res
      .set({ 'Cache-Control': PAGE_CACHE, 'Content-Security-Policy': PAGE_CSP })
      .type('html')
      .send(html);
  });

  router.get('/badge/:id/status.svg', async (req, res) => {
    await badge(req, res, 'status', async (id) => {
      const state = publicState(await badgeSubscription(ctx, id));
      return { message: state, color: stateColor(state) };
    });
  });

  router.get('/badge/:id/uptime.svg', async (req, res) => {
    // a bad period is refused before the id is looked at, so the 400 tells nothing about it
    const period = parsePeriod(req.query.period);
    await badge(req, res, `uptime ${period.label}`, async (id) => {
      const sub = await badgeSubscription(ctx, id);
      const pct = await periodUptime(ctx.db, sub.id, period.hours);
      return { message: pct === null ? 'no data' : formatPct(pct), color: uptimeColor(pct) };
    });
  });

  return router;
}
