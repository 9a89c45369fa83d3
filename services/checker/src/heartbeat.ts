import { checkers, records, type Db } from '@lighthouse/db';
import { startLoop, type Logger, type Loop } from '@lighthouse/shared';

export interface CheckerIdentity {
  name: string;
  host: string;
  version: string;
  region: string;
}

/** What the worker counts between beats. */
export interface CheckerCounts {
  checks: number;
  errors: number;
}

/**
 * Writes this checker's heartbeat every `intervalMs` (the operator console's fleet view):
 * who it is, when it started, how many checks and errors since, and checks/s since the last
 * beat. A missed beat costs nothing; the next one says it all again.
 */
export function startHeartbeat(deps: {
  db: Db;
  logger: Logger;
  identity: CheckerIdentity;
  /** the probe's signing address: its listed period moves with each beat */
  probe?: string;
  counts: () => CheckerCounts;
  intervalMs: number;
}): Loop {
  const startedAt = new Date();
  let last = { at: Date.now(), checks: 0 };
  return startLoop({
    name: 'heartbeat',
    intervalMs: deps.intervalMs,
    logger: deps.logger,
    round: async () => {
      const now = Date.now();
      const { checks, errors } = deps.counts();
      const seconds = (now - last.at) / 1000;
      const rate = seconds > 0 ? (checks - last.checks) / seconds : 0;
      await checkers.beat(deps.db, {
        ...deps.identity,
        startedAt,
        checksTotal: checks,
        errorsTotal: errors,
        checksPerSecond: Math.round(rate * 100) / 100,
        heartbeatMs: deps.intervalMs,
      });
      if (deps.probe !== undefined) await records.touchProbe(deps.db, deps.probe);
      last = { at: now, checks };
    },
  });
}
