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

function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
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
