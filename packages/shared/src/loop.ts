import type { Logger } from './logger';

export interface Loop {
  /** Stops after the current round; resolves when it has finished. */
  stop(): Promise<void>;
}

export interface LoopOptions {
  name: string;
  intervalMs: number;
  logger: Logger;
  /** One round of work. Return true when there is more to do at once (a full batch). */
  round: () => Promise<boolean | void>;
  /** Longest pause after consecutive failures (backoff doubles from intervalMs). */
  maxBackoffMs?: number;
}

/**
 * Runs `round` every `intervalMs` (immediately again when it reports more work),
 * never two rounds at once; a failing round is logged and retried with backoff.
 */
export function startLoop({
  name,
  intervalMs,
  logger,
  round,
  maxBackoffMs = 10_000,
}: LoopOptions): Loop {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let failures = 0;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, ms);
    });

  const done = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = (await round()) === true;
        if (failures > 0) logger.info('loop recovered', { loop: name, after_failures: failures });
        failures = 0;
      } catch (err) {
        failures += 1;
        logger.warn('loop round failed', {
          loop: name,
          failures,
          err: err instanceof Error ? err.message : String(err),
        });
      }
      if (stopped) break;
      const pause =
        failures > 0 ? Math.min(intervalMs * 2 ** failures, maxBackoffMs) : more ? 0 : intervalMs;
      if (pause > 0) await sleep(pause);
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      await done;
    },
  };
}
