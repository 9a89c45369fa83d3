import {
  createTestDatabase,
  deleteQueuePrefix,
  newQueuePrefix,
  randomWallet,
  signSiwe,
  testEnv,
  type TestDatabase,
  TEST_METRICS_TOKEN,
} from '@lighthouse/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { Client } from 'pg';

// The API as a real process, driven over HTTP the way the README's curl walk-through does.
const root = join(__dirname, '..', '..');
const main = join(root, 'services', 'api', 'dist', 'main.js');

let database: TestDatabase;
let prefix: string;
let child: ChildProcess;
let base: string;
let output = '';
let exited: Promise<number | null>;

beforeAll(async () => {
  database = await createTestDatabase();
  prefix = newQueuePrefix();
  child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: database.url,
      REDIS_URL: testEnv().redisUrl,
      QUEUE_PREFIX: prefix,
      PORT: '0',
      HOST: '127.0.0.1',
      SIWE_DOMAIN: 'lighthouse.test',
      ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      ADMIN_TOKEN: 'admin-token-for-tests-0123456789',
      LIGHTHOUSE_MODE: 'service',
      METRICS_TOKEN: TEST_METRICS_TOKEN,
      LIGHTHOUSE_TIERS: join(root, 'packages', 'testing', 'tiers.test.json'),
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`api did not start:\n${output}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const port = /"message":"api listening".*?"port":(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    });
    child.once('exit', (code) => reject(new Error(`api exited with ${code}:\n${output}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await database.drop();
  await deleteQueuePrefix(prefix);
});

async function call(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'Content-Type': 'application/json' } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

it('signs in with a wallet, creates, lists, pauses and deletes a subscription', async () => {
  // a readiness probe's view: healthy once both dependencies answer
  let health = await call('GET', '/health');
  for (let i = 0; i < 50 && health.status !== 200; i += 1) {
    await new Promise((r) => setTimeout(r, 100));
    health = await call('GET', '/health');
  }
  expect(health.body).toMatchObject({ status: 'ok', database: 'connected', redis: 'connected' });
  const wallet = randomWallet();
  const { nonce } = (await call('GET', '/v1/auth/nonce')).body as { nonce: string };
  const signed = await signSiwe(wallet, { domain: 'lighthouse.test', nonce });
  const session = await call('POST', '/v1/auth/verify', undefined, signed);
  expect(session.status).toBe(200);
  const token = (session.body as { token: string }).token;

  const created = await call('POST', '/v1/subscriptions', token, {
    target_type: 'http',
    target_config: { url: 'https://example.com/' },
    tier: 'free',
    alert_channels: [{ type: 'email', config: { to: 'ops@example.com' } }],
  });
  expect(created.status).toBe(201);
  const id = (created.body as { subscription_id: string }).subscription_id;

  const list = await call('GET', '/v1/subscriptions', token);
  expect((list.body as { items: { id: string }[] }).items.map((s) => s.id)).toEqual([id]);
  expect((await call('POST', `/v1/subscriptions/${id}/pause`, token)).body).toMatchObject({
    status: 'paused',
  });
  expect((await call('DELETE', `/v1/subscriptions/${id}`, token)).status).toBe(204);
  expect((await call('GET', `/v1/subscriptions/${id}`, token)).status).toBe(404);
});

it('drains an in-flight request on SIGTERM and exits 0', async () => {
  const wallet = randomWallet();
  const { nonce } = (await call('GET', '/v1/auth/nonce')).body as { nonce: string };
  const token = (
    (
      await call(
        'POST',
        '/v1/auth/verify',
        undefined,
        await signSiwe(wallet, { domain: 'lighthouse.test', nonce }),
      )
    ).body as { token: string }
  ).token;
  const payload = JSON.stringify({
    target_type: 'http',
    target_config: { url: 'https://example.com/slow' },
  });

  // Send the headers and half the body, then SIGTERM, then the rest: the request must still be served.
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(`${base}/v1/subscriptions`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(payload),
      },
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.write(payload.slice(0, 10));
    setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => req.end(payload.slice(10)), 300);
    }, 200);
  });
  const res = await response;
  expect(res.status).toBe(201);
  expect(await exited).toBe(0);
  expect(output).toContain('shutting down');
  const rows = await fetchCount();
  expect(rows).toBe(1);
});

async function fetchCount(): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM subscriptions WHERE target_config->>'url' = $1",
      ['https://example.com/slow'],
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}
