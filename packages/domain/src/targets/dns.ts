import { isIP } from './ip';
import { z } from 'zod';
import { isHostname, timeoutField } from './net-fields';

export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
export type DnsRecordType = (typeof DNS_RECORD_TYPES)[number];

/** `8.8.8.8`, `8.8.8.8:5353`, `2001:4860:4860::8888`, `[2001:4860:4860::8888]:53` → address and port. */
export function parseResolver(value: string): { address: string; port: number } | null {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(value);
  const v4 = /^([\d.]+)(?::(\d{1,5}))?$/.exec(value);
  const [, address, port] = bracketed ?? v4 ?? [undefined, value, undefined];
  if (address === undefined) return null;
  const family = isIP(address);
  if (family === 0 || (v4 !== null && family !== 4) || (bracketed !== null && family !== 6)) {
    return null;
  }
  const n = port === undefined ? 53 : Number(port);
  return n >= 1 && n <= 65_535 ? { address, port: n } : null;
}

/** `10 mx1.example.com` (priority and host) or `mx1.example.com` (host, any priority). */
const mxPattern = /^(?:(\d{1,5})\s+)?(\S+)$/;

/**
 * An expected answer, normalised for comparison: names lowercased without the trailing dot,
 * IPv6 in its compressed form, MX as "priority host" or "host". TXT is compared as written
 * (the chunks of one record joined), since TXT values are case-sensitive.
 */
export function normaliseDnsValue(type: DnsRecordType, value: string): string | null {
  const v = value.trim();
  switch (type) {
    case 'A':
      return isIP(v) === 4 ? v : null;
    case 'AAAA':
      return isIP(v) === 6 ? new URL(`http://[${v}]/`).hostname.slice(1, -1) : null;
    case 'CNAME':
    case 'NS':
      return isHostname(v) ? normaliseName(v) : null;
    case 'MX': {
      const match = mxPattern.exec(v);
      const [, priority, host] = match ?? [];
      if (host === undefined || !(isHostname(host) || host === '.')) return null;
      if (priority !== undefined && Number(priority) > 65_535) return null;
      return priority === undefined
        ? normaliseName(host)
        : `${Number(priority)} ${normaliseName(host)}`;
    }
    case 'TXT':
      return value;
  }
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

const expectedFormat: Record<DnsRecordType, string> = {
  A: 'an IPv4 address',
  AAAA: 'an IPv6 address',
  CNAME: 'a host name',
  NS: 'a host name',
  MX: 'a host name, or a priority and a host name like "10 mx1.example.com"',
  TXT: 'text',
};

export const dnsTargetSchema = z
  .strictObject({
    hostname: z
      .string({ error: 'is required: the name to look up' })
      .max(253, 'must be at most 253 characters')
      .refine(
        (v) => isIP(v) === 0 && isHostname(v),
        'must be a DNS name like example.com (use punycode, xn--, for international names)',
      ),
    record_type: z
      .enum(DNS_RECORD_TYPES, { error: `must be one of ${DNS_RECORD_TYPES.join(', ')}` })
      .default('A'),
    /** The server to ask instead of the system's: an IP address with an optional port. */
    resolver: z
      .string({ error: 'must be an IP address with an optional port' })
      .refine(
        (v) => parseResolver(v) !== null,
        'must be an IP address with an optional port, like 1.1.1.1, 1.1.1.1:5353 or [2606:4700:4700::1111]:53',
      )
      .optional(),
    expected: z
      .array(
        z
          .string({ error: 'must be a string' })
          .min(1, 'must not be empty')
          .max(1024, 'must be at most 1024 characters'),
        { error: 'must be a list of expected answers' },
      )
      .min(1, 'must list at least one value (leave it out to accept any answer)')
      .max(50, 'at most 50 values')
      .optional(),
    /** any: one expected value among the answers is enough; all: every one must be there. */
    match: z.enum(['any', 'all'], { error: 'must be "any" or "all"' }).default('any'),
    timeout_ms: timeoutField,
  })
  .superRefine((c, ctx) => {
    c.expected?.forEach((value, i) => {
      if (normaliseDnsValue(c.record_type, value) === null) {
        ctx.addIssue({
          code: 'custom',
          path: ['expected', i],
          message: `must be ${expectedFormat[c.record_type]} for ${c.record_type} records`,
        });
      }
    });
  });

export type DnsTarget = z.output<typeof dnsTargetSchema>;

/** Nothing in a DNS target is secret. */
export function maskDnsTarget(target: DnsTarget): DnsTarget {
  return target;
}

/** `dns MX example.com`, `dns A example.com @1.1.1.1`. */
export function describeDnsTarget(target: DnsTarget): string {
  const via = target.resolver === undefined ? '' : ` @${target.resolver}`;
  return `dns ${target.record_type} ${target.hostname}${via}`;
}
