export interface Batcher<T, R> {
  /** Resolves with the batch's outcome once the batch holding `item` has been written. */
  add(item: T): Promise<R>;
  /** Writes what is waiting and stops taking more. */
  close(): Promise<void>;
}

/**
 * Group commit: items are collected until `maxSize` or `maxWaitMs`, then written
 * together by `write`; each caller learns the outcome of its own batch. One batch
 * is written at a time, so a slow database slows intake rather than piling up
 * transactions.
 */
export function createBatcher<T, R>(opts: {
  maxSize: number;
  maxWaitMs: number;
  write: (items: T[]) => Promise<R>;
}): Batcher<T, R> {
  let items: T[] = [];
  let waiters: { resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let closed = false;

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (items.length === 0) return writing;
    const batch = items;
    const batchWaiters = waiters;
    items = [];
    waiters = [];
    writing = writing.then(async () => {
      try {
        const result = await opts.write(batch);
        for (const w of batchWaiters) w.resolve(result);
      } catch (err) {
        for (const w of batchWaiters) w.reject(err);
      }
    });
    return writing;
  };

  return {
    add(item) {
      if (closed) return Promise.reject(new Error('result writer is closed'));
      return new Promise<R>((resolve, reject) => {
        items.push(item);
        waiters.push({ resolve, reject });
        if (items.length >= opts.maxSize) void flush();
        else timer ??= setTimeout(() => void flush(), opts.maxWaitMs);
      });
    },
    async close() {
      closed = true;
      await flush();
    },
  };
}
