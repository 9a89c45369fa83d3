import { describeTarget, maskTarget } from './index';
import { httpTargetSchema } from './http';

const parse = (config: unknown) =>
  httpTargetSchema.parse(config) as unknown as Record<string, unknown>;

describe('http target secrets', () => {
  const config = parse({
    url: 'https://user:p4ss@api.example.com/v1/health?api_key=sk-live-0123456789&region=eu&flag=',
    headers: { Authorization: 'Bearer tok-0123456789abcdefghij' },
  });

  test('the masked view hides the password, every query value and header values', () => {
    const masked = maskTarget('http', config);
    expect(masked.url).toBe(
      'https://user:****@api.example.com/v1/health?api_key=****&region=****&flag=',
    );
    expect(masked.headers).toEqual({ Authorization: '****ghij' });
    expect(JSON.stringify(masked)).not.toMatch(/p4ss|sk-live|0123456789/);
  });

  test('the description (a default name, an alert line) names the query, never its values', () => {
    expect(describeTarget('http', config)).toBe(
      'GET https://api.example.com/v1/health?api_key=****&region=****&flag=',
    );
    expect(describeTarget('http', parse({ url: 'https://example.com/health' }))).toBe(
      'GET https://example.com/health',
    );
  });
});
