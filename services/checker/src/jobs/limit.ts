export interface Limit {
  /** runs `fn` when fewer than the limit's size are running; the others wait, in order */
  <T>(fn: () => Promise<T>): Promise<T>;
  /** calls running now */
  running(): number;
  /** calls waiting for their turn */
  waiting(): number;
}

/**
 * At most `size` calls at once; the others wait their turn, first come first served. The
 * checker's probes in flight (CHECKER_CONCURRENCY), whatever the jobs that carry them.
 */
export function createLimit(size: number): Limit {
  let running = 0;
  const queue: (() => void)[] = [];
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else running -= 1;
  };
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running < size) running += 1;
    else await new Promise<void>((resolve) => queue.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
  return Object.assign(limit, { running: () => running, waiting: () => queue.length });
}
