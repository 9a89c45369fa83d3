import { DEFAULT_TIERS_PATH, loadTiers, parseTiers } from './tiers';

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
