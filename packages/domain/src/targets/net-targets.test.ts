import { z } from 'zod';
import { fieldIssues } from '../fields';
import { describeTarget, maskTarget, targetTypes, type TargetTypeName } from './index';
import { normaliseDnsValue, parseResolver } from './dns';

/** The issues a config raises, as `{ field: message }` (fields relative to target_config). */
function issues(type: TargetTypeName, config: unknown): Record<string, string> {
  const parsed = targetTypes[type].schema.safeParse(config);
  if (parsed.success) return {};
  return Object.fromEntries(fieldIssues(parsed.error).map((i) => [i.field, i.message]));
}

function parse(type: TargetTypeName, config: unknown): Record<string, unknown> {
  return targetTypes[type].schema.parse(config);
}

describe('tcp target', () => {
  test('defaults: no tls, 10 s timeout', () => {
    expect(parse('tcp', { host: 'db.example.com', port: 5432 })).toEqual({
      host: 'db.example.com',
      port: 5432,
      tls: false,
      timeout_ms: 10_000,
    });
  });

  test.each([
    ['a missing port', { host: 'db.example.com' }, 'port'],
    ['port 0', { host: 'db.example.com', port: 0 }, 'port'],
    ['a URL as host', { host: 'tcp://db.example.com', port: 1 }, 'host'],
    ['a host with a space', { host: 'db example.com', port: 1 }, 'host'],
    ['an IPv4-looking name that is no address', { host: '999.1.1.1', port: 1 }, 'host'],
    ['a bracketed IPv6', { host: '[2001:db8::1]', port: 1 }, 'host'],
    [
      'servername without tls',
      { host: 'a.example', port: 1, servername: 'b.example' },
      'servername',
    ],
    [
      'reject_unauthorized without tls',
      { host: 'a.example', port: 1, reject_unauthorized: false },
      'reject_unauthorized',
    ],
    [
      'an IP as servername',
      { host: 'a.example', port: 1, tls: true, servername: '1.2.3.4' },
      'servername',
    ],
    ['timeout over 60 s', { host: 'a.example', port: 1, timeout_ms: 60_001 }, 'timeout_ms'],
    ['an unknown field', { host: 'a.example', port: 1, banner: 'SSH' }, 'banner'],
  ])('rejects %s, naming the field', (_what, config, field) => {
    expect(Object.keys(issues('tcp', config))).toContain(field);
  });

  test('accepts IPv6, underscores and a trailing dot', () => {
    for (const host of ['2001:db8::1', '_sip._tcp.example.com', 'example.com.', '10.0.0.1']) {
      expect(issues('tcp', { host, port: 1 })).toEqual({});
    }
  });

  test('describe', () => {
    expect(describeTarget('tcp', parse('tcp', { host: 'db.example.com', port: 5432 }))).toBe(
      'tcp db.example.com:5432',
    );
    expect(describeTarget('tcp', parse('tcp', { host: '2001:db8::1', port: 465, tls: true }))).toBe(
      'tcp+tls [2001:db8::1]:465',
    );
  });
});

