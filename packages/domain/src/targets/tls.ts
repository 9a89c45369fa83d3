import { z } from 'zod';
import { hostField, hostPort, portField, servernameField, timeoutField } from './net-fields';

const days = (what: string, fallback: number) =>
  z
    .number({ error: `must be a number of days` })
    .int('must be a whole number of days')
    .min(0, 'must be 0-365')
    .max(365, 'must be 0-365')
    .default(fallback)
    .describe(what);

export const tlsTargetSchema = z
  .strictObject({
    host: hostField,
    port: portField.default(443),
    /** SNI and the name the certificate must match; defaults to `host` when that is a name. */
    servername: servernameField.optional(),
    warning_days: days('degraded when the certificate has fewer days left than this', 14),
    critical_days: days('down when the certificate has fewer days left than this', 3),
    timeout_ms: timeoutField,
  })
  .refine((c) => c.critical_days <= c.warning_days, {
    message: 'must not be more than warning_days (14 unless set)',
    path: ['critical_days'],
  });

export type TlsTarget = z.output<typeof tlsTargetSchema>;

/** Nothing in a TLS target is secret. */
export function maskTlsTarget(target: TlsTarget): TlsTarget {
  return target;
}

/** `tls example.com:443`, `tls 203.0.113.7:8443 (www.example.com)`. */
export function describeTlsTarget(target: TlsTarget): string {
  const name =
    target.servername !== undefined && target.servername !== target.host
      ? ` (${target.servername})`
      : '';
  return `tls ${hostPort(target.host, target.port)}${name}`;
}
