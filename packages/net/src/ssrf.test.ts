import { once } from 'node:events';
import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import {
  BLOCKED_ADDRESS_CODE,
  BlockedAddressError,
  classifyAddress,
  createSsrfGuard,
  isBlockedAddress,
  type Resolver,
  type SsrfGuard,
} from './ssrf';

/** Calls a guard's lookup the way node's net.connect does, as a promise. */
function lookup(
  guard: SsrfGuard,
  hostname: string,
  options: { all?: boolean; family?: number } = {},
): Promise<{ address: string | LookupAddress[]; family: number | undefined }> {
  return new Promise((resolve, reject) => {
    guard.lookup(hostname, options, (error, address, family) => {
      if (error) reject(error);
      else resolve({ address, family });
    });
  });
}

/** A resolver for made-up names, so no test depends on the internet. */
function fakeResolver(table: Record<string, LookupAddress[]>): Resolver {
  return (hostname) => Promise.resolve(table[hostname] ?? []);
}

describe("the private policy (self-hosted): the owner's network, never link-local or metadata", () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['::1', 'IPv6 loopback'],
    ['10.1.2.3', 'private 10/8'],
    ['172.20.0.5', 'private 172.16/12'],
    ['192.168.1.10', 'private 192.168/16'],
    ['100.64.0.1', 'CGNAT (Tailscale and friends)'],
    ['fd12:3456::1', 'unique local'],
    ['::ffff:192.168.1.1', 'IPv4-mapped private'],
  ])('lets %s through (%s)', (ip) => {
    expect(classifyAddress(ip)).toBe('private');
    expect(isBlockedAddress(ip, 'private')).toBe(false);
    expect(isBlockedAddress(ip, 'public')).toBe(true);
    expect(isBlockedAddress(ip, 'all')).toBe(false);
  });

  test.each([
    ['169.254.169.254', 'AWS, GCP and Azure metadata'],
    ['169.254.1.1', 'link-local'],
    ['100.100.100.200', 'Alibaba metadata'],
    ['192.0.0.192', 'Oracle metadata'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with a zone'],
    ['fd00:ec2::254', 'AWS metadata over IPv6'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 of the metadata address'],
    ['2002:a9fe:a9fe::1', '6to4 of the metadata address'],
  ])('refuses %s (%s) unless everything is allowed', (ip) => {
    expect(classifyAddress(ip)).toBe('link-local');
    expect(isBlockedAddress(ip, 'private')).toBe(true);
    expect(isBlockedAddress(ip, 'public')).toBe(true);
    expect(isBlockedAddress(ip, 'all')).toBe(false);
  });

  it('lets public addresses through under every policy, and refuses what is not an address', () => {
    for (const access of ['public', 'private', 'all'] as const) {
      expect(isBlockedAddress('93.184.215.14', access)).toBe(false);
      expect(isBlockedAddress('2606:4700::1111', access)).toBe(false);
    }
    expect(classifyAddress('not-an-ip')).toBe('invalid');
    expect(isBlockedAddress('not-an-ip', 'private')).toBe(true);
  });

  it('under the public policy (a service) says a name is private without saying its address', async () => {
    const guard = createSsrfGuard({
      access: 'public',
      resolve: fakeResolver({ 'intranet.corp': [{ address: '10.20.30.40', family: 4 }] }),
    });
    const error = await lookup(guard, 'intranet.corp').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect((error as Error).message).toBe(
      'intranet.corp resolves to a private or reserved address',
    );
    expect((error as BlockedAddressError).address).toBe('10.20.30.40');
    // an address the user wrote is theirs to see
    expect(() => guard.assertHostAllowed('10.20.30.40')).toThrow('10.20.30.40 is a private');
  });

  it('resolves names under the private policy and names why a metadata address is refused', async () => {
    const guard = createSsrfGuard({
      access: 'private',
      resolve: fakeResolver({
        'nas.home.arpa': [{ address: '192.168.1.20', family: 4 }],
        'metadata.internal': [{ address: '169.254.169.254', family: 4 }],
      }),
    });
    await expect(lookup(guard, 'nas.home.arpa')).resolves.toMatchObject({
      address: '192.168.1.20',
    });
    await expect(lookup(guard, 'metadata.internal')).rejects.toThrow(
      'metadata.internal resolves to 169.254.169.254, a link-local or cloud metadata address',
    );
    expect(() => guard.assertHostAllowed('[fe80::1]')).toThrow(BlockedAddressError);
    expect(() => guard.assertHostAllowed('127.0.0.1')).not.toThrow();
  });
});

