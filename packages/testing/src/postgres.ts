import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testEnv, templateName } from './config';

/** Database names this suite creates: lh_<pid>_<random>, so leftovers of dead runs can be found. */
export const DB_PREFIX = 'lh_';

export function urlFor(database: string, base = testEnv().databaseUrl): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: urlFor('postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function newDatabaseName(kind: string): string {
  return `${DB_PREFIX}${process.pid}_${kind}_${randomBytes(4).toString('hex')}`;
}

export async function createDatabase(name: string, template?: string): Promise<string> {
  await withAdmin((c) =>
    c.query(`CREATE DATABASE "${name}"${template ? ` TEMPLATE "${template}"` : ''}`),
  );
  return urlFor(name);
}

export async function dropDatabase(name: string): Promise<void> {
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A database of its own for one test file, copied from the migrated template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = newDatabaseName('t');
  const url = await createDatabase(name, templateName());
  return { name, url, drop: () => dropDatabase(name) };
}

/** An empty database (no migrations), for migration tests. */
export async function createEmptyDatabase(): Promise<TestDatabase> {
  const name = newDatabaseName('e');
  const url = await createDatabase(name);
  return { name, url, drop: () => dropDatabase(name) };
}

/** Drops databases left by test runs whose process is gone (a crash, a killed CI job). */
export async function dropOrphanDatabases(): Promise<void> {
  await withAdmin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${DB_PREFIX}%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^lh_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(pid) || isAlive(pid)) continue;
      await c.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
