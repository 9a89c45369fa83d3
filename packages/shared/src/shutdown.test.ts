import { PassThrough } from 'node:stream';
import { createLogger } from './logger';
import { createShutdown } from './shutdown';

const logger = createLogger({ service: 'test', level: 'error', stream: new PassThrough() });

describe('shutdown registry', () => {
  it('closes in reverse order, once, waiting for async closers', async () => {
    const order: string[] = [];
    const shutdown = createShutdown(logger, 1_000);
    shutdown.register('db', () => {
      order.push('db');
    });
    shutdown.register('server', async () => {
      await new Promise((r) => setTimeout(r, 20));
      order.push('server');
    });
    const [first, second] = await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect(first).toBe(true);
    expect(second).toBe(true);
    expect(order).toEqual(['server', 'db']);
  });

  it('keeps closing after a failure and reports it', async () => {
    const order: string[] = [];
    const shutdown = createShutdown(logger, 1_000);
    shutdown.register('a', () => {
      order.push('a');
    });
    shutdown.register('b', () => {
      throw new Error('boom');
    });
    expect(await shutdown.run('test')).toBe(false);
    expect(order).toEqual(['a']);
  });

  it('gives up after its timeout', async () => {
    const shutdown = createShutdown(logger, 50);
    shutdown.register('stuck', () => new Promise<void>(() => {}));
    const started = Date.now();
    expect(await shutdown.run('test')).toBe(false);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
