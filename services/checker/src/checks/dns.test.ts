import type { DnsTarget } from '@lighthouse/domain';
import { startDnsServer, type DnsServer } from '../../test/loopback';
import { createDnsChecker, hidePrivate } from './dns';
import { createProbes } from './probes';
import type { CheckContext } from './types';

const allowPrivate: CheckContext = { targetAccess: 'all' };
const guarded: CheckContext = { targetAccess: 'public' };

let server: DnsServer;
const check = createDnsChecker(createProbes());

/** The defaults dnsTargetSchema fills in, asking the test server. */
function target(hostname: string, overrides: Partial<DnsTarget> = {}): DnsTarget {
  return {
    hostname,
    record_type: 'A',
    resolver: server.address,
    match: 'any',
    timeout_ms: 2_000,
    ...overrides,
  };
}

beforeAll(async () => {
  server = await startDnsServer({
    'example.test': {
      A: ['203.0.113.10', '203.0.113.11'],
      AAAA: ['2001:db8::10'],
      MX: [
        { priority: 10, exchange: 'mx1.example.test' },
        { priority: 20, exchange: 'mx2.example.test' },
      ],
      TXT: ['v=spf1 -all', 'site-verification=AbC123'],
      NS: ['ns1.example.test', 'ns2.example.test'],
    },
    'www.example.test': { CNAME: ['edge.cdn.test'] },
  });
});

afterAll(async () => {
  await server.close();
});

afterEach(() => {
  server.mode = 'answer';
});

describe('dns check', () => {
  test('up: any answer when nothing is expected, timed as the dns phase', async () => {
    const result = await check(target('example.test'), allowPrivate);
    expect(result).toMatchObject({
      status: 'up',
      error_category: null,
      error_message: null,
      http_status: null,
    });
    expect(result.timings).toEqual({
      dns: result.response_time_ms,
      total: result.response_time_ms,
    });
  });

  test.each<[string, Partial<DnsTarget>]>([
    ['A, any of', { expected: ['198.51.100.1', '203.0.113.11'] }],
    ['A, all of', { expected: ['203.0.113.10', '203.0.113.11'], match: 'all' }],
    ['AAAA in another spelling', { record_type: 'AAAA', expected: ['2001:DB8:0:0::10'] }],
    ['MX as priority and host', { record_type: 'MX', expected: ['10 MX1.example.test.'] }],
    ['MX as host only', { record_type: 'MX', expected: ['mx2.example.test'], match: 'all' }],
    ['TXT, whole record', { record_type: 'TXT', expected: ['site-verification=AbC123'] }],
    ['NS with a trailing dot', { record_type: 'NS', expected: ['ns2.example.test.'] }],
  ])('up: %s', async (_name, overrides) => {
    const result = await check(target('example.test', overrides), allowPrivate);
    expect(result).toMatchObject({ status: 'up', error_category: null });
  });

  test('up: CNAME, case and trailing dot ignored', async () => {
    const result = await check(
      target('WWW.Example.Test.', { record_type: 'CNAME', expected: ['Edge.CDN.test.'] }),
      allowPrivate,
    );
    expect(result.status).toBe('up');
  });

  test('down (assertion): no expected value among the answers, which are kept', async () => {
    const result = await check(
      target('example.test', { expected: ['198.51.100.1'] }),
      allowPrivate,
    );
    expect(result).toMatchObject({ status: 'down', error_category: 'assertion' });
    expect(result.error_message).toBe(
      'no A answer matches "198.51.100.1" (got "203.0.113.10", "203.0.113.11")',
    );
    expect(result.body_excerpt).toBe('203.0.113.10\n203.0.113.11');
  });

  test('down (assertion): match all with one value missing; MX priority must agree', async () => {
    const all = await check(
      target('example.test', { expected: ['203.0.113.10', '198.51.100.1'], match: 'all' }),
      allowPrivate,
    );
    expect(all).toMatchObject({ status: 'down', error_category: 'assertion' });
    expect(all.error_message).toContain('lack "198.51.100.1"');
    const mx = await check(
      target('example.test', { record_type: 'MX', expected: ['20 mx1.example.test'] }),
      allowPrivate,
    );
    expect(mx).toMatchObject({ status: 'down', error_category: 'assertion' });
    // TXT is case-sensitive
    const txt = await check(
      target('example.test', { record_type: 'TXT', expected: ['site-verification=abc123'] }),
      allowPrivate,
    );
    expect(txt).toMatchObject({ status: 'down', error_category: 'assertion' });
  });

  test('down (dns): NXDOMAIN', async () => {
    const result = await check(target('missing.example.test'), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'dns' });
    expect(result.error_message).toBe(
      'no such name (NXDOMAIN) (ENOTFOUND): A missing.example.test',
    );
  });

  test('down (dns): the name exists without records of the type', async () => {
    const result = await check(target('www.example.test', { record_type: 'MX' }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'dns' });
    expect(result.error_message).toContain('ENODATA');
  });

  test('down (dns): SERVFAIL', async () => {
    server.mode = 'servfail';
    const result = await check(target('example.test'), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'dns' });
    expect(result.error_message).toContain('ESERVFAIL');
  });

  test('timeout: a resolver that never answers', async () => {
    server.mode = 'silent';
    const before = server.queries;
    const result = await check(target('example.test', { timeout_ms: 300 }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'timeout' });
    expect(result.error_message).toBe(
      `timed out after 300 ms waiting for an answer from ${server.address}`,
    );
    expect(server.queries).toBeGreaterThan(before);
  });

  test('malformed: a truncated answer is a dns failure', async () => {
    server.mode = 'garbage';
    const result = await check(target('example.test', { timeout_ms: 1_000 }), allowPrivate);
    expect(result).toMatchObject({ status: 'down', error_category: 'dns' });
    expect(result.error_message).toContain('EBADRESP');
  });

  test('blocked: a private resolver address is a target too, never queried', async () => {
    const before = server.queries;
    const result = await check(target('example.test'), guarded);
    expect(result).toMatchObject({ status: 'down', error_category: 'blocked' });
    expect(result.error_message).toContain('127.0.0.1 is a private or reserved address');
    for (const resolver of ['10.0.0.53', '[::1]:53', '169.254.169.254']) {
      const blocked = await check(target('example.test', { resolver }), guarded);
      expect(blocked.error_category).toBe('blocked');
    }
    expect(server.queries).toBe(before);
  });

  test('shutdown: an aborted signal cancels the query', async () => {
    server.mode = 'silent';
    const controller = new AbortController();
    const pending = check(target('example.test', { timeout_ms: 5_000 }), {
      ...allowPrivate,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ status: 'down', error_category: 'internal' });
  });
});

describe('answers shown in service mode', () => {
  it.each([
    ['10.1.2.3', '(a private address)'],
    ['192.168.0.10', '(a private address)'],
    ['fd12::1', '(a private address)'],
    ['169.254.169.254', '(a private address)'],
    ['93.184.215.14', '93.184.215.14'],
    ['2606:4700::1111', '2606:4700::1111'],
    ['mail.example.com', 'mail.example.com'],
    ['v=spf1 ip4:10.0.0.0/8 -all', 'v=spf1 ip4:10.0.0.0/8 -all'],
  ])('%s is shown as %s', (answer, shown) => {
    expect(hidePrivate(answer)).toBe(shown);
  });
});