describe('dns target', () => {
  test('defaults: record A, match any, no resolver', () => {
    expect(parse('dns', { hostname: 'example.com' })).toEqual({
      hostname: 'example.com',
      record_type: 'A',
      match: 'any',
      timeout_ms: 10_000,
    });
  });

  test.each([
    ['an IP as hostname', { hostname: '1.2.3.4' }, 'hostname', 'must be a DNS name'],
    [
      'an unknown record type',
      { hostname: 'a.example', record_type: 'SRV' },
      'record_type',
      'must be one of A, AAAA, CNAME, MX, TXT, NS',
    ],
    [
      'a resolver by name',
      { hostname: 'a.example', resolver: 'dns.google' },
      'resolver',
      'must be an IP address',
    ],
    [
      'an IPv6 resolver port without brackets',
      { hostname: 'a.example', resolver: '[::1]:99999' },
      'resolver',
      'must be an IP address',
    ],
    [
      'an AAAA expectation that is IPv4',
      { hostname: 'a.example', record_type: 'AAAA', expected: ['1.2.3.4'] },
      'expected[0]',
      'must be an IPv6 address for AAAA records',
    ],
    [
      'an MX expectation with two hosts',
      { hostname: 'a.example', record_type: 'MX', expected: ['mx1 mx2'] },
      'expected[0]',
      'must be a host name, or a priority',
    ],
    [
      'an empty expected list',
      { hostname: 'a.example', expected: [] },
      'expected',
      'must list at least one value',
    ],
    [
      'an unknown match',
      { hostname: 'a.example', match: 'some' },
      'match',
      'must be "any" or "all"',
    ],
  ])('rejects %s', (_what, config, field, message) => {
    expect(issues('dns', config)[field]).toContain(message);
  });

  test('parseResolver', () => {
    expect(parseResolver('1.1.1.1')).toEqual({ address: '1.1.1.1', port: 53 });
    expect(parseResolver('1.1.1.1:5353')).toEqual({ address: '1.1.1.1', port: 5353 });
    expect(parseResolver('2606:4700::1111')).toEqual({ address: '2606:4700::1111', port: 53 });
    expect(parseResolver('[2606:4700::1111]:853')).toEqual({
      address: '2606:4700::1111',
      port: 853,
    });
    for (const bad of ['1.1.1', '1.1.1.1:0', '[1.1.1.1]:53', 'one.one', '1.1.1.1:', '']) {
      expect(parseResolver(bad)).toBeNull();
    }
  });

  test('normaliseDnsValue: case, trailing dots, IPv6 spelling, MX forms; TXT as written', () => {
    expect(normaliseDnsValue('CNAME', 'Edge.CDN.example.')).toBe('edge.cdn.example');
    expect(normaliseDnsValue('AAAA', '2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normaliseDnsValue('MX', '010  MX1.Example.com.')).toBe('10 mx1.example.com');
    expect(normaliseDnsValue('MX', 'mx1.example.com')).toBe('mx1.example.com');
    expect(normaliseDnsValue('TXT', 'v=spf1 Include:X')).toBe('v=spf1 Include:X');
    expect(normaliseDnsValue('A', '1.2.3')).toBeNull();
  });

  test('describe', () => {
    expect(
      describeTarget('dns', parse('dns', { hostname: 'example.com', record_type: 'MX' })),
    ).toBe('dns MX example.com');
    expect(
      describeTarget('dns', parse('dns', { hostname: 'example.com', resolver: '1.1.1.1' })),
    ).toBe('dns A example.com @1.1.1.1');
  });
});

describe('tls target', () => {
  test('defaults: port 443, warning 14 days, critical 3 days', () => {
    expect(parse('tls', { host: 'example.com' })).toEqual({
      host: 'example.com',
      port: 443,
      warning_days: 14,
      critical_days: 3,
      timeout_ms: 10_000,
    });
  });

  test('critical_days may not exceed warning_days', () => {
    expect(issues('tls', { host: 'example.com', warning_days: 2 })).toEqual({
      critical_days: 'must not be more than warning_days (14 unless set)',
    });
    expect(issues('tls', { host: 'example.com', warning_days: 2, critical_days: 2 })).toEqual({});
  });

  test('rejects fractional or negative days', () => {
    expect(Object.keys(issues('tls', { host: 'a.example', warning_days: 1.5 }))).toEqual([
      'warning_days',
    ]);
    expect(Object.keys(issues('tls', { host: 'a.example', critical_days: -1 }))).toEqual([
      'critical_days',
    ]);
  });

  test('describe names the servername when it differs from the host', () => {
    expect(describeTarget('tls', parse('tls', { host: 'example.com' }))).toBe(
      'tls example.com:443',
    );
    expect(
      describeTarget(
        'tls',
        parse('tls', { host: '203.0.113.7', port: 8443, servername: 'www.example.com' }),
      ),
    ).toBe('tls 203.0.113.7:8443 (www.example.com)');
  });
});

describe('websocket target', () => {
  test('defaults', () => {
    expect(parse('websocket', { url: 'wss://stream.example.com/feed' })).toEqual({
      url: 'wss://stream.example.com/feed',
      headers: {},
      timeout_ms: 10_000,
    });
  });

  test.each([
    ['an http url', { url: 'https://example.com/' }, 'url'],
    ['a fragment', { url: 'wss://example.com/#x' }, 'url'],
    [
      'a handshake header',
      { url: 'wss://a.example/', headers: { 'Sec-WebSocket-Key': 'x' } },
      'headers',
    ],
    [
      'a header with a line break',
      { url: 'wss://a.example/', headers: { 'X-A': 'a\r\nb' } },
      'headers.X-A',
    ],
    [
      'both contains and matches',
      { url: 'wss://a.example/', expect: { contains: 'a', matches: 'b' } },
      'expect',
    ],
    ['neither contains nor matches', { url: 'wss://a.example/', expect: {} }, 'expect'],
    ['an invalid pattern', { url: 'wss://a.example/', expect: { matches: '(' } }, 'expect.matches'],
    ['an empty message', { url: 'wss://a.example/', send: '' }, 'send'],
  ])('rejects %s, naming the field', (_what, config, field) => {
    expect(Object.keys(issues('websocket', config))).toContain(field);
  });

  test('mask hides the password, query values, header values and the message sent', () => {
    const config = parse('websocket', {
      url: 'wss://user:hunter2-password@stream.example.com/feed?token=abcdef123456&v=2',
      headers: { Authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature' },
      send: '{"op":"auth","key":"sk_live_0123456789abcdef"}',
      expect: { contains: 'ok' },
    });
    const masked = maskTarget('websocket', config);
    const text = JSON.stringify(masked);
    for (const secret of ['hunter2', 'abcdef123456', 'eyJhbGci', 'sk_live_0123456789abcdef']) {
      expect(text).not.toContain(secret);
    }
    expect(masked.url).toBe('wss://user:****@stream.example.com/feed?token=****&v=****');
    expect(masked.expect).toEqual({ contains: 'ok' });
  });

  test('describe leaves out credentials and the query', () => {
    const config = parse('websocket', {
      url: 'wss://user:pw@stream.example.com:8443/feed?token=abcdef123456',
    });
    expect(describeTarget('websocket', config)).toBe(
      'websocket wss://stream.example.com:8443/feed',
    );
  });
});

test('the API can describe every network schema as JSON Schema', () => {
  for (const type of ['tcp', 'dns', 'tls', 'websocket'] as const) {
    expect(() =>
      z.toJSONSchema(targetTypes[type].schema, { io: 'input', unrepresentable: 'any' }),
    ).not.toThrow();
  }
});
