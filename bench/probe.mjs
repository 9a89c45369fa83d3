// The raw probe ceiling: a bare loop of HTTP requests against the loopback targets at a
// fixed concurrency, with no queue, no database and no state machine. Prints one JSON line.
//
//   node bench/probe.mjs --client probe --concurrency 400 --seconds 5 --url http://127.0.0.1:1234/
//   node bench/probe.mjs --urls-file urls.txt --ca-file root.crt --timeout-ms 10000   # the mix
//   node bench/probe.mjs --client blackbox --exporter http://127.0.0.1:9115 --cpu-pid <pid> --urls-file urls.txt
//
// Clients: probe (the checker's http check on its own probes: undici behind the SSRF guard, with
// timings and evaluation), undici (bare undici.request, the checker's copy), http (node:http keep-alive),
// fetch (node's built-in fetch), blackbox (one blackbox_exporter probe per request, see peer.mjs;
// with --cpu-pid the exporter's CPU is what is measured, this driver's is reported beside it).
// A probe that finished but failed (a 500, a timeout) counts in `errors`; `probes` = requests +
// errors, and the per-probe figures divide by it (the mix fails on purpose), the per-request ones
// (kept for run.mjs) by the successful requests only.
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import http from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds, machineCpu, rssBytes } from './lib.mjs';
import { blackboxClient } from './peer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    client: { type: 'string', default: 'probe' },
    concurrency: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    url: { type: 'string', multiple: true, default: [] },
    // one URL a line, added to --url
    'urls-file': { type: 'string' },
    // PEM file of the only roots the probe trusts (createProbes({ ca }))
    'ca-file': { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
    // at most this many probes started a second (0: as fast as the concurrency allows)
    rate: { type: 'string', default: '0' },
    // blackbox client: the exporter's base URL and module
    exporter: { type: 'string' },
    module: { type: 'string' },
    // measure this process's CPU (/proc) instead of our own: the exporter's
    'cpu-pid': { type: 'string' },
    // other processes whose CPU over the window is reported (the targets), not counted
    'watch-pid': { type: 'string', multiple: true, default: [] },
  },
});
const concurrency = Number(values.concurrency);
const timeoutMs = Number(values['timeout-ms']);
const urls = [...values.url];
if (values['urls-file']) {
  for (const line of readFileSync(values['urls-file'], 'utf8').split('\n')) {
    if (line.trim() !== '') urls.push(line.trim());
  }
}
if (urls.length === 0) throw new Error('--url or --urls-file is required');
const ca = values['ca-file'] ? readFileSync(values['ca-file'], 'utf8') : undefined;
const cpuPid = values['cpu-pid'] ? Number(values['cpu-pid']) : null;
/** Counters a client keeps of its own, added to the output. */
let clientStats = {};

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
      const probes = createProbes({ ca });
      closers.push(() => probes.close());
      const { run } = createHttpChecker(probes);
      const ctx = { targetAccess: 'all' };
      return async (url) => {
        const result = await run(
          {
            url,
            method: 'GET',
            headers: {},
            timeout_ms: timeoutMs,
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
    case 'blackbox': {
      if (!values.exporter) throw new Error('--exporter is required with --client blackbox');
      const client = blackboxClient(values.exporter, { module: values.module, timeoutMs });
      closers.push(() => client.close());
      clientStats = client.stats;
      return client.request;
    }
    default:
      throw new Error(`unknown client ${name}`);
  }
}

const request = await makeClient(values.client);
let ok = 0;
let errors = 0;
let counting = false;
let stopAt = Infinity;
/** latency (ms) of every probe finished in the window */
const latencies = [];
// --rate: probes start on a fixed grid, 1/rate apart, whichever worker is free takes the next
// slot; a CPU figure at a load both clients sustain, rather than at each one's saturation
const gapMs = Number(values.rate) > 0 ? 1000 / Number(values.rate) : 0;
let nextSlot = 0;
async function pace() {
  if (gapMs === 0) return;
  const now = performance.now();
  nextSlot = Math.max(nextSlot + gapMs, now);
  if (nextSlot > now) await new Promise((r) => setTimeout(r, nextSlot - now));
}

async function worker(index) {
  // Many URLs (the mix): each worker walks its own stretch of the list, so that the workers do
  // not all meet the same slow or hanging target at once. Few: worker i starts at URL i.
  let i = urls.length >= concurrency ? Math.floor((index * urls.length) / concurrency) : index;
  while (Date.now() < stopAt) {
    await pace();
    if (Date.now() >= stopAt) break;
    const t = performance.now();
    try {
      const status = await request(urls[i % urls.length]);
      if (counting) {
        if (status === 200) ok += 1;
        else errors += 1;
        latencies.push(performance.now() - t);
      }
    } catch {
      if (counting) {
        errors += 1;
        latencies.push(performance.now() - t);
      }
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
const pid0 = cpuPid === null ? null : cpuSeconds(cpuPid);
const watched0 = values['watch-pid'].map((pid) => cpuSeconds(Number(pid)));
const machine0 = machineCpu();
const t0 = performance.now();
await new Promise((r) => setTimeout(r, measureMs));
counting = false;
const elapsed = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const pid1 = cpuPid === null ? null : cpuSeconds(cpuPid);
const watched1 = values['watch-pid'].map((pid) => cpuSeconds(Number(pid)));
const machine1 = machineCpu();
await Promise.all(workers);
agent.destroy();
await Promise.all(closers.map((close) => close()));

const ownSeconds = (cpu.user + cpu.system) / 1e6;
// the process measured: ours, or the exporter's (--cpu-pid), whose driver cost is ours
const measured = pid0 !== null && pid1 !== null ? pid1 - pid0 : ownSeconds;
if (cpuPid !== null && (pid0 === null || pid1 === null)) throw new Error(`no /proc for ${cpuPid}`);
const probes = ok + errors;
latencies.sort((a, b) => a - b);
const quantile = (q) =>
  latencies.length > 0
    ? Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1))
    : null;
const perMs = (seconds, n) => (n > 0 ? Number(((seconds * 1000) / n).toFixed(3)) : null);
process.stdout.write(
  `${JSON.stringify({
    client: values.client,
    concurrency,
    ...(gapMs > 0 ? { rate: Number(values.rate) } : {}),
    seconds: Number(elapsed.toFixed(3)),
    requests: ok,
    errors,
    rps: Math.round(ok / elapsed),
    cpu_pct: Math.round((measured / elapsed) * 100),
    cpu_ms_per_request: perMs(measured, ok),
    rss_mib: Math.round(
      ((cpuPid !== null ? rssBytes(cpuPid) : null) ?? process.memoryUsage().rss) / 1048576,
    ),
    probes,
    probes_per_s: Math.round(probes / elapsed),
    cpu_ms_per_probe: perMs(measured, probes),
    success_pct: probes > 0 ? Number(((ok * 100) / probes).toFixed(2)) : null,
    latency_p50_ms: quantile(0.5),
    latency_p99_ms: quantile(0.99),
    ...(cpuPid !== null
      ? { cpu_pid: cpuPid, driver_cpu_pct: Math.round((ownSeconds / elapsed) * 100) }
      : {}),
    // the whole machine's busy cores over the window (everything: other work, kernel too)
    machine_busy_cores: Number(((machine1.busy - machine0.busy) / elapsed).toFixed(2)),
    ...(values['watch-pid'].length > 0
      ? {
          watched_cpu_pct: Object.fromEntries(
            values['watch-pid'].map((pid, i) => [
              pid,
              watched0[i] === null || watched1[i] === null
                ? null
                : Math.round(((watched1[i] - watched0[i]) / elapsed) * 100),
            ]),
          ),
        }
      : {}),
    ...clientStats,
  })}\n`,
);
