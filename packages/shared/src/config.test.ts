import { z } from 'zod';
import { ConfigError, env, parseConfig } from './config';

describe('parseConfig', () => {
  const schema = z.object({ A_URL: env.redisUrl(), FLAG: env.bool(false), N: env.int(5, 1, 10) });

  it('parses, defaults, and treats empty strings as unset', () => {
    expect(parseConfig(schema, { A_URL: 'redis://x', FLAG: '', N: '' })).toEqual({
      A_URL: 'redis://x',
      FLAG: false,
      N: 5,
    });
    expect(parseConfig(schema, { A_URL: 'redis://x', FLAG: 'true', N: '7' })).toMatchObject({
      FLAG: true,
      N: 7,
    });
  });

  it('throws a ConfigError naming each bad variable', () => {
    expect(() => parseConfig(schema, { FLAG: 'maybe', N: '11' })).toThrow(ConfigError);
    try {
      parseConfig(schema, { FLAG: 'maybe', N: '11' });
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
        'A_URL',
        'FLAG',
        'N',
      ]);
      expect((err as Error).message).toMatch(/A_URL: is required/);
    }
  });
});
