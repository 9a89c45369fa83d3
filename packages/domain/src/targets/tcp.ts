import { z } from 'zod';
import { hostField, hostPort, portField, servernameField, timeoutField } from './net-fields';

export const tcpTargetSchema = z
  .strictObject({
    host: hostField,
    port: portField,
    /** Completes a TLS handshake after connecting; the check is up only once it succeeds. */
    tls: z.boolean({ error: 'must be true or false' }).default(false),
    /** SNI and the name the certificate must match; defaults to `host` when that is a name. */
    servername: servernameField.optional(),
    /** false accepts any certificate (self-signed, expired, another name). Default true. */
    reject_unauthorized: z.boolean({ error: 'must be true or false' }).optional(),
    timeout_ms: timeoutField,
  })
  .refine((c) => c.tls || c.servername === undefined, {
    message: 'only applies when tls is true',
    path: ['servername'],
  })
  .refine((c) => c.tls || c.reject_unauthorized === undefined, {
    message: 'only applies when tls is true',
    path: ['reject_unauthorized'],
  });

export type TcpTarget = z.output<typeof tcpTargetSchema>;

/** Nothing in a TCP target is secret. */
export function maskTcpTarget(target: TcpTarget): TcpTarget {
  return target;
}

/** `tcp db.example.com:5432`, `tcp+tls mail.example.com:465`. */
export function describeTcpTarget(target: TcpTarget): string {
  return `${target.tls ? 'tcp+tls' : 'tcp'} ${hostPort(target.host, target.port)}`;
}
