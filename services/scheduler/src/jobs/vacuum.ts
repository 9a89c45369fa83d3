import { vacuum, type Db } from '@lighthouse/db';
import type { Logger } from '@lighthouse/shared';
import type { SchedulerMetrics } from '../metrics';

/**
 * Stands in for autovacuum where the server runs without it: each round, while the server's
 * autovacuum is off, vacuums the tables with as many dead rows as would have started it. Says
 * so in the log when it finds autovacuum off (and when it finds it on again).
 */
export function createVacuumRound(deps: {
  db: Db;
  logger: Logger;
  metrics: SchedulerMetrics;
}): () => Promise<void> {
  let standingIn = false;
  return async () => {
    if (await vacuum.autovacuumOn(deps.db)) {
      if (standingIn) deps.logger.info('autovacuum is on again: the scheduler no longer vacuums');
      standingIn = false;
      return;
    }
    if (!standingIn) {
      deps.logger.warn(
        'autovacuum is off on this PostgreSQL server: the scheduler vacuums Lighthouse tables itself',
      );
    }
    standingIn = true;
    for (const table of await vacuum.vacuumBloated(deps.db)) {
      deps.metrics.vacuums.inc({ table });
    }
  };
}
