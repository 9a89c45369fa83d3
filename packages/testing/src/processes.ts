import { Redis } from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inheritedPath } from './config';

const root = join(__dirname, '..', '..', '..');

export interface ServiceProcess {
  name: string;
  child: ChildProcess;
  /** everything it printed so far */
  output(): string;
  /** resolves when the output matches (e.g. a log message), rejects after `timeoutMs` or on exit */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** resolves with the exit code */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/**
 * A test probe's signing key: one per region (a key signs for one region), the same in every
 * run, so that a test's checkers of one region share it as a real deployment's may.
 */
export function testProbeKey(region = 'local'): string {
  return `0x${createHash('sha256').update(`lighthouse test probe ${region}`).digest('hex')}`;
}

/**
 * Starts `services/<name>/dist/main.js` as a real process with only the given environment (plus
 * PATH). A checker given no CHECKER_SIGNING_KEY signs with its region's testProbeKey.
 */
export function startService(name: string, env: Record<string, string>): ServiceProcess {
  const signing =
    name === 'checker' && env.CHECKER_SIGNING_KEY === undefined
      ? { CHECKER_SIGNING_KEY: testProbeKey(env.CHECKER_REGION) }
      : {};
  const child = spawn(process.execPath, [join(root, 'services', name, 'dist', 'main.js')], {
    env: { PATH: inheritedPath(), ...signing, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    output += d.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return {
    name,
    child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            cleanup();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(
              `${name}: no ${String(pattern)} within ${timeoutMs} ms:\n${output.slice(-4000)}`,
            ),
          );
        }, timeoutMs);
        const onExit = () => {
          cleanup();
          reject(new Error(`${name} exited before ${String(pattern)}:\n${output.slice(-4000)}`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RedisServer {
  url: string;
  port: number;
  /** kills the process (nothing is saved) and starts a new, empty one on the same port */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** A redis-server of the test's own (nothing saved), for tests that flush or restart Redis. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lh-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const launch = async () => {
    const child = spawn('redis-server', [...args, '--dir', dir], { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.once('error', () => {});
    await waitForRedis(port);
    return { child, exited };
  };
  let current = await launch();
  const kill = async () => {
    current.child.kill('SIGKILL');
    await current.exited;
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await kill();
      current = await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForRedis(port: number): Promise<void> {
  const probe = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    for (let i = 0; i < 50; i += 1) {
      try {
        await probe.connect();
        await probe.ping();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new Error(`redis-server did not answer on port ${port}`);
  } finally {
    probe.disconnect();
  }
}

/**
 * Runs the api's command line (`services/api/dist/cli.js`) as a real process with only the
 * given environment (plus PATH): its exit code and what it printed.
 */
export function runApiCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(root, 'services', 'api', 'dist', 'cli.js'), ...args],
      {
        env: { PATH: inheritedPath(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Signs in to a self-hosted api with a fresh owner link from its command line; the session token. */
export async function signInAsOwner(
  apiUrl: string,
  env: { DATABASE_URL: string },
): Promise<string> {
  const { code, stdout, stderr } = await runApiCli(['sign-in-link'], {
    DATABASE_URL: env.DATABASE_URL,
    PUBLIC_URL: apiUrl,
  });
  const token = /#token=(lhl_[A-Za-z0-9_-]+)/.exec(stdout)?.[1];
  if (code !== 0 || !token) throw new Error(`sign-in-link failed (${code}): ${stdout}${stderr}`);
  const res = await fetch(`${apiUrl}/v1/auth/link`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (res.status !== 200)
    throw new Error(`link sign-in answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}
