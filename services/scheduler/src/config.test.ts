import { ConfigError } from '@lighthouse/shared';
import { loadConfig } from './config';

const valid = { DATABASE_URL: 'postgres://localhost/lh', REDIS_URL: 'redis://localhost:6379' };

describe('scheduler config', () => {
  it('has defaults for everything but the two URLs', () => {
    expect(loadConfig(valid)).toMatchObject({
      SCHEDULER_TICK_MS: 100,
      SCHEDULER_BATCH_SIZE: 1000,
      REDRIVE_INTERVAL_MS: 15_000,
      REDRIVE_AFTER_MS: 15_000,
      REDRIVE_BATCH_SIZE: 500,
      METRICS_PORT: 9101,
      QUEUE_PREFIX: 'lighthouse',
    });
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: undefined }],
    ['REDIS_URL', { REDIS_URL: 'http://x' }],
    ['SCHEDULER_TICK_MS', { SCHEDULER_TICK_MS: '10' }],
    ['SCHEDULER_BATCH_SIZE', { SCHEDULER_BATCH_SIZE: 'many' }],
    ['REDRIVE_INTERVAL_MS', { REDRIVE_INTERVAL_MS: '0' }],
    ['REDRIVE_AFTER_MS', { REDRIVE_AFTER_MS: '-5' }],
    ['METRICS_PORT', { METRICS_PORT: '-1' }],
  ])('names %s when it is wrong', (variable, patch) => {
    expect(() => loadConfig({ ...valid, ...patch })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...patch })).toThrow(variable);
  });

  it('needs METRICS_TOKEN in service mode', () => {
    expect(() => loadConfig({ ...valid, LIGHTHOUSE_MODE: 'service' })).toThrow(
      /METRICS_TOKEN: is required in service mode/,
    );
    expect(
      loadConfig({
        ...valid,
        LIGHTHOUSE_MODE: 'service',
        METRICS_TOKEN: 'a-metrics-token-0123456789',
      }).METRICS_TOKEN,
    ).toBe('a-metrics-token-0123456789');
  });
});
