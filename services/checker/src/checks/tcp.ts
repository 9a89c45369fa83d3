import type { TcpTarget } from '@lighthouse/domain';
import {
  classifySocketError,
  connectGuarded,
  daysLeft,
  failure,
  phaseTimings,
  runProbe,
  since,
  sniFor,
  waitingFor,
  type Connection,
} from './socket';
import type { Probes } from './probes';
import type { CheckResult, CheckRunner } from './types';

/**
 * A TCP port check: up once the connection is open (and, with `tls`, once the handshake
 * completed and, unless `reject_unauthorized` is false, the certificate verified). The
 * connection is closed at once; nothing is sent.
 */
export function createTcpChecker(probes: Pick<Probes, 'guards' | 'ca'>): CheckRunner<TcpTarget> {
  return (config, ctx) =>
    runProbe(config.timeout_ms, ctx, (finish, started) => {
      const connection: Connection = connectGuarded(
        config.host,
        config.port,
        probes.guards(ctx.targetAccess),
        config.tls
          ? {
              servername: sniFor(config.host, config.servername),
              rejectUnauthorized: config.reject_unauthorized ?? true,
              ca: probes.ca,
            }
          : undefined,
      );
      const { socket, phases } = connection;
      const certificate = (): Partial<CheckResult> =>
        connection.expires === undefined ? {} : { tls_days_left: daysLeft(connection.expires) };
      const total = (): number => since(started);
      socket.once(config.tls ? 'secureConnect' : 'connect', () => {
        const elapsed = total();
        finish({
          status: 'up',
          response_time_ms: elapsed,
          http_status: null,
          timings: phaseTimings(phases, elapsed),
          error_category: null,
          error_message: null,
          body_excerpt: null,
          ...certificate(),
        });
      });
      socket.on('error', (error) => {
        const { category, message } = classifySocketError(error);
        const elapsed = total();
        finish(failure(category, message, phaseTimings(phases, elapsed), certificate()));
      });
      // A server that closes during the TLS handshake, before any error.
      socket.once('close', () => {
        const elapsed = total();
        finish(
          failure(
            config.tls ? 'tls' : 'connect',
            'connection closed by the server',
            phaseTimings(phases, elapsed),
            certificate(),
          ),
        );
      });
      return {
        cleanup: () => socket.destroy(),
        timings: (t) => phaseTimings(phases, t),
        waitingFor: () => waitingFor(phases, config.tls),
        extra: () => certificate(),
      };
    });
}
