/**
 * At most `size` calls of `run` at once; the others wait their turn, first come first served.
 * The checker's probes in flight (CHECKER_CONCURRENCY), whatever the jobs that carry them.
 */
export function createLimit(size: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  };
  return async (fn) => {
    if (running < size) running += 1;
    else await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      return await fn();
    } finally {
      release();
    }
  };
}
