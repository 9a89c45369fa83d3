import { TARGET_TYPE_NAMES } from './targets';
import {
  DEFAULT_TIERS_PATH,
  SELF_HOSTED_TIER,
  defaultInterval,
  instanceTiers,
  loadTiers,
  parseTiers,
} from './tiers';

describe('tiers', () => {
  it('ships free, standard and pro, with only free unpaid', () => {
    const tiers = loadTiers(DEFAULT_TIERS_PATH);
    expect([...tiers.keys()]).toEqual(['free', 'standard', 'pro']);
    expect(tiers.get('free')?.paid).toBe(false);
    expect(tiers.get('pro')?.paid).toBe(true);
    expect(tiers.get('pro')?.min_interval_seconds).toBeLessThan(
      tiers.get('free')?.min_interval_seconds ?? 0,
    );
  });

  it('names the bad field of a broken file', () => {
    expect(() => parseTiers({ tiers: { free: { label: 'Free' } } })).toThrow(
      /tiers\.free\.min_interval_seconds/,
    );
    expect(() => parseTiers({ tiers: {} })).toThrow(/at least one tier/);
    expect(() => loadTiers('/nonexistent/tiers.json')).toThrow(/cannot read tiers file/);
  });
});

describe('instanceTiers', () => {
  it('gives a self-hosted instance one free tier with every check type and no cap', () => {
    const tiers = instanceTiers({ LIGHTHOUSE_MODE: 'self-hosted', LIGHTHOUSE_RETENTION_DAYS: 45 });
    expect([...tiers.keys()]).toEqual([SELF_HOSTED_TIER]);
    const tier = tiers.get(SELF_HOSTED_TIER)!;
    expect(tier).toMatchObject({ paid: false, min_interval_seconds: 10, raw_retention_days: 45 });
    expect([...tier.allowed_target_types].sort()).toEqual([...TARGET_TYPE_NAMES].sort());
    expect(tier.max_subscriptions).toBe(Number.MAX_SAFE_INTEGER);
    // new monitors default to a minute, like Uptime Kuma's
    expect(defaultInterval(tier)).toBe(60);
  });

  it('gives a service the tiers file, whose minimum stays the default interval', () => {
    const tiers = instanceTiers({ LIGHTHOUSE_MODE: 'service', LIGHTHOUSE_RETENTION_DAYS: 90 });
    expect([...tiers.keys()]).toEqual(['free', 'standard', 'pro']);
    expect(defaultInterval(tiers.get('free')!)).toBe(300);
  });
});
