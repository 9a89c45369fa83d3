import { ConfigError } from '@lighthouse/shared';
import { loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://localhost/lh',
  REDIS_URL: 'redis://localhost:6379',
  ENCRYPTION_KEY: 'cd'.repeat(32),
};

describe('alerter config', () => {
  it('has defaults: no SMTP, the public Telegram API, guarded channel URLs', () => {
    const config = loadConfig(valid);
    expect(config.SMTP_URL).toBeUndefined();
    expect(config).toMatchObject({
      TELEGRAM_API_BASE: 'https://api.telegram.org',
      LIGHTHOUSE_MODE: 'self-hosted',
      LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS: false,
      DELIVERY_ATTEMPTS: 8,
      METRICS_PORT: 9103,
    });
  });

  it.each([
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'nope' }],
    ['SMTP_URL', { SMTP_URL: 'http://mail.example.com' }],
    ['TELEGRAM_API_BASE', { TELEGRAM_API_BASE: 'not a url' }],
    ['DELIVERY_ATTEMPTS', { DELIVERY_ATTEMPTS: '0' }],
    ['LIGHTHOUSE_MODE', { LIGHTHOUSE_MODE: 'saas' }],
    ['ALERTER_CONCURRENCY', { ALERTER_CONCURRENCY: 'lots' }],
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
