import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  randomWallet,
  startService,
  TEST_METRICS_TOKEN,
  testEnv,
  type ServiceProcess,
  type TestDatabase,
} from '@lighthouse/testing';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/sign-in.mjs, as the README runs it (TOKEN=$(node scripts/sign-in.mjs <api>)), against
// the api as a real process. The script runs from a copy in a temporary checkout (its
// dependencies linked in), with HOME and the working directory elsewhere, so the wallet it keeps
// goes to that copy's .lighthouse/wallet.json and never to this repository's.

const root = join(__dirname, '..', '..');
const SIWE_DOMAIN = 'lighthouse.test';

let database: TestDatabase;
let prefix: string;
let api: ServiceProcess;
let base: string;
let tmp: string;
let script: string;
let defaultFile: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'lh-sign-in-'));
  await mkdir(join(tmp, 'checkout', 'scripts'), { recursive: true });
  script = join(tmp, 'checkout', 'scripts', 'sign-in.mjs');
  await copyFile(join(root, 'scripts', 'sign-in.mjs'), script);
  await symlink(join(root, 'node_modules'), join(tmp, 'checkout', 'node_modules'));
  await mkdir(join(tmp, 'home'));
  await mkdir(join(tmp, 'cwd'));
  defaultFile = join(tmp, 'checkout', '.lighthouse', 'wallet.json');

  database = await createTestDatabase();
  prefix = newQueuePrefix();
  api = startService('api', {
    DATABASE_URL: database.url,
    REDIS_URL: testEnv().redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    SIWE_DOMAIN,
    ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
    LIGHTHOUSE_MODE: 'service',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    LIGHTHOUSE_TIERS: join(root, 'packages', 'testing', 'tiers.test.json'),
    LOG_LEVEL: 'info',
  });
  const port = (await api.waitFor(/"message":"api listening".*?"port":(\d+)/))[1];
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await api.stop();
  await database.drop();
  await deleteQueuePrefix(prefix);
  await rm(tmp, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the script with only these variables (and PATH), from a directory of its own. */
function signIn(env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, base],
      {
        cwd: join(tmp, 'cwd'),
        env: { PATH: process.env.PATH ?? '', HOME: join(tmp, 'home'), SIWE_DOMAIN, ...env },
        timeout: 20_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The token alone on stdout, and the address stderr says it signed in as (lower case). */
function session(run: Run): { token: string; address: string } {
  if (run.code !== 0) throw new Error(`sign-in.mjs exited with ${run.code}:\n${run.stderr}`);
  expect(run.stdout).toMatch(/^\S+\n$/);
  const address = /signed in as (0x[0-9a-fA-F]{40})/.exec(run.stderr)?.[1];
  if (address === undefined) throw new Error(`no address on stderr:\n${run.stderr}`);
  return { token: run.stdout.trim(), address: address.toLowerCase() };
}

async function call(method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

it('keeps the wallet it makes and signs in as it again, seeing the same monitors', async () => {
  const first = await signIn();
  const { token, address } = session(first);
  // the first run says which wallet it made and where its key is kept
  expect(first.stderr.toLowerCase()).toContain(`made a new wallet ${address}`);
  expect(first.stderr).toContain(defaultFile);
  const kept = JSON.parse(await readFile(defaultFile, 'utf8')) as Record<string, string>;
  expect(kept.address?.toLowerCase()).toBe(address);
  expect(kept.private_key).toMatch(/^0x[0-9a-f]{64}$/);
  expect((await stat(defaultFile)).mode & 0o777).toBe(0o600);

  const created = await call('POST', '/v1/subscriptions', token, {
    target_type: 'http',
    target_config: { url: 'https://example.com/' },
    tier: 'free',
    alert_channels: [{ type: 'email', config: { to: 'ops@example.com' } }],
  });
  expect(created.status).toBe(201);
  expect((await call('POST', '/v1/auth/logout', token)).status).toBe(204);

  const second = await signIn();
  const again = session(second);
  expect(again.address).toBe(address);
  expect(again.token).not.toBe(token);
  expect(second.stderr).not.toContain('made a new wallet');
  const listed = await call('GET', '/v1/subscriptions', again.token);
  expect((listed.body.items as { id: string }[]).map((s) => s.id)).toEqual([
    created.body.subscription_id,
  ]);
  // nothing rewrote the kept key
  expect(JSON.parse(await readFile(defaultFile, 'utf8'))).toEqual(kept);
});

it('signs in with PRIVATE_KEY when it is set, and leaves the kept wallet alone', async () => {
  await signIn(); // a kept wallet exists (made here if this test runs alone)
  const before = await readFile(defaultFile, 'utf8');
  const wallet = randomWallet();
  const run = await signIn({ PRIVATE_KEY: wallet.privateKey });
  expect(session(run).address).toBe(wallet.address.toLowerCase());
  expect(run.stderr).not.toContain('made a new wallet');
  expect(await readFile(defaultFile, 'utf8')).toBe(before);
});

it('keeps the wallet in LIGHTHOUSE_WALLET_FILE when it names one', async () => {
  const file = join(tmp, 'elsewhere', 'my-wallet.json');
  const first = session(await signIn({ LIGHTHOUSE_WALLET_FILE: file }));
  expect((await stat(file)).mode & 0o777).toBe(0o600);
  const kept = JSON.parse(await readFile(defaultFile, 'utf8')) as { address: string };
  expect(first.address).not.toBe(kept.address.toLowerCase());
  const second = session(await signIn({ LIGHTHOUSE_WALLET_FILE: file }));
  expect(second.address).toBe(first.address);
});

it('refuses a wallet file that holds no wallet, naming it, and prints no token', async () => {
  const file = join(tmp, 'broken.json');
  await writeFile(file, 'not json');
  const run = await signIn({ LIGHTHOUSE_WALLET_FILE: file });
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toContain(`sign-in: ${file} holds no wallet`);
});
