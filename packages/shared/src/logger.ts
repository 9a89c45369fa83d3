import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Tests pass a stream to capture lines; default is stdout. */
  stream?: NodeJS.WritableStream;
}

/** JSON lines with `service` on each; child loggers add `component`, job ids, etc. */
export function createLogger({ service, level = 'info', stream }: LoggerOptions): Logger {
  const transport = stream
    ? new winston.transports.Stream({ stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level,
    defaultMeta: { service },
    format: winston.format.combine(
      winston.format.timestamp(),
      winston.format.errors({ stack: true }),
      winston.format.json(),
    ),
    transports: [transport],
  });
}
