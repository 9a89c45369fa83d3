// The raw probe ceiling: a bare loop of HTTP requests against the loopback targets at a
// fixed concurrency, with no queue, no database and no state machine. Prints one JSON line.
//
//   node bench/probe.mjs --client probe --concurrency 400 --seconds 5 --url http://127.0.0.1:1234/
//
// Clients: probe (the checker's http check on its own probes: undici behind the SSRF guard, with
// timings and evaluation), undici (bare undici.request, the checker's copy), http (node:http keep-alive),
// fetch (node's built-in fetch).
import { Agent } from 'node:http';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'probe' },
    concurrency: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    url: { type: 'string', multiple: true, default: [] },
  },
});
const concurrency = Number(values.concurrency);
const urls = values.url;
if (urls.length === 0) throw new Error('--url is required');

const agent = new Agent({ keepAlive: true, timeout: 2_000, scheduling: 'lifo' });
/** What the client keeps open, closed at the end. */
const closers = [];

async function makeClient(name) {
  const require = createRequire(join(root, 'services', 'checker', 'package.json'));
  switch (name) {
    case 'probe': {
      // the checker's own probe, SSRF guard and all (private targets allowed: loopback)
      const dist = join(root, 'services', 'checker', 'dist', 'checks');
      const { createProbes } = require(join(dist, 'probes.js'));
      const { createHttpChecker } = require(join(dist, 'http', 'index.js'));
      const probes = createProbes();
      closers.push(() => probes.close());
      const { run } = createHttpChecker(probes);
      const ctx = { targetAccess: 'all' };
      return async (url) => {
        const result = await run(
          {
            url,
            method: 'GET',
            headers: {},
            timeout_ms: 10_000,
            follow_redirects: true,
            max_redirects: 5,
            valid_status_codes: ['200-299'],
          },
          ctx,
        );
        if (result.status !== 'up') throw new Error(result.error_message ?? result.status);
        return result.http_status;
      };
    }
    case 'undici': {
      // bare undici.request, the checker's copy, keep-alive
      const undici = require('undici');
      const dispatcher = new undici.Agent({ keepAliveTimeout: 2_000 });
      return async (url) => {
        const res = await undici.request(url, { dispatcher });
        await res.body.dump();
        return res.statusCode;
      };
    }
    case 'http':
      return (url) =>
        new Promise((resolve, reject) => {
          const req = http.get(url, { agent }, (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode));
            res.on('error', reject);
          });
          req.on('error', reject);
        });
    case 'fetch':
      return async (url) => {
        const res = await fetch(url);
        await res.arrayBuffer();
        return res.status;
      };
    default:
      throw new Error(`unknown client ${name}`);
  }
}

const request = await makeClient(values.client);
let ok = 0;
let errors = 0;
let counting = false;
let stopAt = Infinity;

async function worker(index) {
  let i = index;
  while (Date.now() < stopAt) {
    try {
      const status = await request(urls[i % urls.length]);
      if (counting) {
        if (status === 200) ok += 1;
        else errors += 1;
      }
    } catch {
      if (counting) errors += 1;
    }
    i += 1;
  }
}

const warmupMs = Number(values.warmup) * 1000;
const measureMs = Number(values.seconds) * 1000;
const startedAt = Date.now();
stopAt = startedAt + warmupMs + measureMs;
const workers = Array.from({ length: concurrency }, (_, i) => worker(i));
await new Promise((r) => setTimeout(r, warmupMs));
counting = true;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, measureMs));
counting = false;
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await Promise.all(workers);
agent.destroy();
await Promise.all(closers.map((close) => close()));

const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    client: values.client,
    concurrency,
    seconds: Number(elapsed.toFixed(3)),
    requests: ok,
    errors,
    rps: Math.round(ok / elapsed),
    cpu_pct: Math.round((cpuSeconds / elapsed) * 100),
    cpu_ms_per_request: ok > 0 ? Number(((cpuSeconds * 1000) / ok).toFixed(3)) : null,
    rss_mib: Math.round(process.memoryUsage().rss / 1048576),
  })}\n`,
);
