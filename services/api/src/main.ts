import { createDb } from '@lighthouse/db';
import { loadTiers } from '@lighthouse/domain';
import { createQueues, createRedis } from '@lighthouse/queue';
import { ConfigError, createLogger, createSecretBox, createShutdown } from '@lighthouse/shared';
import type { Server } from 'node:http';
import { createApp } from './app';
import { loadConfig } from './config';
import type { AppContext } from './context';
import { createMetrics } from './metrics';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });
  const shutdown = createShutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();

  const tiers = loadTiers(config.LIGHTHOUSE_TIERS);
  const db = createDb({
    url: config.DATABASE_URL,
    max: config.DB_POOL_SIZE,
    applicationName: 'lighthouse-api',
    onError: (err) => logger.warn('postgres connection error', { err: err.message }),
  });
  shutdown.register('db', () => db.destroy());

  let lastRedisError = '';
  const redis = createRedis({
    url: config.REDIS_URL,
    role: 'producer',
    name: 'lighthouse-api',
    onError: (err) => {
      // one line per distinct error, not one per reconnect attempt
      if (err.message !== lastRedisError)
        logger.warn('redis connection error', { err: err.message });
      lastRedisError = err.message;
    },
  });
  redis.on('ready', () => {
    lastRedisError = '';
  });
  shutdown.register('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });

  const queues = createQueues({
    connection: redis,
    prefix: config.QUEUE_PREFIX,
    onError: (queue, err) => logger.debug('queue error', { queue, err: err.message }),
  });
  shutdown.register('queues', async () => {
    await Promise.all(Object.values(queues).map((q) => q.close()));
  });

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
  });
}

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

main().catch((err: unknown) => {
  // The logger may not exist yet (bad config): write one plain line and stop.
  const message = err instanceof ConfigError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`api: cannot start: ${message}\n`);
  process.exit(1);
});
