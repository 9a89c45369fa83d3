/** The environment the test command provides (the launcher sets both). */
export function testEnv(): { databaseUrl: string; redisUrl: string } {
  return {
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

/** Set by global setup: the migrated template each test file's database is copied from. */
export const TEMPLATE_ENV = 'LIGHTHOUSE_TEST_TEMPLATE_DB';

/** Jest hands globalSetup's environment to every worker. */
export function setTemplateName(name: string | undefined): void {
  if (name === undefined) delete process.env[TEMPLATE_ENV];
  else process.env[TEMPLATE_ENV] = name;
}

export function currentTemplateName(): string | undefined {
  return process.env[TEMPLATE_ENV];
}

export function templateName(): string {
  const name = process.env[TEMPLATE_ENV];
  if (!name) throw new Error(`${TEMPLATE_ENV} is not set: run tests through jest's global setup`);
  return name;
}

/** What child processes started by tests inherit: only PATH. */
export function inheritedPath(): string {
  return process.env.PATH ?? '/usr/bin:/bin';
}

/** The METRICS_TOKEN test stacks in service mode run with (it is required there). */
export const TEST_METRICS_TOKEN = 'metrics-token-for-tests-0123456789';
