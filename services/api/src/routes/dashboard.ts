import express, { Router, type Request, type Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import type { AppContext } from '../context';

/** Paths the API answers itself: never a file of the dashboard nor its index.html. */
const API_PATHS = /^\/(v1|health|metrics|openapi\.json|admin|status|badge|push|subscribe)(\/|$)/i;

/** Vite names every built asset after its content hash, so a URL never changes meaning. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
/** index.html names the current assets: revalidate it on every load (ETag, Last-Modified). */
const INDEX_CACHE = 'no-cache';
/** the other files of public/ (favicon) keep their names across builds */
const FILE_CACHE = 'public, max-age=3600';

/**
 * The dashboard is external module scripts and stylesheets only (Vite emits no inline script),
 * talking to this origin, or to the API origin it was built for, which the build names in a
 * `<meta name="lighthouse-api-origin">` of index.html.
 */
export function dashboardCsp(apiOrigin?: string): string {
  // the API's own origin also serves the badges and status pages the dashboard shows
  const api = apiOrigin ? ` ${apiOrigin}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data:${api}`,
    `connect-src 'self'${api}`,
    `frame-src 'self'${api}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The API origin a build of the dashboard names in its index.html, if any. */
export function builtApiOrigin(indexHtml: string): string | undefined {
  const meta = /<meta\s+name="lighthouse-api-origin"\s+content="(https?:\/\/[^\s"'/;]+)"/i.exec(
    indexHtml,
  );
  return meta?.[1];
}

/** A navigation of the browser (Accept names text/html), not an API client or an asset load. */
function wantsPage(req: Request): boolean {
  return (req.headers.accept ?? '').toLowerCase().includes('text/html');
}

/**
 * The built web dashboard at `/`, when DASHBOARD_DIR holds one: its files, and index.html for
 * every other page the browser asks for (client-side routes such as /subscriptions/123).
 * Mounted after the API's routes, and never answering under their prefixes, so an unknown
 * /v1 path still gets the JSON 404. Without a build, the router is empty and `/` is a 404.
 * Plain middleware, no route: the API's route table (and the fuzz suite that walks it) is
 * unchanged.
 */
export function dashboardRoutes(ctx: AppContext): Router {
  const router = Router();
  const dir = resolve(ctx.config.DASHBOARD_DIR);
  const index = join(dir, 'index.html');
  if (!existsSync(index)) {
    ctx.logger.debug('no built dashboard; / is not served', { dashboard_dir: dir });
    return router;
  }
  const csp = dashboardCsp(builtApiOrigin(readFileSync(index, 'utf8')));

  const files = express.static(dir, {
    index: false,
    redirect: false,
    dotfiles: 'ignore',
    setHeaders(res: Response, path: string) {
      const name = relative(dir, path).split(sep).join('/');
      res.set({
        'Cache-Control':
          name === 'index.html'
            ? INDEX_CACHE
            : name.startsWith('assets/')
              ? ASSET_CACHE
              : FILE_CACHE,
        'Content-Security-Policy': csp,
      });
    },
  });

  const sendIndex = (res: Response, next: (err?: unknown) => void): void => {
    res.sendFile(
      index,
      {
        cacheControl: false,
        headers: { 'Cache-Control': INDEX_CACHE, 'Content-Security-Policy': csp },
      },
      (err) => {
        if (err) next(err);
      },
    );
  };

  router.use((req, res, next) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || API_PATHS.test(req.path)) {
      next();
      return;
    }
    files(req, res, (err?: unknown) => {
      if (err) next(err);
      else if (wantsPage(req)) sendIndex(res, next);
      else next();
    });
  });
  return router;
}