describe('isBlockedAddress', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback /8'],
    ['::1', 'IPv6 loopback'],
    ['::', 'IPv6 unspecified'],
    ['10.0.0.1', 'private 10/8'],
    ['172.16.0.1', 'private 172.16/12'],
    ['172.31.255.255', 'private 172.16/12, top'],
    ['192.168.1.1', 'private 192.168/16'],
    ['169.254.169.254', 'cloud metadata (link-local)'],
    ['169.254.0.1', 'link-local'],
    ['100.64.0.1', 'CGNAT'],
    ['100.100.100.200', 'Alibaba metadata (CGNAT)'],
    ['0.0.0.0', 'this host'],
    ['0.1.2.3', '0/8'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast (SSDP)'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.0.192', 'IETF protocol assignments (Oracle metadata)'],
    ['192.0.2.1', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['::ffff:127.0.0.1', 'IPv4-mapped loopback, dotted'],
    ['::ffff:7f00:1', 'IPv4-mapped loopback, hex'],
    ['0:0:0:0:0:ffff:7f00:0001', 'IPv4-mapped loopback, long form'],
    ['::ffff:10.0.0.1', 'IPv4-mapped private'],
    ['::ffff:169.254.169.254', 'IPv4-mapped metadata'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::7f00:1', 'IPv4-compatible loopback, hex'],
    ['::ffff:0:10.0.0.1', 'IPv4-translated private'],
    ['64:ff9b::10.0.0.1', 'NAT64 embedding a private address'],
    ['64:ff9b::7f00:1', 'NAT64 embedding loopback'],
    ['64:ff9b:1::1', 'local-use NAT64'],
    ['2002:7f00:1::1', '6to4 embedding loopback'],
    ['2002:c0a8:101::', '6to4 embedding 192.168.1.1'],
    ['2002:a9fe:a9fe::1', '6to4 embedding metadata'],
    ['2001:0:4136:e378::1', 'Teredo'],
    ['fe80::1', 'IPv6 link-local'],
    ['fe80::1%eth0', 'IPv6 link-local with a zone'],
    ['febf:ffff::1', 'IPv6 link-local, top of fe80::/10'],
    ['fc00::1', 'unique local'],
    ['fd12:3456::1', 'unique local fd'],
    ['fd00:ec2::254', 'AWS metadata over IPv6'],
    ['ff02::1', 'IPv6 multicast'],
    ['2001:db8::1', 'IPv6 documentation'],
    ['not-an-ip', 'not an address (fails closed)'],
    ['', 'empty (fails closed)'],
  ])('blocks %s (%s)', (ip) => {
    expect(isBlockedAddress(ip)).toBe(true);
  });

  test.each([
    '8.8.8.8',
    '1.1.1.1',
    '93.184.216.34',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '169.253.255.255',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('allows the public address %s', (ip) => {
    expect(isBlockedAddress(ip)).toBe(false);
  });
});

describe('assertHostAllowed (IP literals in URLs)', () => {
  const guard = createSsrfGuard({ access: 'public' });

  // WHATWG URL parsing turns every IPv4 spelling into dotted decimal before the guard sees it.
  test.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://2130706433/', '127.0.0.1'],
    ['http://0177.0.0.1/', '127.0.0.1'],
    ['http://0x7f.0.0.1/', '127.0.0.1'],
    ['http://0x7f000001/', '127.0.0.1'],
    ['http://017700000001/', '127.0.0.1'],
    ['http://127.1/', '127.0.0.1'],
    ['http://127.0.0.1./', '127.0.0.1'],
    ['http://0/', '0.0.0.0'],
    ['http://10.1/', '10.0.0.1'],
    ['http://[::1]:8080/', '[::1]'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]'],
    ['http://[fd00:ec2::254]/', '[fd00:ec2::254]'],
    ['https://169.254.169.254/latest/meta-data/', '169.254.169.254'],
  ])('blocks %s (hostname %s)', (url, hostname) => {
    const parsed = new URL(url);
    expect(parsed.hostname).toBe(hostname);
    expect(() => guard.assertHostAllowed(parsed.hostname)).toThrow(BlockedAddressError);
  });

  test('lets public literals and host names through (names are checked at lookup)', () => {
    expect(() => guard.assertHostAllowed('8.8.8.8')).not.toThrow();
    expect(() => guard.assertHostAllowed('[2606:4700:4700::1111]')).not.toThrow();
    expect(() => guard.assertHostAllowed('example.com')).not.toThrow();
  });

  test('blocks nothing when private targets are allowed', () => {
    const open = createSsrfGuard({ access: 'all' });
    expect(() => open.assertHostAllowed('127.0.0.1')).not.toThrow();
    expect(() => open.assertHostAllowed('[::1]')).not.toThrow();
  });

  test('the error carries the blocked code and category', () => {
    const error = new BlockedAddressError('127.0.0.1', '127.0.0.1');
    expect(error).toMatchObject({ code: BLOCKED_ADDRESS_CODE, category: 'blocked' });
  });
});

