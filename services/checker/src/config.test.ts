import { ConfigError, targetAccessOf } from '@lighthouse/shared';
import { loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://localhost/lh',
  REDIS_URL: 'redis://localhost:6379',
  ENCRYPTION_KEY: 'ab'.repeat(32),
  CHECKER_SIGNING_KEY: `0x${'cd'.repeat(32)}`,
};

describe('checker config', () => {
  it('reaches private targets in self-hosted mode (the default) and public ones in service mode', () => {
    expect(targetAccessOf(loadConfig(valid))).toBe('private');
    const service = { ...valid, LIGHTHOUSE_MODE: 'service', METRICS_TOKEN: 'a-metrics-token-0123' };
    expect(targetAccessOf(loadConfig(service))).toBe('public');
    expect(
      targetAccessOf(loadConfig({ ...service, LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true' })),
    ).toBe('private');
    expect(
      targetAccessOf(loadConfig({ ...valid, LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'false' })),
    ).toBe('public');
    expect(
      targetAccessOf(loadConfig({ ...valid, LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS: 'true' })),
    ).toBe('all');
  });

  it('keeps its ops server on loopback unless told', () => {
    expect(loadConfig(valid).METRICS_HOST).toBe('127.0.0.1');
    expect(loadConfig({ ...valid, METRICS_HOST: '0.0.0.0' }).METRICS_HOST).toBe('0.0.0.0');
  });

  it.each([
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }],
    ['CHECKER_SIGNING_KEY', { CHECKER_SIGNING_KEY: undefined }],
    ['CHECKER_SIGNING_KEY', { CHECKER_SIGNING_KEY: 'cd'.repeat(32) }],
    ['LIGHTHOUSE_ALLOW_PRIVATE_TARGETS', { LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'sometimes' }],
    ['LIGHTHOUSE_MODE', { LIGHTHOUSE_MODE: 'hosted' }],
    ['CHECKER_HEARTBEAT_MS', { CHECKER_HEARTBEAT_MS: '5' }],
    ['CHECKER_CONCURRENCY', { CHECKER_CONCURRENCY: '0' }],
    ['RESULT_BATCH_SIZE', { RESULT_BATCH_SIZE: '1.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite://x' }],
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
