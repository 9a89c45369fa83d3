import { ConfigError } from '@lighthouse/shared';
import { loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://localhost/lh',
  REDIS_URL: 'redis://localhost:6379',
  ENCRYPTION_KEY: 'ab'.repeat(32),
};

describe('checker config', () => {
  it('guards private targets unless told otherwise', () => {
    expect(loadConfig(valid).LIGHTHOUSE_ALLOW_PRIVATE_TARGETS).toBe(false);
    expect(
      loadConfig({ ...valid, LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true' })
        .LIGHTHOUSE_ALLOW_PRIVATE_TARGETS,
    ).toBe(true);
  });

  it.each([
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }],
    ['LIGHTHOUSE_ALLOW_PRIVATE_TARGETS', { LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'sometimes' }],
    ['CHECKER_CONCURRENCY', { CHECKER_CONCURRENCY: '0' }],
    ['RESULT_BATCH_SIZE', { RESULT_BATCH_SIZE: '1.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite://x' }],
  ])('names %s when it is wrong', (variable, patch) => {
    expect(() => loadConfig({ ...valid, ...patch })).toThrow(ConfigError);
    expect(() => loadConfig({ ...valid, ...patch })).toThrow(variable);
  });
});