describe('guarded lookup', () => {
  const publicV4: LookupAddress = { address: '93.184.216.34', family: 4 };
  const publicV6: LookupAddress = { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 };

  test('rejects a name that resolves to loopback (localhost, system resolver)', async () => {
    const guard = createSsrfGuard({ access: 'public' });
    await expect(lookup(guard, 'localhost')).rejects.toMatchObject({
      code: BLOCKED_ADDRESS_CODE,
      category: 'blocked',
    });
    await expect(lookup(guard, 'localhost', { all: true })).rejects.toBeInstanceOf(
      BlockedAddressError,
    );
  });

  test('rejects a name if any of its addresses is blocked', async () => {
    const guard = createSsrfGuard({
      access: 'public',
      resolve: fakeResolver({
        'mixed.example': [publicV4, { address: '10.0.0.5', family: 4 }],
        'v6.example': [publicV6, { address: '::ffff:169.254.169.254', family: 6 }],
      }),
    });
    await expect(lookup(guard, 'mixed.example', { all: true })).rejects.toMatchObject({
      code: BLOCKED_ADDRESS_CODE,
      address: '10.0.0.5',
    });
    await expect(lookup(guard, 'v6.example')).rejects.toMatchObject({
      address: '::ffff:169.254.169.254',
    });
  });

  test('answers with exactly the checked addresses, in both call forms', async () => {
    const guard = createSsrfGuard({
      access: 'public',
      resolve: fakeResolver({ 'public.example': [publicV4, publicV6] }),
    });
    await expect(lookup(guard, 'public.example', { all: true })).resolves.toEqual({
      address: [publicV4, publicV6],
      family: undefined,
    });
    await expect(lookup(guard, 'public.example')).resolves.toEqual({
      address: publicV4.address,
      family: 4,
    });
  });

  test('passes the requested family to the resolver', async () => {
    const seen: number[] = [];
    const guard = createSsrfGuard({
      access: 'public',
      resolve: (_hostname, options) => {
        seen.push(options.family);
        return Promise.resolve([publicV6]);
      },
    });
    await lookup(guard, 'public.example', { family: 6 });
    await lookup(guard, 'public.example', { all: true });
    expect(seen).toEqual([6, 0]);
  });

  test('passes resolver errors through and reports an empty answer as ENOTFOUND', async () => {
    const failing = createSsrfGuard({
      access: 'public',
      resolve: () =>
        Promise.reject(Object.assign(new Error('queryA EAI_AGAIN'), { code: 'EAI_AGAIN' })),
    });
    await expect(lookup(failing, 'flaky.example')).rejects.toMatchObject({ code: 'EAI_AGAIN' });
    const empty = createSsrfGuard({ access: 'public', resolve: fakeResolver({}) });
    await expect(lookup(empty, 'nothing.example')).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  test('allows everything when private targets are allowed', async () => {
    const guard = createSsrfGuard({ access: 'all' });
    const { address } = await lookup(guard, 'localhost', { all: true });
    expect(Array.isArray(address) && address.every((a) => isBlockedAddress(a.address))).toBe(true);
  });

  describe('as the lookup of http.request', () => {
    let server: http.Server;
    let port: number;
    let requests = 0;

    beforeAll(async () => {
      server = http.createServer((_req, res) => {
        requests += 1;
        res.end('ok');
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      server.close();
      await once(server, 'close');
    });

    function get(guard: SsrfGuard, host: string): Promise<number | undefined> {
      return new Promise((resolve, reject) => {
        const req = http.get(
          { host, port, path: '/', lookup: guard.lookup, agent: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode));
          },
        );
        req.on('error', reject);
      });
    }

    test('connects through it when allowed, and never connects when blocked', async () => {
      const before = requests;
      // A made-up name mapped to the server proves node connects to the address the guard gave.
      const open = createSsrfGuard({
        access: 'all',
        resolve: fakeResolver({ 'app.example': [{ address: '127.0.0.1', family: 4 }] }),
      });
      await expect(get(open, 'app.example')).resolves.toBe(200);
      expect(requests).toBe(before + 1);

      const closed = createSsrfGuard({ access: 'public' });
      await expect(get(closed, 'localhost')).rejects.toMatchObject({ code: BLOCKED_ADDRESS_CODE });
      expect(requests).toBe(before + 1);
    });
  });
});
