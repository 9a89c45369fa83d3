/** The closed set of error codes the API answers with, and their HTTP statuses. */
export const errorStatus = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  payment_required: 402,
  forbidden: 403,
  tier_limit_exceeded: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
  bad_gateway: 502,
  dependency_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export interface FieldIssue {
  field: string;
  message: string;
}

export interface AppErrorOptions {
  details?: unknown;
  /** How loud the error middleware logs this; expected client errors stay at debug. */
  logLevel?: LogLevel;
  cause?: unknown;
  /** response headers that belong to the error, e.g. PAYMENT-REQUIRED on a 402 */
  headers?: Record<string, string>;
}

export class AppError extends Error {
  readonly status: number;
  readonly details: unknown;
  readonly logLevel: LogLevel;
  readonly headers: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = errorStatus[code];
    this.details = options.details ?? null;
    this.logLevel = options.logLevel ?? (this.status >= 500 ? 'error' : 'debug');
    this.headers = options.headers ?? {};
  }

  static validation(issues: FieldIssue[]): AppError {
    const first = issues[0];
    const summary = first
      ? `${first.field}: ${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`
      : 'invalid request';
    return new AppError('validation_error', summary, { details: { fields: issues } });
  }

  static notFound(what: string): AppError {
    return new AppError('not_found', `${what} not found`);
  }

  toJSON(): { error: { code: ErrorCode; message: string; details: unknown } } {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}
