import { instanceTiers } from '@lighthouse/domain';
import { redisReady } from '@lighthouse/queue';
import { runMain, startRuntime } from '@lighthouse/runtime';
import { createSecretBox } from '@lighthouse/shared';
import type { Server } from 'node:http';
import { createApp } from './app';
import { loadConfig } from './config';
import type { AppContext } from './context';
import { createMetrics } from './metrics';
import { firstStartLink } from './services/owner';

runMain('api', async () => {
  const config = loadConfig();
  const tiers = instanceTiers(config);
  // A producer only: while Redis is away /health says so and queue writes fail fast.
  const runtime = startRuntime('api', config);
  const { logger, shutdown, db, queues } = runtime;
  const redis = runtime.producerRedis;

  const ctx: AppContext = {
    config,
    logger,
    db,
    redis,
    queues,
    secrets: createSecretBox(config.ENCRYPTION_KEY),
    tiers,
    metrics: createMetrics(),
  };
  const app = createApp(ctx);
  // Answer only once Redis is connected (or has had its chance): a producer connection fails
  // fast, so the first requests after a start would otherwise be 503s for a Redis that is fine.
  if (!(await redisReady(redis, 5_000))) {
    logger.warn(
      'Redis is not connected yet: the api starts anyway, and /health says so until it is',
    );
  }
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.PORT, config.HOST, () => resolve(s)).once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  shutdown.register('http', () => closeServer(server));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info('api listening', {
    url: `http://${config.HOST === '0.0.0.0' ? 'localhost' : config.HOST}:${port}`,
    port,
    mode: config.LIGHTHOUSE_MODE,
  });
  // A new self-hosted instance: the owner's way in, until they have signed in once
  // (./lighthouse admin-link prints a fresh one any time).
  const link = await firstStartLink(db, config);
  if (link) logger.info(`Sign in: ${link}`);
});

/**
 * Stops accepting and lets in-flight requests finish. Keep-alive sockets are
 * dropped as soon as they fall idle, so a client holding one open (a load
 * balancer, a browser) cannot hold the process up until the timeout.
 */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close((err) => {
      clearInterval(sweep);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
