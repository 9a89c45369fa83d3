import { isIP } from './ip';
import { z } from 'zod';

/** Fields the socket-level target types (tcp, dns, tls, websocket) share. */

const label = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
const hostnamePattern = new RegExp(`^(?=.{1,253}$)${label}(?:\\.${label})*\\.?$`);

/**
 * A DNS name in ASCII (an internationalised name in its xn-- form). Underscores are allowed
 * (`_dmarc.example.com`); a name made only of digits and dots must be a valid IPv4 address.
 */
export function isHostname(value: string): boolean {
  if (!hostnamePattern.test(value)) return false;
  return !/^[\d.]+$/.test(value) || isIP(value) === 4;
}

/** A host name or a bare IP address (IPv6 without brackets). */
export const hostField = z
  .string({ error: 'is required: a host name or an IP address' })
  .max(253, 'must be at most 253 characters')
  .refine(
    (v) => isIP(v) !== 0 || isHostname(v),
    'must be a host name like db.example.com or an IP address (IPv6 without brackets)',
  );

/** A name sent as TLS SNI and checked against the certificate: never an IP address. */
export const servernameField = z
  .string({ error: 'must be a host name' })
  .max(253, 'must be at most 253 characters')
  .refine(
    (v) => isIP(v) === 0 && isHostname(v),
    'must be a host name like www.example.com (TLS sends no IP address as a server name)',
  );

export const portField = z
  .number({ error: 'must be a port number 1-65535' })
  .int('must be a whole port number 1-65535')
  .min(1, 'must be a port number 1-65535')
  .max(65_535, 'must be a port number 1-65535');

export const timeoutField = z
  .number({ error: 'must be a number of milliseconds' })
  .int('must be a whole number of milliseconds')
  .min(100, 'must be at least 100')
  .max(60_000, 'must be at most 60000')
  .default(10_000);

/** `db.example.com:5432`, `[2001:db8::1]:443`. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
