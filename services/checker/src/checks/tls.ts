import type { TLSSocket } from 'node:tls';
import type { TlsTarget } from '@lighthouse/domain';
import {
  certificateExpiry,
  classifySocketError,
  connectGuarded,
  daysLeft,
  failure,
  phaseTimings,
  runProbe,
  since,
  sniFor,
  waitingFor,
} from './socket';
import { isError, oneLine } from './errors';
import type { Probes } from './probes';
import type { CertificateSummary, CheckResult, CheckRunner } from './types';

/**
 * A certificate check: completes a TLS handshake without rejecting anything, then judges what
 * the server presented. Down (category tls) when the chain does not verify or the name does
 * not match (node's `authorized`), when it expired or is not yet valid, or when fewer than
 * `critical_days` are left; degraded when fewer than `warning_days` are left; up otherwise.
 */
export function createTlsChecker(probes: Pick<Probes, 'guards' | 'ca'>): CheckRunner<TlsTarget> {
  return (config, ctx) =>
    runProbe(config.timeout_ms, ctx, (finish, started) => {
      const { socket, phases } = connectGuarded(
        config.host,
        config.port,
        probes.guards(ctx.targetAccess),
        // Rejecting would hide the certificate's details; `authorized` says what node thinks.
        {
          servername: sniFor(config.host, config.servername),
          rejectUnauthorized: false,
          ca: probes.ca,
        },
      );
      socket.once('secureConnect', () => {
        const total = since(started);
        finish(judge(config, socket as TLSSocket, total, phaseTimings(phases, total)));
      });
      socket.on('error', (error) => {
        const { category, message } = classifySocketError(error);
        const total = since(started);
        finish(failure(category, message, phaseTimings(phases, total)));
      });
      socket.once('close', () => {
        const total = since(started);
        const stage = phases.connected === undefined ? 'connect' : 'tls';
        finish(failure(stage, 'connection closed by the server', phaseTimings(phases, total)));
      });
      return {
        cleanup: () => socket.destroy(),
        timings: (t) => phaseTimings(phases, t),
        waitingFor: () => waitingFor(phases, true),
      };
    });
}

function judge(
  config: TlsTarget,
  socket: TLSSocket,
  total: number,
  timings: CheckResult['timings'],
): CheckResult {
  const peer = socket.getPeerCertificate();
  const expires = certificateExpiry(peer);
  const validFrom = peer.valid_from === undefined ? NaN : Date.parse(peer.valid_from);
  if (expires === undefined || Number.isNaN(validFrom)) {
    return failure('tls', 'the server presented no certificate', timings);
  }
  const certificate: CertificateSummary = {
    subject: distinguishedName(peer.subject),
    issuer: distinguishedName(peer.issuer),
    valid_from: new Date(validFrom).toISOString(),
    valid_to: new Date(expires).toISOString(),
    authorized: socket.authorized,
    authorization_error: socket.authorized ? null : authorizationError(socket),
  };
  const days = daysLeft(expires);
  const who = `${certificate.subject}, issued by ${certificate.issuer}`;
  const seen = { tls_days_left: days, certificate, response_time_ms: total };

  if (!certificate.authorized) {
    const reason = certificate.authorization_error ?? 'not authorized';
    const message =
      reason === 'CERT_HAS_EXPIRED'
        ? `certificate expired ${-days} day(s) ago (${reason}): ${who}`
        : `certificate not valid (${reason}): ${who}`;
    return failure('tls', oneLine(message, 300), timings, seen);
  }
  if (days < config.critical_days) {
    const message = `certificate expires in ${days} day(s), under critical_days ${config.critical_days}: ${who}`;
    return failure('tls', oneLine(message, 300), timings, seen);
  }
  const warn = days < config.warning_days;
  return {
    status: warn ? 'degraded' : 'up',
    http_status: null,
    timings,
    error_category: null,
    error_message: warn
      ? oneLine(
          `certificate expires in ${days} day(s), under warning_days ${config.warning_days}: ${who}`,
          300,
        )
      : null,
    body_excerpt: null,
    ...seen,
  };
}

/** `CN=example.com` (the organisation when there is no common name). */
function distinguishedName(
  name: Record<string, string | string[] | undefined> | undefined,
): string {
  const first = (v: string | string[] | undefined): string | undefined =>
    Array.isArray(v) ? v[0] : v;
  const cn = first(name?.CN);
  if (cn !== undefined) return oneLine(`CN=${cn}`, 100);
  const o = first(name?.O);
  return o === undefined ? 'an unnamed subject' : oneLine(`O=${o}`, 100);
}

/** node sets `authorizationError` to the verify error's code (a string), though typed an Error. */
function authorizationError(socket: TLSSocket): string {
  const reason = socket.authorizationError as unknown;
  if (typeof reason === 'string') return reason;
  if (isError(reason)) return (reason as NodeJS.ErrnoException).code ?? reason.message;
  return 'not authorized';
}
