import type { Logger } from './logger';

export type Closer = () => Promise<void> | void;

export interface Shutdown {
  /** Registers a closer; closers run in reverse order of registration. */
  register(name: string, close: Closer): void;
  /** Runs every closer once (later calls return the same promise). Resolves true when all closed in time. */
  run(reason: string): Promise<boolean>;
  /** Calls run() on SIGTERM/SIGINT, then exits 0 on a clean stop and 1 otherwise. */
  installSignalHandlers(exit?: (code: number) => void): void;
}

export function createShutdown(logger: Logger, timeoutMs = 10_000): Shutdown {
  const closers: { name: string; close: Closer }[] = [];
  let running: Promise<boolean> | undefined;

  async function closeAll(reason: string): Promise<boolean> {
    logger.info('shutting down', { reason });
    let clean = true;
    for (const { name, close } of [...closers].reverse()) {
      try {
        await close();
        logger.debug('closed', { component: name });
      } catch (err) {
        clean = false;
        logger.error('close failed', { component: name, err });
      }
    }
    return clean;
  }

  function run(reason: string): Promise<boolean> {
    running ??= new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        logger.error('shutdown timed out', { timeout_ms: timeoutMs });
        resolve(false);
      }, timeoutMs);
      timer.unref();
      closeAll(reason).then(
        (clean) => {
          clearTimeout(timer);
          resolve(clean);
        },
        () => resolve(false),
      );
    });
    return running;
  }

  return {
    register(name, close) {
      closers.push({ name, close });
    },
    run,
    installSignalHandlers(exit = (code) => process.exit(code)) {
      const onSignal = (signal: NodeJS.Signals): void => {
        void run(signal).then((clean) => exit(clean ? 0 : 1));
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
    },
  };
}
