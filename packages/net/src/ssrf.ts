import { promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net';

/**
 * The SSRF guard (DESIGN.md invariant 5): a checker never connects to loopback, private,
 * link-local, CGNAT, multicast, reserved or cloud-metadata addresses, on any redirect hop,
 * unless the operator allows them. Three policies ({@link TargetAccess}):
 * - `public` (service mode): only the public internet;
 * - `private` (self-hosted mode): also loopback, private networks, CGNAT and unique-local
 *   addresses (the owner's own network), but still no link-local or cloud-metadata address;
 * - `all`: nothing is refused (LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS, and tests).
 *
 * Two doors lead to a socket and both are guarded:
 * - host names go through {@link SsrfGuard.lookup}, used as the `lookup` of `http.request`:
 *   it resolves once, refuses the host if any address is blocked, and hands the socket only
 *   addresses it has checked, so there is no second lookup to race (DNS rebinding);
 * - IP literals never reach `lookup` (node connects to them directly), so every request URL,
 *   first hop and redirects alike, goes through {@link SsrfGuard.assertHostAllowed}.
 */

export const BLOCKED_ADDRESS_CODE = 'ERR_LIGHTHOUSE_BLOCKED_ADDRESS';

export class BlockedAddressError extends Error {
  readonly code = BLOCKED_ADDRESS_CODE;
  readonly category = 'blocked';

  /**
   * `reveal: false` (public targets only, a service's policy) leaves out what a name resolved
   * to: the operator's resolver can name the operator's private network, and messages reach
   * customers (results, alerts, status pages). An address the user wrote is theirs to see.
   */
  constructor(
    readonly hostname: string,
    readonly address: string,
    reveal = true,
  ) {
    const what =
      classifyAddress(address) === 'link-local'
        ? 'a link-local or cloud metadata address'
        : 'a private or reserved address';
    super(
      hostname === address
        ? `${address} is ${what}`
        : reveal
          ? `${hostname} resolves to ${address}, ${what}`
          : `${hostname} resolves to ${what}`,
    );
    this.name = 'BlockedAddressError';
  }
}

/** Which addresses a connection may reach; see the module comment. */
export type TargetAccess = 'public' | 'private' | 'all';

/**
 * What an address reaches: the public internet, a private network (loopback, RFC 1918, CGNAT,
 * unique-local, reserved), or a link-local or cloud-metadata address, which stays refused
 * even where private targets are allowed. Anything that is not an IP address is `invalid`.
 */
export type AddressClass = 'public' | 'private' | 'link-local' | 'invalid';

// IPv4 ranges that are not the public internet (IANA special-purpose registry, RFC 6890).
const blockedV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // CGNAT (also Alibaba's metadata service 100.100.100.200)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, including the metadata service 169.254.169.254
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments (Oracle's metadata 192.0.0.192)
  ['192.0.2.0', 24], // documentation TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast (deprecated)
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation TEST-NET-2
  ['203.0.113.0', 24], // documentation TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, including broadcast 255.255.255.255
] as const) {
  blockedV4.addSubnet(network, prefix, 'ipv4');
}

// IPv6 ranges blocked outright. Ranges that embed an IPv4 address are decided by that address
// (see embeddedIPv4), except ::/96 whose "IPv4-compatible" form is deprecated and never public.
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96], // unspecified ::, loopback ::1 and deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard-only
  ['2001::', 32], // Teredo: tunnels to an IPv4 host the address only hides
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation (RFC 9637)
  ['fc00::', 7], // unique local, including AWS's metadata service fd00:ec2::254
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(network, prefix, 'ipv6');
}

// Link-local ranges and the cloud metadata services that live outside them: refused even when
// private targets are allowed (a self-hosted install on a cloud VM must not hand out its
// instance credentials).
const linkLocalV4 = new BlockList();
linkLocalV4.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, AWS/GCP/Azure metadata 169.254.169.254
linkLocalV4.addAddress('100.100.100.200', 'ipv4'); // Alibaba Cloud metadata
linkLocalV4.addAddress('192.0.0.192', 'ipv4'); // Oracle Cloud metadata
const linkLocalV6 = new BlockList();
linkLocalV6.addSubnet('fe80::', 10, 'ipv6'); // link-local
linkLocalV6.addAddress('fd00:ec2::254', 'ipv6'); // AWS metadata over IPv6

export function classifyAddress(ip: string): AddressClass {
  const v4Class = (v4: string): AddressClass =>
    linkLocalV4.check(v4, 'ipv4')
      ? 'link-local'
      : blockedV4.check(v4, 'ipv4')
        ? 'private'
        : 'public';
  if (isIPv4(ip)) return v4Class(ip);
  const address = stripZone(ip);
  if (!isIPv6(address)) return 'invalid';
  if (linkLocalV6.check(address, 'ipv6')) return 'link-local';
  const v4 = embeddedIPv4(address);
  if (v4 !== null && v4Class(v4) === 'link-local') return 'link-local';
  if (blockedV6.check(address, 'ipv6')) return 'private';
  return v4 === null ? 'public' : v4Class(v4);
}

/**
 * Whether `access` refuses a connection to `ip` (by default whether `ip` could reach anything
 * but the public internet). Anything that is not a valid IP address is refused: the guard
 * fails closed.
 */
export function isBlockedAddress(ip: string, access: TargetAccess = 'public'): boolean {
  if (access === 'all') return false;
  const kind = classifyAddress(ip);
  if (kind === 'public') return false;
  return !(access === 'private' && kind === 'private');
}

