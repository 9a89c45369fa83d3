/**
 * IP address literals, as node:net's `isIP` reads them, in plain JavaScript: the target rules
 * run in the browser too (the dashboard describes targets with them), where node:net is not.
 * ip.test.ts holds these answers to node:net's.
 */

const V4_PART = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
/** four decimal parts 0-255, without leading zeros */
const IPV4 = new RegExp(`^(?:${V4_PART}\\.){3}${V4_PART}$`);
const GROUP = /^[0-9a-fA-F]{1,4}$/;
/** what may follow `%` in a scoped IPv6 address (`fe80::1%eth0`) */
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * The 16-bit groups one side of an IPv6 address's `::` holds (an IPv4 tail counts two), or
 * null when it is not made of groups.
 */
function groupCount(side: string, last: boolean): number | null {
  if (side === '') return 0;
  const parts = side.split(':');
  let count = 0;
  for (const [i, part] of parts.entries()) {
    if (GROUP.test(part)) count += 1;
    else if (last && i === parts.length - 1 && IPV4.test(part)) count += 2;
    else return null;
  }
  return count;
}

function isIPv6(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent !== -1 && !ZONE.test(text.slice(percent + 1))) return false;
  const address = percent === -1 ? text : text.slice(0, percent);
  const sides = address.split('::');
  if (sides.length > 2) return false;
  const [head = '', tail] = sides;
  if (tail === undefined) return groupCount(head, true) === 8;
  const before = groupCount(head, false);
  const after = groupCount(tail, true);
  // `::` stands for at least one group
  return before !== null && after !== null && before + after <= 7;
}

/** 4 for an IPv4 address, 6 for an IPv6 address (with or without a zone), else 0. */
export function isIP(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  return isIPv6(text) ? 6 : 0;
}
