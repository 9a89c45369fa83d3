import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import { safeEqual } from './crypto';

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Readiness: resolves with a body; rejects (or returns ok: false) to answer 503. */
  health: () => Promise<{ ok: boolean; [part: string]: unknown }>;
  /** METRICS_TOKEN: when set, /metrics answers only `Authorization: Bearer <token>` */
  metricsToken?: string | undefined;
}

/** Whether a request's Authorization header opens /metrics (always, when no token is set). */
export function metricsTokenAccepted(
  token: string | undefined,
  header: string | undefined,
): boolean {
  if (token === undefined) return true;
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] !== undefined && safeEqual(match[1], token);
}

/** `/metrics` (Prometheus) and `/health` for the services that have no HTTP API of their own. */
export async function startOpsServer({
  port,
  host = '127.0.0.1',
  registry,
  health,
  metricsToken,
}: OpsServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      if (!metricsTokenAccepted(metricsToken, req.headers.authorization)) {
        res
          .writeHead(401, {
            'Content-Type': 'application/json',
            'WWW-Authenticate': 'Bearer realm="Lighthouse metrics"',
          })
          .end(
            '{"error":{"code":"unauthorized","message":"METRICS_TOKEN required","details":null}}',
          );
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (path === '/health') {
      health().then(
        (body) => {
          const { ok, ...parts } = body;
          res
            .writeHead(ok ? 200 : 503, {
              'Content-Type': 'application/json',
              'Cache-Control': 'no-store',
            })
            .end(
              JSON.stringify({
                status: ok ? 'ok' : 'unavailable',
                ...parts,
                timestamp: new Date().toISOString(),
              }),
            );
        },
        // what went wrong is the service's log's business, not the public answer's
        () =>
          res
            .writeHead(503, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ status: 'unavailable' })),
      );
      return;
    }
    res
      .writeHead(404, { 'Content-Type': 'application/json' })
      .end('{"error":{"code":"not_found","message":"not found","details":null}}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  return {
    server,
    port: typeof address === 'object' && address ? address.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
