import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { Pool, type PoolConfig } from 'pg';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Repositories accept either a db or a transaction. */
export type Executor = Db | Tx;

export interface DbOptions {
  url: string;
  max?: number;
  applicationName?: string;
  /** Called for pool-level errors (a connection dropped while idle); never throws. */
  onError?: (err: Error) => void;
}

export function createDb({ url, max = 10, applicationName, onError }: DbOptions): Db {
  const config: PoolConfig = {
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
  };
  const pool = new Pool(config);
  pool.on('error', (err) => onError?.(err));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/** Resolves when a round trip to PostgreSQL succeeds within `timeoutMs`. */
export async function pingDb(db: Db, timeoutMs = 2_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([sql`SELECT 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
