import { ConfigError } from '@lighthouse/shared';
import { loadConfig } from './config';

const valid = {
  DATABASE_URL: 'postgres://u@localhost:5432/lighthouse',
  REDIS_URL: 'redis://localhost:6379',
  ENCRYPTION_KEY: 'a'.repeat(64),
  ADMIN_TOKEN: 'admin-token-0123456789',
};

function failure(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('api config', () => {
  it('applies defaults', () => {
    const config = loadConfig(valid);
    expect(config).toMatchObject({
      PORT: 3000,
      QUEUE_PREFIX: 'lighthouse',
      LOG_LEVEL: 'info',
      SIWE_DOMAIN: 'localhost:3000',
      CORS_ORIGINS: [],
      // self-hosted on loopback unless told otherwise
      LIGHTHOUSE_MODE: 'self-hosted',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://localhost:3000',
      LIGHTHOUSE_ADMIN_WALLETS: [],
      LIGHTHOUSE_RETENTION_DAYS: 90,
      LIGHTHOUSE_MIN_INTERVAL_SECONDS: 10,
    });
    expect(config.ENCRYPTION_KEY).toHaveLength(32);
  });

  it('trusts loopback proxies unless told which proxies (or how many hops) to believe', () => {
    expect(loadConfig(valid).TRUST_PROXY).toBe('loopback');
    expect(loadConfig({ ...valid, TRUST_PROXY: 'loopback, 10.0.0.0/16' }).TRUST_PROXY).toBe(
      'loopback, 10.0.0.0/16',
    );
    expect(loadConfig({ ...valid, TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(failure({ ...valid, TRUST_PROXY: 'true' }).message).toMatch(/TRUST_PROXY/);
    expect(failure({ ...valid, TRUST_PROXY: '10.0.0.0/16, everyone' }).message).toMatch(
      /TRUST_PROXY/,
    );
  });

  it('derives SIWE_DOMAIN from PORT and splits CORS origins', () => {
    const config = loadConfig({
      ...valid,
      PORT: '8080',
      CORS_ORIGINS: 'https://a.example.com, http://localhost:5173',
    });
    expect(config.SIWE_DOMAIN).toBe('localhost:8080');
    expect(config.CORS_ORIGINS).toEqual(['https://a.example.com', 'http://localhost:5173']);
  });

  it.each([
    ['DATABASE_URL', { DATABASE_URL: undefined }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: undefined }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: 'short' }],
    ['ENCRYPTION_KEY', { ENCRYPTION_KEY: '' }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: undefined }],
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'short' }],
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['QUEUE_PREFIX', { QUEUE_PREFIX: 'has space' }],
    ['CORS_ORIGINS', { CORS_ORIGINS: 'https://a.example.com/path' }],
    ['SESSION_TTL_HOURS', { SESSION_TTL_HOURS: '0' }],
    ['X402_PAY_TO', { X402_PAY_TO: '0x1234', X402_FACILITATOR_URL: 'https://f.example.com' }],
    // payments and tiers belong to service mode: refused in self-hosted mode, not ignored
    [
      'X402_PAY_TO',
      { X402_PAY_TO: `0x${'a'.repeat(40)}`, X402_FACILITATOR_URL: 'https://f.example.com' },
    ],
    ['LIGHTHOUSE_TIERS', { LIGHTHOUSE_TIERS: '/etc/lighthouse/tiers.json' }],
    ['LIGHTHOUSE_MODE', { LIGHTHOUSE_MODE: 'public' }],
    ['LIGHTHOUSE_ADMIN_WALLETS', { LIGHTHOUSE_ADMIN_WALLETS: '0xabc, vitalik.eth' }],
    ['PUBLIC_URL', { PUBLIC_URL: 'lighthouse.example.com' }],
    ['LIGHTHOUSE_MIN_INTERVAL_SECONDS', { LIGHTHOUSE_MIN_INTERVAL_SECONDS: '0' }],
    ['X402_NETWORK', { X402_NETWORK: 'avalanche-fuji' }],
    ['X402_FACILITATOR_URL', { LIGHTHOUSE_MODE: 'service', X402_PAY_TO: `0x${'a'.repeat(40)}` }],
    ['X402_FACILITATOR_URL', { X402_FACILITATOR_URL: 'ftp://f.example.com' }],
    ['X402_RPC_URL', { X402_RELAYER_PRIVATE_KEY: `0x${'1'.repeat(64)}` }],
    ['X402_RELAYER_PRIVATE_KEY', { X402_RELAYER_PRIVATE_KEY: '0x12' }],
  ])('names %s when it is wrong', (variable, patch) => {
    const err = failure({ ...valid, ...patch });
    expect(err.issues.map((i) => i.variable)).toContain(variable);
    expect(err.message).toContain(variable);
  });

  it('names every bad variable at once', () => {
    const err = failure({});
    expect(err.issues.map((i) => i.variable).sort()).toEqual([
      'ADMIN_TOKEN',
      'DATABASE_URL',
      'ENCRYPTION_KEY',
      'REDIS_URL',
    ]);
  });

  it('in service mode, needs SIWE_DOMAIN and METRICS_TOKEN, naming each', () => {
    const err = failure({ ...valid, LIGHTHOUSE_MODE: 'service' });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(['METRICS_TOKEN', 'SIWE_DOMAIN']);
    expect(err.message).toMatch(/SIWE_DOMAIN: is required in service mode/);
    const config = loadConfig({
      ...valid,
      LIGHTHOUSE_MODE: 'service',
      SIWE_DOMAIN: 'lighthouse.example.com',
      METRICS_TOKEN: 'a-metrics-token-0123456789',
      SIWE_CHAIN_IDS: '1, 8453',
    });
    expect(config.SIWE_CHAIN_IDS).toEqual([1, 8453]);
    expect(() => loadConfig({ ...valid, SIWE_CHAIN_IDS: 'mainnet' })).toThrow(/SIWE_CHAIN_IDS/);
  });

  it('reads the admin wallets in lower case and the public URL without a trailing slash', () => {
    const config = loadConfig({
      ...valid,
      LIGHTHOUSE_ADMIN_WALLETS: ` 0x${'AB'.repeat(20)} ,0x${'cd'.repeat(20)}`,
      PUBLIC_URL: 'https://lighthouse.example.com/',
    });
    expect(config.LIGHTHOUSE_ADMIN_WALLETS).toEqual([
      `0x${'ab'.repeat(20)}`,
      `0x${'cd'.repeat(20)}`,
    ]);
    expect(config.PUBLIC_URL).toBe('https://lighthouse.example.com');
  });

  it('takes x402 payments only when told where to send them and how to settle', () => {
    expect(loadConfig(valid).X402_PAY_TO).toBeUndefined();
    const config = loadConfig({
      ...valid,
      LIGHTHOUSE_MODE: 'service',
      SIWE_DOMAIN: 'lighthouse.example.com',
      METRICS_TOKEN: 'a-metrics-token-0123456789',
      X402_PAY_TO: `0x${'a'.repeat(40)}`,
      X402_FACILITATOR_URL: 'https://facilitator.example.com',
    });
    expect(config).toMatchObject({
      X402_NETWORK: 'eip155:43113',
      X402_ASSET: '0x5425890298aed601595a70AB815c96711a31Bc65',
      X402_ASSET_NAME: 'USD Coin',
      X402_ASSET_VERSION: '2',
      X402_ASSET_DECIMALS: 6,
    });
  });
});
