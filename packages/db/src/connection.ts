import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg, { Pool, type PoolConfig } from 'pg';
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

const INT4_ARRAY = 1007;
const PLAIN_INT_ARRAY = /^\{-?\d+(?:,-?\d+)*\}$/;

/**
 * pg's own parsers, except `integer[]` (rollup histograms: 134 numbers a row), which is
 * read as JSON when it holds only numbers: several times faster than the generic parser.
 */
const types: NonNullable<PoolConfig['types']> = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const standard = pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
    if (oid !== INT4_ARRAY || format === 'binary') return standard;
    return (text: string) => {
      if (text === '{}') return [];
      return PLAIN_INT_ARRAY.test(text)
        ? (JSON.parse(`[${text.slice(1, -1)}]`) as number[])
        : standard(text);
    };
  }) as NonNullable<PoolConfig['types']>['getTypeParser'],
};

export function createDb({ url, max = 10, applicationName, onError }: DbOptions): Db {
  const config: PoolConfig = {
    types,
    connectionString: url,
    max,
    connectionTimeoutMillis: 5_000,
    // a connection cut off without a reset (a partition) is noticed rather than waited on
    keepAlive: true,
    idleTimeoutMillis: 30_000,
    application_name: applicationName,
  };
  const pool = new Pool(config);
  // An idle client's error reaches the pool; a checked-out client's goes to the client itself,
  // where without a listener a connection lost mid-query (a restart, pg_terminate_backend)
  // would crash the process. The query fails instead, and the pool drops the client.
  pool.on('error', (err) => onError?.(err));
  pool.on('connect', (client) => client.on('error', (err) => onError?.(err)));
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
