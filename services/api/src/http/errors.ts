import { AppError, type Logger } from '@lighthouse/shared';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/**
 * A request path as logs and error messages may show it: a heartbeat push URL carries its
 * credential in the path, so it is shown as its route.
 */
export function loggablePath(path: string): string {
  return path.replace(/\/v1\/push\/[^/]*/gi, '/v1/push/:token');
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('not_found', `no route for ${req.method} ${loggablePath(req.path)}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/** Maps every error to `{"error":{"code","message","details"}}`; only unexpected ones are 5xx. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const error = toAppError(err);
    const meta = {
      method: req.method,
      path: loggablePath(req.path),
      code: error.code,
      status: error.status,
    };
    if (error.status >= 500) logger.log(error.logLevel, error.message, { ...meta, err });
    else logger.log(error.logLevel, 'request rejected', { ...meta, message: error.message });
    res.status(error.status).set(error.headers).json(error.toJSON());
  };
}

/** PostgreSQL SQLSTATEs of a lost or refused connection: class 08, and the server shutting down or full. */
const PG_UNAVAILABLE = /^(08...|57P0[123]|53300)$/;
const NET_UNAVAILABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const PG_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
const REDIS_MESSAGES =
  /^(Stream isn't writeable|Connection is closed|Reached the max retries per request)/;

/**
 * Which dependency an error says is away, if it says so: a refused, reset or timed-out
 * connection to PostgreSQL, a session the server refused or terminated, or Redis not answering.
 */
export function unavailableDependency(err: unknown): 'database' | 'redis' | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth += 1) {
    const { code, severity } = e as { code?: unknown; severity?: unknown };
    // a FATAL or PANIC from PostgreSQL ends the session: refused at connect, or terminated
    if (severity === 'FATAL' || severity === 'PANIC') return 'database';
    if (e.name === 'MaxRetriesPerRequestError' || REDIS_MESSAGES.test(e.message)) return 'redis';
    if (typeof code === 'string' && (PG_UNAVAILABLE.test(code) || NET_UNAVAILABLE.has(code)))
      return 'database';
    if (PG_MESSAGES.test(e.message)) return 'database';
  }
  return undefined;
}

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const dependency = unavailableDependency(err);
  if (dependency)
    return new AppError(
      'dependency_unavailable',
      `the ${dependency === 'database' ? 'database' : 'queue (Redis)'} is not reachable; try again shortly`,
      { details: { dependency }, headers: { 'Retry-After': '5' }, logLevel: 'warn', cause: err },
    );
  const parser = err as BodyParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_json', 'request body is not valid JSON', {
        details: { fields: [{ field: '(body)', message: 'is not valid JSON' }] },
      });
    case 'entity.too.large':
      return new AppError(
        'payload_too_large',
        `request body is larger than ${parser.limit ?? 'the limit'} bytes`,
        {
          details: { fields: [{ field: '(body)', message: 'is too large' }] },
        },
      );
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'request body encoding is not supported');
    default:
      // Other client errors from express and body-parser stay client errors: a path segment
      // that is not valid percent-encoding (a URIError with status 400), a body that does not
      // inflate as its Content-Encoding says or does not match its Content-Length.
      if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
        const field = err instanceof URIError ? '(path)' : '(body)';
        const problem =
          err instanceof URIError ? 'is not valid percent-encoding' : 'could not be read';
        return new AppError('validation_error', `${field}: ${problem}`, {
          details: { fields: [{ field, message: problem }] },
        });
      }
      return new AppError('internal', 'internal error', { cause: err });
  }
}