/** `fe80::1%eth0` → `fe80::1`; a zone only ever accompanies link-local addresses, blocked anyway. */
function stripZone(ip: string): string {
  const at = ip.indexOf('%');
  return at === -1 ? ip : ip.slice(0, at);
}

/**
 * The IPv4 address that an IPv6 address stands for, where the packet would end up there:
 * IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::a.b.c.d and
 * 6to4 2002:AABB:CCDD::/48. `null` for every other address.
 */
function embeddedIPv4(ip: string): string | null {
  const w = parseIPv6(ip);
  if (w === null) return null;
  const zeros = (from: number, to: number): boolean => w.slice(from, to).every((x) => x === 0);
  if (w[0] === 0x2002) return wordsToIPv4(w[1] ?? 0, w[2] ?? 0);
  const low = (): string => wordsToIPv4(w[6] ?? 0, w[7] ?? 0);
  if (zeros(0, 5) && w[5] === 0xffff) return low();
  if (zeros(0, 4) && w[4] === 0xffff && w[5] === 0) return low();
  if (w[0] === 0x64 && w[1] === 0xff9b && zeros(2, 6)) return low();
  return null;
}

function wordsToIPv4(high: number, low: number): string {
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Eight 16-bit words of a valid IPv6 address (as checked by `isIPv6`), or `null`. */
function parseIPv6(ip: string): number[] | null {
  const toWords = (part: string): number[] | null => {
    if (part === '') return [];
    const words: number[] = [];
    for (const group of part.split(':')) {
      if (group.includes('.')) {
        const octets = group.split('.').map(Number);
        if (octets.length !== 4) return null;
        const [a = 0, b = 0, c = 0, d = 0] = octets;
        words.push((a << 8) | b, (c << 8) | d);
      } else {
        words.push(parseInt(group, 16));
      }
    }
    return words;
  };
  const [head = '', tail, ...rest] = ip.split('::');
  if (rest.length > 0) return null;
  const before = toWords(head);
  const after = tail === undefined ? [] : toWords(tail);
  if (before === null || after === null) return null;
  const missing = 8 - before.length - after.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return null;
  return [...before, ...new Array<number>(missing).fill(0), ...after];
}

/** Resolves a host name to every address the system resolver gives (dns.lookup semantics). */
export type Resolver = (
  hostname: string,
  options: { family: 0 | 4 | 6; hints?: number },
) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname, options) =>
  dns.lookup(hostname, { ...options, all: true });

export interface SsrfGuardOptions {
  /** which addresses may be reached; `all` checks nothing */
  access: TargetAccess;
  /** Defaults to the system resolver (`dns.lookup`); tests map made-up names to addresses. */
  resolve?: Resolver;
  /** Defaults to {@link isBlockedAddress} under `access`. */
  isBlocked?: (ip: string) => boolean;
  /**
   * The local address every connection is made from (CHECKER_SOURCE_ADDRESS): a multi-homed
   * host's interface, or a loopback address that stands for a region in tests. Host names
   * then resolve to its family only.
   */
  localAddress?: string | undefined;
}

export interface SsrfGuard {
  /**
   * A drop-in for `dns.lookup` as the `lookup` option of `http.request` / `net.connect`
   * (including `{ all: true }` calls): fails with a {@link BlockedAddressError} if any
   * resolved address is blocked, otherwise answers with exactly the addresses it checked.
   */
  lookup: LookupFunction;
  /**
   * Throws a {@link BlockedAddressError} when a URL hostname is a blocked IP literal.
   * Takes `URL.hostname` (brackets around IPv6 are fine); WHATWG parsing has already turned
   * `2130706433`, `0177.0.0.1`, `0x7f.1` and `127.1` into `127.0.0.1`. Host names pass: their
   * addresses are checked by `lookup`.
   */
  assertHostAllowed(hostname: string): void;
  /**
   * What a connect made under this guard adds to its options: `lookup`, and the local address
   * (with its family) when one is set.
   */
  connectOptions: { lookup: LookupFunction; localAddress?: string; family?: 4 | 6 };
}

export function createSsrfGuard(options: SsrfGuardOptions): SsrfGuard {
  const resolve = options.resolve ?? systemResolver;
  const isBlocked = options.isBlocked ?? ((ip: string) => isBlockedAddress(ip, options.access));
  const allowAll = options.access === 'all';

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname, { family: familyOf(lookupOptions), hints: lookupOptions.hints }).then(
      (addresses) => {
        if (addresses.length === 0) {
          const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
          error.code = 'ENOTFOUND';
          callback(error, []);
          return;
        }
        const blocked = allowAll ? undefined : addresses.find((a) => isBlocked(a.address));
        if (blocked !== undefined) {
          callback(
            new BlockedAddressError(hostname, blocked.address, options.access !== 'public'),
            [],
          );
        } else if (lookupOptions.all === true) {
          callback(null, addresses);
        } else {
          const [first] = addresses as [LookupAddress];
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };

  const local = options.localAddress;
  const family = local === undefined ? 0 : isIP(local);
  return {
    lookup,
    connectOptions:
      local === undefined || family === 0
        ? { lookup }
        : { lookup, localAddress: local, family: family as 4 | 6 },
    assertHostAllowed(hostname) {
      if (allowAll) return;
      const host =
        hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
      if (isIP(stripZone(host)) !== 0 && isBlocked(host)) {
        throw new BlockedAddressError(host, host);
      }
    },
  };
}

function familyOf(options: LookupOptions): 0 | 4 | 6 {
  const { family } = options;
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}
