// `pnpm bench`: measures the check pipeline against DESIGN.md's performance targets on
// this machine. See bench/README.md for the flags and what each figure means.
//
// 1. its own database (migrated), its own redis-server, the realistic mix's targets
//    (bench/mix-target.mjs; `--workload same-host`: bench/target.mjs's keep-alive ports)
// 2. bare loops (bench/probe.mjs) on the same targets: the checker's probe and the peer,
//    blackbox_exporter, at saturation, then both at the pipeline's pace
// 3. the pipeline: N subscriptions at interval I, 1 scheduler, K checkers, 1 alerter; warm-up,
//    then a measured window of T seconds
// 4. the alert latency phase, under the pipeline's load
// 5. a small install's footprint (bench/footprint.mjs): every role, PostgreSQL and Redis
// 6. the time-series phase (bench/timeseries.mjs): synthetic check_history rows, rollups, the
//    API's metrics and status-page endpoints
// 7. bench/results/<timestamp>.{json,md} and bench/results/latest.md; everything is stopped
//    and dropped
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import {
  commandCalls,
  cpuSeconds,
  freePort,
  histogramDelta,
  histogramQuantile,
  isAlive,
  loadAverage,
  machineCpu,
  parseInfo,
  reapDeadRuns,
  round,
  rssBytes,
  scrape,
  sleep,
  startProcess,
  sumMetric,
  timedLog,
  undoStack,
} from './lib.mjs';
import { makeCerts } from './certs.mjs';
import { footprintMarkdown, footprintPhase, footprintTargets } from './footprint.mjs';
import { describeMix, LATENCY_MS, mixUrls } from './mix.mjs';
import { blackboxVersion, ensureBlackbox, startBlackbox } from './peer.mjs';
import { timeseriesMarkdown, timeseriesPhase, timeseriesTargets } from './timeseries.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const requireFromChecker = createRequire(join(root, 'services', 'checker', 'package.json'));
const { Redis } = requireFromChecker('ioredis');
const { createSecretBox } = createRequire(import.meta.url)(
  join(root, 'packages', 'shared', 'dist', 'index.js'),
);

// ---------------------------------------------------------------------------------------
// options

const OPTIONS = {
  workload: [
    'mix (the realistic mix: bench/mix-target.mjs, one new connection per check, mostly TLS) or same-host (many monitors of a few keep-alive ports)',
    'mix',
  ],
  subs: ['N: subscriptions (0: mix, 65 % of the bare probe loop × I; same-host, 30,000)', 0],
  interval: ['I: check interval in seconds', 10],
  checkers: ['K: checker processes', 2],
  concurrency: ['CHECKER_CONCURRENCY of each checker', 200],
  duration: ['T: measured window in seconds', 60],
  warmup: ['seconds of warm-up before the window', 30],
  drain: ['seconds to wait after the window for its last rows', 5],
  targets: ['same-host target ports (one target process)', 4],
  'mix-targets': ['distinct targets of the mix', 2000],
  'timeout-ms': ['the checks timeout (the product default), also of the bare loops', 10_000],
  'probe-seconds': ['seconds of each raw probe run (0 skips them)', 10],
  'probe-clients': [
    'raw probe clients: probe, blackbox (the peer), undici, http, fetch (mix: probe,blackbox; same-host: probe,http)',
    '',
  ],
  'tick-ms': ['SCHEDULER_TICK_MS (service default when empty)', ''],
  'scheduler-batch': ['SCHEDULER_BATCH_SIZE', ''],
  'result-batch': ['RESULT_BATCH_SIZE', ''],
  'result-wait-ms': ['RESULT_BATCH_WAIT_MS', ''],
  'db-pool': ['DB_POOL_SIZE of every service', ''],
  'alert-subs': ['subscriptions of the alert latency phase (0 skips it)', 200],
  'alert-seconds': ['length of the alert latency phase, seconds', 20],
  'alert-flip-ms': ['their targets alternate between 200 and 500 every this many ms', 4000],
  'footprint-subs': [
    "a small install's footprint: subscriptions checked by every role, RSS summed (0 skips it)",
    5000,
  ],
  'footprint-interval': ['their check interval, seconds', 60],
  'footprint-seconds': ['seconds of RSS sampling after a whole interval of warm-up', 60],
  'ts-rows': ['synthetic check_history rows of the time-series phase (0 skips it)', 10_000_000],
  'ts-requests': ['timed requests per endpoint in the time-series phase', 200],
  'wait-idle': ['seconds to wait, at most, for other work on the machine to settle first', 0],
  label: ['a word added to the result file names', ''],
  out: ['results directory', join(root, 'bench', 'results')],
  'database-url': [
    'admin connection (the bench creates and drops its own database)',
    'postgres://postgres@127.0.0.1:5432/postgres',
  ],
};

function usage() {
  const lines = Object.entries(OPTIONS).map(
    ([name, [help, def]]) =>
      `  --${name.padEnd(16)} ${help} (default ${def === '' ? 'unset' : def}; env BENCH_${name.toUpperCase().replace(/-/g, '_')})`,
  );
  return [
    'usage: pnpm bench [options]',
    ...lines,
    '  --env KEY=VALUE    extra environment for every service (repeatable)',
    '  --node-arg ARG     a node option for every service, e.g. --node-arg=--cpu-prof (repeatable)',
    '  --no-latest        do not update bench/results/latest.md',
    '  --help',
  ].join('\n');
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: 'string' }])),
      env: { type: 'string', multiple: true, default: [] },
      'node-arg': { type: 'string', multiple: true, default: [] },
      'no-latest': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  const o = {};
  for (const [name, [, def]] of Object.entries(OPTIONS)) {
    const fromEnv = process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
    const raw = values[name] ?? fromEnv ?? def;
    o[name] = typeof def === 'number' ? Number(raw) : String(raw);
    if (typeof def === 'number' && !(Number.isFinite(o[name]) && o[name] >= 0)) {
      throw new Error(`--${name} must be a non-negative number, got ${raw}`);
    }
  }
  for (const k of ['interval', 'checkers', 'concurrency', 'duration', 'targets', 'mix-targets']) {
    if (o[k] < 1) throw new Error(`--${k} must be at least 1`);
  }
  if (!['mix', 'same-host'].includes(o.workload)) {
    throw new Error(`--workload must be mix or same-host, got ${o.workload}`);
  }
  if (o['probe-clients'] === '')
    o['probe-clients'] = o.workload === 'mix' ? 'probe,blackbox' : 'probe,http';
  if (o.subs === 0 && o.workload === 'same-host') o.subs = 30_000;
  o.extraEnv = Object.fromEntries(
    values.env.map((kv) => {
      const i = kv.indexOf('=');
      if (i < 1) throw new Error(`--env wants KEY=VALUE, got ${kv}`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
  o.nodeArgs = values['node-arg'];
  o.latest = !values['no-latest'];
  return o;
}

const opts = parseOptions();
const log = timedLog('bench');

// ---------------------------------------------------------------------------------------
// cleanup: everything started is registered here and undone in reverse order

const { undo, cleanup } = undoStack(log);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}

const probeClients = opts['probe-clients']
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const mixMode = opts.workload === 'mix';
// a bare loop on the mix warms up for the timeout + 1 s (probes stuck on hanging targets reach
// steady state), measures, then waits up to the timeout for its last probes
const probeRunMs =
  (opts['probe-seconds'] + (mixMode ? 2 * (opts['timeout-ms'] / 1000) + 1 : 0) + 10) * 1000;
const budgetMs =
  120_000 +
  opts['wait-idle'] * 1000 +
  // mix: each client at saturation and at the pipeline's pace, plus the same-host row
  (opts['probe-seconds'] > 0 ? (probeClients.length + 1) * 2 * probeRunMs : 0) +
  (opts.warmup + opts.duration + opts.drain) * 1000 +
  (opts.subs || 30_000) * 2 + // seeding
  (opts['alert-subs'] > 0 ? (opts['alert-seconds'] + 45) * 1000 : 0) +
  (opts['footprint-subs'] > 0
    ? (opts['footprint-interval'] + opts['footprint-seconds'] + 90) * 1000 +
      opts['footprint-subs'] * 2
    : 0) +
  // time series: ingest, fold and ANALYZE at as little as 20,000 rows/s; 8 endpoints at 500 ms
  (opts['ts-rows'] > 0 ? 60_000 + opts['ts-rows'] * 0.05 + opts['ts-requests'] * 8 * 500 : 0);
const hardStop = setTimeout(() => {
  log(`still running after ${Math.round(budgetMs / 1000)} s: giving up`);
  void cleanup().finally(() => process.exit(2));
}, budgetMs);

// What this run started is also written to a file, so that a run killed with SIGKILL
// (which cleans up nothing) is cleaned up by the next one: its processes (checked by
// command line, so a reused pid is left alone) and its redis directory.
const stateFile = join(tmpdir(), `lh-bench-${process.pid}.json`);
const leftovers = { pids: [], dirs: [] };
undo.push({ name: 'state file', fn: () => rmSync(stateFile, { force: true }) });
function remember(kind, value) {
  leftovers[kind].push(value);
  writeFileSync(stateFile, JSON.stringify(leftovers));
}
function track(p) {
  if (p.pid !== undefined) remember('pids', p.pid);
  return p;
}
const OUR_CHILDREN =
  /redis-server|services\/(scheduler|checker|alerter|api)\/dist\/main\.js|bench\/(target|mix-target|probe)\.mjs|blackbox/;
const reapOrphans = () => reapDeadRuns('lh-bench-', (cmdline) => OUR_CHILDREN.test(cmdline), log);

// ---------------------------------------------------------------------------------------

const admin = { connectionString: opts['database-url'] };
function urlFor(database) {
  const url = new URL(opts['database-url']);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Databases of earlier runs whose process is gone (killed with SIGKILL, a crash). */
async function dropOrphans() {
  const client = new pg.Client(admin);
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT datname FROM pg_database WHERE datname LIKE 'lh\\_bench\\_%'`,
    );
    for (const { datname } of rows) {
      const pid = Number(/^lh_bench_(\d+)_/.exec(datname)?.[1]);
      if (!Number.isInteger(pid)) continue;
      if (isAlive(pid)) continue;
      log(`dropping ${datname}, left by a dead run`);
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
}

async function createDatabase() {
  const name = `lh_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client(admin);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  undo.push({
    name: `database ${name}`,
    fn: async () => {
      const c = new pg.Client(admin);
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  });
  const url = urlFor(name);
  const migrate = startProcess(
    'migrate',
    process.execPath,
    [join(root, 'migrations', 'dist', 'cli.js'), 'latest'],
    { env: { PATH: process.env.PATH ?? '', DATABASE_URL: url } },
  );
  const { code } = await migrate.exited;
  if (code !== 0) throw new Error(`migrations failed:\n${migrate.output()}`);
  return { name, url };
}

async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lh-bench-redis-'));
  remember('dirs', dir);
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir];
  args.push('--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction');
  const server = track(startProcess('redis', 'redis-server', args));
  undo.push({
    name: 'redis-server',
    fn: async () => {
      await server.stop('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  for (let i = 0; ; i += 1) {
    try {
      await client.connect();
      await client.ping();
      break;
    } catch (err) {
      if (i >= 50) throw err;
      client.disconnect();
      await sleep(100);
    }
  }
  undo.push({ name: 'redis client', fn: () => client.quit().catch(() => client.disconnect()) });
  return { url: `redis://127.0.0.1:${port}`, port, server, client };
}

/** What a target process (target.mjs, mix-target.mjs) has served; null when it does not say. */
function targetCount(target) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), 2_000);
    const onMessage = (m) => {
      if (typeof m?.served !== 'number') return;
      clearTimeout(timer);
      target.child.off('message', onMessage);
      resolve(m.served);
    };
    target.child.on('message', onMessage);
    target.child.send({ type: 'count' });
  });
}

async function startTargets() {
  const target = track(
    startProcess(
      'target',
      process.execPath,
      [join(root, 'bench', 'target.mjs'), '--ports', String(opts.targets)],
      { ipc: true },
    ),
  );
  undo.push({ name: 'target', fn: () => target.stop('SIGKILL') });
  const match = await target.waitFor(/(\{"ready":true.*\})\n/, 10_000);
  const { ports } = JSON.parse(match[1]);
  return {
    process: target,
    urls: ports.map((p) => `http://127.0.0.1:${p}/`),
    served: () => targetCount(target),
  };
}

/**
 * The realistic mix (bench/mix.mjs): a PKI made here, bench/mix-target.mjs in a process of its
 * own, `--mix-targets` distinct URLs written to a file the loops and the seeding read.
 */
async function startMix() {
  const dir = mkdtempSync(join(tmpdir(), 'lh-bench-mix-'));
  remember('dirs', dir);
  undo.push({ name: 'mix certificates', fn: () => rmSync(dir, { recursive: true, force: true }) });
  const certs = makeCerts(dir);
  const target = track(
    startProcess(
      'mix-target',
      process.execPath,
      [
        join(root, 'bench', 'mix-target.mjs'),
        ...['--cert-dir', dir, '--timeout-ms', String(opts['timeout-ms'])],
      ],
      { ipc: true },
    ),
  );
  undo.push({ name: 'mix-target', fn: () => target.stop('SIGKILL') });
  const ready = JSON.parse((await target.waitFor(/^(\{"ready".*\})$/m, 20_000))[1]);
  const urls = mixUrls(opts['mix-targets'], ready.ports);
  const urlsFile = join(dir, 'urls.txt');
  writeFileSync(urlsFile, `${urls.join('\n')}\n`);
  return {
    dir,
    process: target,
    served: () => targetCount(target),
    urls,
    urlsFile,
    caFile: certs.rootCa,
    shape: describeMix(opts['mix-targets'], { timeoutMs: opts['timeout-ms'] }),
  };
}

/**
 * One bare loop (bench/probe.mjs); `processes` > 1 runs that many at once and sums them.
 * `on`: { urls } (few, same-host) or { urlsFile, caFile } (the mix: warm-up of the timeout + 1 s
 * so that probes stuck on hanging targets are in steady state). `rate`: probes started a
 * second (0: saturation). `exporter`: the blackbox client's exporter, whose CPU is measured.
 */
async function rawProbe(client, concurrency, processes, on, { rate = 0, exporter = null } = {}) {
  const args = [
    join(root, 'bench', 'probe.mjs'),
    ...['--client', client, '--concurrency', String(concurrency)],
    ...['--seconds', String(opts['probe-seconds']), '--timeout-ms', String(opts['timeout-ms'])],
    ...(on.urlsFile
      ? ['--urls-file', on.urlsFile, '--warmup', String(Math.ceil(opts['timeout-ms'] / 1000) + 1)]
      : on.urls.flatMap((u) => ['--url', u])),
    ...(on.caFile ? ['--ca-file', on.caFile] : []),
    ...(on.watchPid ? ['--watch-pid', String(on.watchPid)] : []),
    ...(rate > 0 ? ['--rate', String(Math.round(rate / processes))] : []),
    ...(exporter ? ['--exporter', exporter.url, '--cpu-pid', String(exporter.pid)] : []),
  ];
  const runs = Array.from({ length: processes }, () =>
    track(startProcess('probe', process.execPath, args)),
  );
  const results = await Promise.all(
    runs.map(async (run) => {
      const { code } = await run.exited;
      const line = run.output().trim().split('\n').at(-1);
      if (code !== 0) throw new Error(`probe ${client} failed:\n${run.output().slice(-2000)}`);
      return JSON.parse(line);
    }),
  );
  const sum = (k) => results.reduce((a, r) => a + (r[k] ?? 0), 0);
  const weighted = (k, by) =>
    round(results.reduce((a, r) => a + (r[k] ?? 0) * r[by], 0) / Math.max(1, sum(by)), 3);
  return {
    client,
    processes,
    concurrency_per_process: concurrency,
    workload: on.urlsFile ? 'mix' : 'same-host',
    rate: rate || null,
    rps: sum('rps'),
    errors: sum('errors'),
    cpu_pct: sum('cpu_pct'),
    cpu_ms_per_request: weighted('cpu_ms_per_request', 'requests'),
    probes_per_s: sum('probes_per_s'),
    cpu_ms_per_probe: weighted('cpu_ms_per_probe', 'probes'),
    success_pct: round((sum('requests') * 100) / Math.max(1, sum('probes')), 2),
    latency_p50_ms: results[0].latency_p50_ms,
    latency_p99_ms: results[0].latency_p99_ms,
    rss_mib: Math.max(...results.map((r) => r.rss_mib)),
    ...(exporter ? { driver_cpu_pct: sum('driver_cpu_pct') } : {}),
    target_cpu_pct: on.watchPid ? (results[0].watched_cpu_pct?.[on.watchPid] ?? null) : null,
    machine_busy_cores: results[0].machine_busy_cores,
  };
}

/** The bench's blackbox_exporter on the mix, started for `fn` and stopped after. */
async function withExporter(mix, peer, fn) {
  const exporter = await startBlackbox({
    path: peer.path,
    caFile: mix.caFile,
    timeoutMs: opts['timeout-ms'],
    dir: mix.dir,
  });
  remember('pids', exporter.pid);
  try {
    return await fn(exporter);
  } finally {
    await exporter.stop();
  }
}

/**
 * The bare loops before the pipeline, at saturation with the checkers' total concurrency.
 * Mix: the checker's probe, the peer, and the probe on the same-host targets (keep-alive,
 * "many monitors of one host") for contrast. Same-host: the clients asked for, and the probe
 * in K processes.
 */
async function bareLoops(targets, mix, peer) {
  const probes = [];
  if (opts['probe-seconds'] <= 0) return probes;
  const total = opts.checkers * opts.concurrency;
  const sameHost = { urls: targets.urls };
  if (!mix) {
    for (const client of probeClients) {
      const r = await rawProbe(client, total, 1, sameHost);
      probes.push(r);
      log(`raw probe ${client} 1 × ${total}: ${r.rps} req/s (${r.cpu_pct} % CPU)`);
    }
    if (opts.checkers > 1 && probeClients.includes('probe')) {
      const r = await rawProbe('probe', opts.concurrency, opts.checkers, sameHost);
      probes.push(r);
      log(`raw probe ${opts.checkers} × ${opts.concurrency}: ${r.rps} req/s (${r.cpu_pct} % CPU)`);
    }
    return probes;
  }
  const onMix = { urlsFile: mix.urlsFile, caFile: mix.caFile, watchPid: mix.process.pid };
  for (const client of probeClients) {
    if (client === 'blackbox') {
      if (!peer?.path) continue;
      const r = await withExporter(mix, peer, (exporter) =>
        rawProbe('blackbox', total, 1, onMix, { exporter }),
      );
      probes.push(r);
      log(
        `blackbox_exporter on the mix, saturation: ${r.probes_per_s} probes/s, ${r.cpu_ms_per_probe} ms CPU/probe`,
      );
    } else {
      const r = await rawProbe(client, total, 1, onMix);
      probes.push(r);
      log(
        `${client} on the mix, saturation: ${r.probes_per_s} probes/s, ${r.cpu_ms_per_probe} ms CPU/probe`,
      );
    }
  }
  if (probeClients.includes('probe')) {
    const r = await rawProbe('probe', total, 1, sameHost);
    probes.push(r);
    log(
      `probe on the same-host targets (keep-alive): ${r.rps} req/s, ${r.cpu_ms_per_request} ms CPU/request`,
    );
  }
  return probes;
}

/**
 * The mix's bare loops again at the pipeline's pace (N / I probes started a second): the
 * like-for-like CPU per probe that the pipeline's CPU per check is compared with.
 */
async function pacedLoops(mix, peer) {
  if (!mix || opts['probe-seconds'] <= 0) return [];
  const total = opts.checkers * opts.concurrency;
  const rate = opts.subs / opts.interval;
  const onMix = { urlsFile: mix.urlsFile, caFile: mix.caFile, watchPid: mix.process.pid };
  const probes = [];
  for (const client of probeClients) {
    if (client === 'blackbox' && !peer?.path) continue;
    const r =
      client === 'blackbox'
        ? await withExporter(mix, peer, (exporter) =>
            rawProbe('blackbox', total, 1, onMix, { rate, exporter }),
          )
        : await rawProbe(client, total, 1, onMix, { rate });
    probes.push(r);
    log(`${client} on the mix at ${round(rate)}/s: ${r.cpu_ms_per_probe} ms CPU/probe`);
  }
  return probes;
}

/** The subscriptions, spread over the interval on their slot grid (as the scheduler plans). */
async function seed(db, urls, { subs = opts.subs, interval = opts.interval } = {}) {
  const key = randomBytes(32);
  const box = createSecretBox(key);
  const wallet = `0x${'be0c'.repeat(10)}`;
  await db.query(`INSERT INTO users (wallet_address) VALUES ($1)`, [wallet]);
  const intervalMs = interval * 1000;
  // services start within a few seconds; the first slots fall after that
  const base = Date.now() + 3_000;
  const chunk = 5_000;
  for (let from = 0; from < subs; from += chunk) {
    const ids = [];
    const configs = [];
    const secrets = [];
    const nexts = [];
    for (let i = from; i < Math.min(subs, from + chunk); i += 1) {
      const id = randomUUID();
      const config = {
        url: urls[i % urls.length],
        method: 'GET',
        headers: {},
        timeout_ms: opts['timeout-ms'],
        follow_redirects: true,
        max_redirects: 5,
        valid_status_codes: ['200-299'],
      };
      const offset = Number.parseInt(id.replace(/-/g, '').slice(0, 8), 16) % intervalMs;
      const slot = offset + Math.floor((base - offset) / intervalMs) * intervalMs + intervalMs;
      ids.push(id);
      configs.push(JSON.stringify(config));
      secrets.push(box.sealJson(config));
      nexts.push(new Date(slot).toISOString());
    }
    await db.query(
      `INSERT INTO subscriptions
         (id, user_address, name, target_type, target_config, target_secret, tier,
          check_frequency_seconds, next_check_at, state, consecutive_successes, state_changed_at)
       SELECT id, $1, 'bench ' || ord, 'http', config, secret, 'free', $2, next,
              'up', 1, now()
       FROM unnest($3::uuid[], $4::jsonb[], $5::text[], $6::timestamptz[])
         WITH ORDINALITY AS v(id, config, secret, next, ord)`,
      [wallet, interval, ids, configs, secrets, nexts],
    );
  }
  await db.query('ANALYZE subscriptions');
  return key.toString('hex');
}

function startServices(database, redis, encryptionKey, mix) {
  const common = {
    PATH: process.env.PATH ?? '',
    // the mix's targets chain to the bench's own root, as a private CA's sites do
    ...(mix ? { NODE_EXTRA_CA_CERTS: mix.caFile } : {}),
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'lhbench',
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    ...(opts['db-pool'] ? { DB_POOL_SIZE: opts['db-pool'] } : {}),
  };
  const schedulerEnv = {
    ...common,
    ...(opts['tick-ms'] ? { SCHEDULER_TICK_MS: opts['tick-ms'] } : {}),
    ...(opts['scheduler-batch'] ? { SCHEDULER_BATCH_SIZE: opts['scheduler-batch'] } : {}),
    ...opts.extraEnv,
  };
  const checkerEnv = {
    ...common,
    ENCRYPTION_KEY: encryptionKey,
    // verifiable records: every batch is signed, as in production
    CHECKER_SIGNING_KEY: `0x${randomBytes(32).toString('hex')}`,
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    CHECKER_CONCURRENCY: String(opts.concurrency),
    ...(opts['result-batch'] ? { RESULT_BATCH_SIZE: opts['result-batch'] } : {}),
    ...(opts['result-wait-ms'] ? { RESULT_BATCH_WAIT_MS: opts['result-wait-ms'] } : {}),
    ...opts.extraEnv,
  };
  const service = (name, label, env) => {
    const main = join(root, 'services', name, 'dist', 'main.js');
    const p = track(startProcess(label, process.execPath, [...opts.nodeArgs, main], { env }));
    undo.push({ name: label, fn: () => p.stop('SIGKILL') });
    return p;
  };
  const alerterEnv = {
    ...common,
    ENCRYPTION_KEY: encryptionKey,
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    ...opts.extraEnv,
  };
  const scheduler = service('scheduler', 'scheduler', schedulerEnv);
  const checkers = Array.from({ length: opts.checkers }, (_, i) =>
    service('checker', `checker-${i}`, { ...checkerEnv, CHECKER_NAME: `bench-checker-${i}` }),
  );
  // end to end: the alerter runs through the window too (idle while every target is up)
  const alerter = service('alerter', 'alerter', alerterEnv);
  return { scheduler, checkers, alerter, schedulerEnv, checkerEnv };
}

// ---------------------------------------------------------------------------------------
// alert latency: state change committed → webhook received

/** A webhook receiver in this process: when each `X-Lighthouse-Event-Id` was received. */
async function startReceiver() {
  const arrivals = new Map();
  let duplicates = 0;
  const server = createServer((req, res) => {
    const id = req.headers['x-lighthouse-event-id'];
    req.resume();
    req.on('end', () => {
      if (typeof id === 'string') {
        if (arrivals.has(id)) duplicates += 1;
        else arrivals.set(id, Date.now());
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  undo.push({
    name: 'webhook receiver',
    fn: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/hook`,
    arrivals,
    duplicates: () => duplicates,
  };
}

/**
 * The phase's subscriptions: interval 1 s, thresholds 1, state `up`, one webhook channel, and
 * a target that alternates between 200 and 500 (`/flip/<period>/<offset>`, offsets spread
 * over the cycle so that the events are too).
 */
async function seedAlertSubscriptions(db, encryptionKey, urls, hookUrl) {
  const box = createSecretBox(Buffer.from(encryptionKey, 'hex'));
  const n = opts['alert-subs'];
  const flip = opts['alert-flip-ms'];
  const wallet = `0x${'be0c'.repeat(10)}`;
  const base = Date.now() + 1_000;
  const ids = [];
  const configs = [];
  const secrets = [];
  const nexts = [];
  const channels = [];
  for (let i = 0; i < n; i += 1) {
    const config = {
      url: `${urls[i % urls.length]}flip/${flip}/${Math.floor((i * 2 * flip) / n)}`,
      method: 'GET',
      headers: {},
      timeout_ms: 10_000,
      follow_redirects: true,
      max_redirects: 5,
      valid_status_codes: ['200-299'],
    };
    ids.push(randomUUID());
    configs.push(JSON.stringify(config));
    secrets.push(box.sealJson(config));
    nexts.push(new Date(base + Math.floor((i * 1000) / n)).toISOString());
    channels.push(
      JSON.stringify([
        {
          id: randomUUID(),
          type: 'webhook',
          language: null,
          config: { url: hookUrl, secret: '********' },
          secret: box.sealJson({ url: hookUrl, secret: 'bench-webhook-secret' }),
        },
      ]),
    );
  }
  await db.query(
    `INSERT INTO subscriptions
       (id, user_address, name, target_type, target_config, target_secret, tier,
        check_frequency_seconds, next_check_at, state, consecutive_successes, state_changed_at,
        failure_threshold, recovery_threshold, alert_channels)
     SELECT id, $1, 'bench alert ' || ord, 'http', config, secret, 'free', 1, next,
            'up', 1, now(), 1, 1, channels
     FROM unnest($2::uuid[], $3::jsonb[], $4::text[], $5::timestamptz[], $6::jsonb[])
       WITH ORDINALITY AS v(id, config, secret, next, channels, ord)`,
    [wallet, ids, configs, secrets, nexts, channels],
  );
  return ids;
}

const alertable = (e) =>
  e.from_state !== e.to_state &&
  e.to_state !== 'unknown' &&
  !(e.from_state === 'unknown' && e.to_state === 'up');

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted, q) =>
  sorted.length === 0
    ? null
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];

/**
 * Runs while the pipeline's load goes on: starts an alerter, adds the phase's subscriptions,
 * lets their targets flip for `--alert-seconds`, then matches every alertable state event
 * created in that time with its webhook's arrival (waiting up to 10 s for the last ones).
 */
async function alertPhase(db, encryptionKey, targets, alerterService) {
  const receiver = await startReceiver();
  const { proc: alerter, metricsPort } = alerterService;
  const cpu0 = cpuSeconds(alerter.pid);
  const metrics0 = await scrape(metricsPort).catch(() => []);
  const ids = await seedAlertSubscriptions(db, encryptionKey, targets.urls, receiver.url);
  const from = Date.now();
  log(
    `alert phase: ${ids.length} subscriptions at 1 s flipping every ${opts['alert-flip-ms']} ms, ${opts['alert-seconds']} s`,
  );
  for (let left = opts['alert-seconds']; left > 0; left -= Math.min(10, left)) {
    await sleep(Math.min(10, left) * 1000);
    if (!alerter.alive) throw new Error(`alerter exited:\n${alerter.output().slice(-3000)}`);
    log(`alert phase: ${receiver.arrivals.size} webhooks received`);
  }
  const until = Date.now();
  const cpu1 = cpuSeconds(alerter.pid);
  let events = [];
  for (const deadline = Date.now() + 10_000; ;) {
    const { rows } = await db.query(
      `SELECT e.id, e.from_state, e.to_state, extract(epoch FROM e.created_at) * 1000 AS created_ms,
              extract(epoch FROM e.published_at - e.created_at) * 1000 AS published_ms,
              extract(epoch FROM a.created_at - e.created_at) * 1000 AS alert_ms
         FROM state_events e LEFT JOIN alerts a ON a.event_id = e.id
        WHERE e.subscription_id = ANY($1::uuid[]) AND e.created_at <= to_timestamp($2 / 1000.0)`,
      [ids, until],
    );
    events = rows.filter(alertable);
    if (events.every((e) => receiver.arrivals.has(e.id)) || Date.now() > deadline) break;
    await sleep(500);
  }
  const latencies = events
    .filter((e) => receiver.arrivals.has(e.id))
    .map((e) => receiver.arrivals.get(e.id) - Number(e.created_ms))
    .sort((a, b) => a - b);
  const metrics = await scrape(metricsPort).catch(() => []);
  const rss = rssBytes(alerter.pid);
  const stage = (key) => {
    const v = events
      .map((e) => e[key])
      .filter((x) => x !== null)
      .map(Number)
      .sort((x, y) => x - y);
    return { n: v.length, p50: round(percentile(v, 0.5)), p99: round(percentile(v, 0.99)) };
  };
  // the phase's subscriptions stop raising events
  await db
    .query(`UPDATE subscriptions SET active = false WHERE id = ANY($1::uuid[])`, [ids])
    .catch(() => {});
  const seconds = (until - from) / 1000;
  return {
    subscriptions: ids.length,
    interval_s: 1,
    flip_ms: opts['alert-flip-ms'],
    seconds: round(seconds, 1),
    events: events.length,
    events_per_s: round(events.length / seconds, 1),
    delivered: latencies.length,
    missing: events.length - latencies.length,
    duplicates: receiver.duplicates(),
    latency_ms: {
      p50: round(percentile(latencies, 0.5)),
      p90: round(percentile(latencies, 0.9)),
      p99: round(percentile(latencies, 0.99)),
      max: round(latencies.at(-1)),
      mean: round(latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length)),
    },
    // where the time goes: event → published to the alerts queue (state_events.published_at),
    // event → alert row written by the alerter's alert job (alerts.created_at)
    stages_ms: { published: stage('published_ms'), alert_created: stage('alert_ms') },
    alerter_latency_histogram_p99_ms: round(
      (histogramQuantile(
        0.99,
        histogramDelta(metrics0, metrics, 'lighthouse_alert_latency_seconds').buckets,
      ) ?? NaN) * 1000,
    ),
    alerter_cpu_pct:
      cpu0 === null || cpu1 === null ? null : round(((cpu1 - cpu0) / seconds) * 100, 1),
    alerter_rss_mib: round((rss ?? NaN) / 2 ** 20),
  };
}

// ---------------------------------------------------------------------------------------
// measurement

const QUEUE = 'lhbench:checks';

async function queueDepth(redis) {
  const [[, wait], [, active], [, delayed], [, prioritized], [, failed]] = await redis
    .pipeline()
    .llen(`${QUEUE}:wait`)
    .llen(`${QUEUE}:active`)
    .zcard(`${QUEUE}:delayed`)
    .zcard(`${QUEUE}:prioritized`)
    .zcard(`${QUEUE}:failed`)
    .exec();
  return { wait, active, delayed, prioritized, failed };
}

async function postgresPids(db, database) {
  const { rows } = await db.query(
    `SELECT pid, backend_type, datname, application_name FROM pg_stat_activity
      WHERE application_name <> 'lh-bench'`,
  );
  const ours = rows.filter((r) => r.datname === database && r.backend_type === 'client backend');
  const shared = rows.filter((r) =>
    ['checkpointer', 'background writer', 'walwriter', 'autovacuum launcher'].includes(
      r.backend_type,
    ),
  );
  const autovacuum = rows.filter(
    (r) => r.backend_type === 'autovacuum worker' && r.datname === database,
  );
  return {
    ours: ours.map((r) => ({ pid: r.pid, app: r.application_name })),
    shared: [...shared, ...autovacuum].map((r) => ({ pid: r.pid, app: r.backend_type })),
  };
}

/** Row traffic of the hot tables, transactions and WAL, to relate to the checks done. */
async function pgStats(db) {
  const { rows } = await db.query(
    `SELECT CASE WHEN relname LIKE 'check_history%' THEN 'check_history' ELSE relname END AS rel,
            sum(n_tup_ins)::bigint AS ins, sum(n_tup_upd)::bigint AS upd,
            sum(n_tup_hot_upd)::bigint AS hot, sum(n_dead_tup)::bigint AS dead,
            sum(autovacuum_count)::bigint AS autovacuums
       FROM pg_stat_user_tables
      WHERE relname IN ('subscriptions', 'state_events', 'schedule_changes') OR relname LIKE 'check_history%'
      GROUP BY 1`,
  );
  const db0 = await db.query(
    `SELECT xact_commit::bigint AS commits, xact_rollback::bigint AS rollbacks,
            pg_current_wal_lsn() - '0/0'::pg_lsn AS wal
       FROM pg_stat_database WHERE datname = current_database()`,
  );
  return {
    tables: Object.fromEntries(
      rows.map((r) => [
        r.rel,
        {
          ins: Number(r.ins),
          upd: Number(r.upd),
          hot: Number(r.hot),
          dead: Number(r.dead),
          autovacuums: Number(r.autovacuums),
        },
      ]),
    ),
    commits: Number(db0.rows[0].commits),
    rollbacks: Number(db0.rows[0].rollbacks),
    wal: Number(db0.rows[0].wal),
  };
}

async function snapshot(ctx) {
  const at = Date.now();
  const machine = machineCpu();
  const self = process.cpuUsage();
  const pgp = await postgresPids(ctx.db, ctx.database.name);
  const cpu = {};
  for (const p of ctx.tracked()) cpu[p.name] = cpuSeconds(p.pid);
  const pgCpu = {};
  for (const p of [...pgp.ours, ...pgp.shared])
    pgCpu[p.pid] = { app: p.app, cpu: cpuSeconds(p.pid) };
  const [metrics, info, rows, served, pgstats, overdue] = await Promise.all([
    Promise.all(
      ctx.services.map(async (s) => [s.name, await scrape(s.metricsPort).catch(() => [])]),
    ),
    ctx.redis.client.call('INFO', 'everything').then(parseInfo),
    ctx.db
      .query('SELECT count(*)::bigint AS n FROM check_history')
      .then((r) => Number(r.rows[0].n)),
    ctx.targets.served(),
    pgStats(ctx.db),
    // due more than a second ago and not yet claimed: the scheduler is behind
    ctx.db
      .query(
        `SELECT count(*)::int AS n FROM subscriptions
          WHERE active AND deleted_at IS NULL AND next_check_at < now() - interval '1 second'`,
      )
      .then((r) => r.rows[0].n),
  ]);
  return {
    at,
    machine,
    self: (self.user + self.system) / 1e6,
    cpu,
    pgCpu,
    pgOurs: new Set(pgp.ours.map((p) => p.pid)),
    metrics: Object.fromEntries(metrics),
    info,
    rows,
    served,
    pgstats,
    overdue,
  };
}

function startSampler(ctx) {
  const samples = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t = Date.now();
      try {
        const depth = await queueDepth(ctx.redis.client);
        const mem = parseInfo(await ctx.redis.client.info('memory'));
        const rss = {};
        for (const p of ctx.tracked()) rss[p.name] = rssBytes(p.pid);
        // probes in flight (a job carries a batch of slots): the checkers' own gauge
        let probes = 0;
        for (const c of ctx.services.filter((x) => x.kind === 'checker')) {
          const m = await scrape(c.metricsPort).catch(() => []);
          probes += sumMetric(m, 'lighthouse_probes_in_flight', (l) => l.state === 'running');
        }
        samples.push({
          t,
          phase: ctx.phase,
          ...depth,
          probes,
          used_memory: Number(mem.used_memory),
          rss,
        });
      } catch (err) {
        log(`sample failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(Math.max(0, 1_000 - (Date.now() - t)));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Where Redis memory goes: bytes by kind of key (job hashes, locks, the events stream, the
 * completed set…). Job hashes are sampled (at most `sample` of them) and extrapolated.
 */
async function redisBreakdown(redis, sample = 2_000) {
  const groups = new Map();
  const add = (group, keys, bytes) => {
    const g = groups.get(group) ?? { keys: 0, bytes: 0 };
    g.keys += keys;
    g.bytes += bytes;
    groups.set(group, g);
  };
  let jobKeys = 0;
  let jobSampled = 0;
  let jobBytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      if (/:alerts:[0-9a-f-]{36}$/.test(key)) {
        add('alert job hashes', 1, Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0));
        continue;
      }
      if (/:[0-9a-f-]{36}_\d+$/.test(key) || /:checks:\d+$/.test(key)) {
        jobKeys += 1;
        if (jobSampled < sample) {
          jobSampled += 1;
          jobBytes += Number((await redis.call('MEMORY', 'USAGE', key)) ?? 0);
        }
        continue;
      }
      const group = key.endsWith(':lock') ? 'job locks' : key.replace(/^[^:]+:/, '');
      add(group, 1, Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0));
    }
  } while (cursor !== '0');
  if (jobKeys > 0) add('check job hashes', jobKeys, Math.round((jobBytes / jobSampled) * jobKeys));
  return Object.fromEntries(
    [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 10),
  );
}

async function windowQueries(db, t0, t1) {
  const { rows } = await db.query(
    `SELECT count(*)::bigint AS n,
            count(DISTINCT subscription_id)::bigint AS subs,
            count(*) FILTER (WHERE status = 'up')::bigint AS up,
            count(*) FILTER (WHERE schedule_lag_ms > 1000)::bigint AS late,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY schedule_lag_ms) AS p50,
            percentile_cont(0.9) WITHIN GROUP (ORDER BY schedule_lag_ms) AS p90,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY schedule_lag_ms) AS p99,
            max(schedule_lag_ms) AS max,
            avg(response_time_ms) AS rt_avg,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms) AS rt_p99
       FROM check_history WHERE time >= $1 AND time < $2`,
    [new Date(t0), new Date(t1)],
  );
  const errors = await db.query(
    `SELECT error_category, left(error_message, 120) AS message, count(*)::int AS n
       FROM check_history WHERE time >= $1 AND time < $2 AND status <> 'up'
      GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5`,
    [new Date(t0), new Date(t1)],
  );
  const r = rows[0];
  return {
    rows: Number(r.n),
    distinct_subscriptions: Number(r.subs),
    up: Number(r.up),
    late_over_1s: Number(r.late),
    on_time: Number(r.n) - Number(r.late),
    lag_ms: { p50: round(r.p50), p90: round(r.p90), p99: round(r.p99), max: r.max },
    response_ms: { avg: round(Number(r.rt_avg), 2), p99: round(r.rt_p99) },
    top_errors: errors.rows,
  };
}

function analyse(ctx, s0, s1, window, samples) {
  const T = (s1.at - s0.at) / 1000;
  const N = opts.subs;
  const offered = N / opts.interval;
  const checksPerSecond = window.rows / T;

  const processes = {};
  for (const p of ctx.tracked()) {
    const c0 = s0.cpu[p.name];
    const c1 = s1.cpu[p.name];
    const rss = samples.map((s) => s.rss[p.name]).filter((v) => v !== null && v !== undefined);
    processes[p.name] = {
      pid: p.pid,
      cpu_pct: c0 === null || c1 === null ? null : round(((c1 - c0) / T) * 100, 1),
      rss_mib_max: rss.length > 0 ? round(Math.max(...rss) / 1048576, 1) : null,
      rss_mib_end: rss.length > 0 ? round(rss.at(-1) / 1048576, 1) : null,
    };
  }
  // PostgreSQL backends of this database by the service they serve, and the shared writers
  const pgGroups = new Map();
  for (const [pid, { app, cpu }] of Object.entries(s1.pgCpu)) {
    if (cpu === null) continue;
    const group = s1.pgOurs.has(Number(pid))
      ? `postgres (${app.replace(/^lighthouse-/, '') || 'other'} backends)`
      : 'postgres (wal/bg writer, checkpointer, autovacuum)';
    pgGroups.set(group, (pgGroups.get(group) ?? 0) + cpu - (s0.pgCpu[pid]?.cpu ?? 0));
  }
  let pgTotal = 0;
  for (const [group, seconds] of [...pgGroups].sort()) {
    processes[group] = { cpu_pct: round((seconds / T) * 100, 1) };
    pgTotal += seconds;
  }
  processes['bench runner'] = { cpu_pct: round(((s1.self - s0.self) / T) * 100, 1) };

  const machineBusy = s1.machine.busy - s0.machine.busy;
  const machineTotal = s1.machine.total - s0.machine.total;
  const ownCpu = Object.values(processes).reduce((a, p) => a + (p.cpu_pct ?? 0), 0);
  const machineCores = (machineBusy / machineTotal) * cpus().length;

  const m0 = (name) => s0.metrics[name] ?? [];
  const m1 = (name) => s1.metrics[name] ?? [];
  const checkers = ctx.services.filter((s) => s.kind === 'checker');
  let metricChecks = 0;
  const flush = { count: 0, sum: 0, buckets: new Map() };
  const batch = { count: 0, sum: 0 };
  const lagHist = { buckets: new Map() };
  const probeHist = { count: 0, sum: 0 };
  const perChecker = {};
  // verifiable records: CPU the checkers spent hashing and signing batches, of all their CPU
  const signing = { seconds: 0, checkerCpu: 0 };
  for (const c of checkers) {
    const checks =
      sumMetric(m1(c.name), 'lighthouse_checks_total') -
      sumMetric(m0(c.name), 'lighthouse_checks_total');
    metricChecks += checks;
    const f = histogramDelta(m0(c.name), m1(c.name), 'lighthouse_result_flush_seconds');
    const b = histogramDelta(m0(c.name), m1(c.name), 'lighthouse_result_batch_size');
    const l = histogramDelta(m0(c.name), m1(c.name), 'lighthouse_schedule_lag_seconds');
    const d = histogramDelta(m0(c.name), m1(c.name), 'lighthouse_check_duration_seconds');
    flush.count += f.count;
    flush.sum += f.sum;
    for (const [le, v] of f.buckets) flush.buckets.set(le, (flush.buckets.get(le) ?? 0) + v);
    for (const [le, v] of l.buckets) lagHist.buckets.set(le, (lagHist.buckets.get(le) ?? 0) + v);
    batch.count += b.count;
    batch.sum += b.sum;
    probeHist.count += d.count;
    probeHist.sum += d.sum;
    const signed =
      sumMetric(m1(c.name), 'lighthouse_checker_signing_seconds_total') -
      sumMetric(m0(c.name), 'lighthouse_checker_signing_seconds_total');
    const checkerCpu = (s1.cpu[c.name] ?? 0) - (s0.cpu[c.name] ?? 0);
    signing.seconds += signed;
    signing.checkerCpu += checkerCpu;
    perChecker[c.name] = {
      checks_per_s: round(checks / T),
      signing_pct_of_cpu: checkerCpu > 0 ? round((signed / checkerCpu) * 100, 2) : null,
      flushes_per_s: round(f.count / T, 1),
      flush_ms_avg: f.count > 0 ? round((f.sum / f.count) * 1000, 1) : null,
      batch_rows_avg: b.count > 0 ? round(b.sum / b.count, 1) : null,
      // one batch is written at a time: near 100 % the writer is the limit
      writer_busy_pct: round((f.sum / T) * 100, 1),
      event_loop_lag_p99_ms: round(
        sumMetric(m1(c.name), 'nodejs_eventloop_lag_p99_seconds') * 1000,
        1,
      ),
    };
  }
  const sched = ctx.services.find((s) => s.kind === 'scheduler');
  const schedBatch = histogramDelta(
    m0(sched.name),
    m1(sched.name),
    'lighthouse_scheduler_batch_seconds',
  );
  const enqueued =
    sumMetric(m1(sched.name), 'lighthouse_slots_enqueued_total') -
    sumMetric(m0(sched.name), 'lighthouse_slots_enqueued_total');
  const skipped =
    sumMetric(m1(sched.name), 'lighthouse_slots_skipped_total') -
    sumMetric(m0(sched.name), 'lighthouse_slots_skipped_total');

  const st0 = s0.pgstats;
  const st1 = s1.pgstats;
  const tableDelta = (rel, k) => (st1.tables[rel]?.[k] ?? 0) - (st0.tables[rel]?.[k] ?? 0);
  const postgres = {
    commits_per_s: round((st1.commits - st0.commits) / T, 1),
    rollbacks: st1.rollbacks - st0.rollbacks,
    // pg_stat_database counts the whole cluster's WAL; other databases' writes add to it
    wal_bytes_per_check: metricChecks > 0 ? round((st1.wal - st0.wal) / metricChecks) : null,
    check_history_inserts_per_s: round(tableDelta('check_history', 'ins') / T, 1),
    subscriptions_updates_per_s: round(tableDelta('subscriptions', 'upd') / T, 1),
    subscriptions_hot_update_pct:
      tableDelta('subscriptions', 'upd') > 0
        ? round((tableDelta('subscriptions', 'hot') / tableDelta('subscriptions', 'upd')) * 100, 1)
        : null,
    subscriptions_dead_tuples_at_end: st1.tables.subscriptions?.dead ?? null,
    subscriptions_autovacuums: tableDelta('subscriptions', 'autovacuums'),
  };
  const memory = {};
  for (const svc of ctx.services) {
    const m = s1.metrics[svc.name] ?? [];
    memory[svc.name] = {
      heap_used_mib: round(sumMetric(m, 'nodejs_heap_size_used_bytes') / 1048576, 1),
      heap_total_mib: round(sumMetric(m, 'nodejs_heap_size_total_bytes') / 1048576, 1),
      external_mib: round(sumMetric(m, 'nodejs_external_memory_bytes') / 1048576, 1),
    };
  }

  const inWindow = samples.filter((s) => s.phase === 'measure');
  const depthStart = inWindow[0];
  const depthEnd = inWindow.at(-1);
  const usedMax = Math.max(...inWindow.map((s) => s.used_memory));
  const usedAvg = inWindow.reduce((a, s) => a + s.used_memory, 0) / Math.max(1, inWindow.length);
  const calls0 = commandCalls(s0.info);
  const calls1 = commandCalls(s1.info);
  const commandDeltas = Object.entries(calls1)
    .map(([cmd, n]) => [cmd, n - (calls0[cmd] ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
  const totalCommands = commandDeltas.reduce((a, [, n]) => a + n, 0);

  const pipelineCpu =
    [...ctx.services.map((s) => s.name), 'redis'].reduce(
      (a, n) => a + (processes[n]?.cpu_pct ?? 0),
      0,
    ) +
    (pgTotal / T) * 100;

  return {
    window_seconds: round(T, 2),
    offered_checks_per_s: round(offered, 1),
    checks_per_s: round(checksPerSecond, 1),
    completeness_pct: round((window.rows / (offered * T)) * 100, 1),
    // the slots of the window that were probed within 1 s of their slot (DESIGN's lag bound)
    on_time_checks_per_s: round(window.on_time / T, 1),
    checks_per_s_from_metrics: round(metricChecks / T, 1),
    // what the pipeline finished per second in the window, whichever slots they were
    throughput_per_s: round(metricChecks / T, 1),
    rows_per_s_wall_clock: round((s1.rows - s0.rows) / T, 1),
    target_requests_per_s:
      s0.served !== null && s1.served !== null ? round((s1.served - s0.served) / T) : null,
    window,
    schedule_lag_histogram_p99_ms: round((histogramQuantile(0.99, lagHist.buckets) ?? NaN) * 1000),
    probe_ms_avg: probeHist.count > 0 ? round((probeHist.sum / probeHist.count) * 1000, 2) : null,
    redis: {
      used_memory_max: usedMax,
      used_memory_avg: round(usedAvg),
      used_memory_baseline: ctx.redisBaseline,
      bytes_per_subscription: round(usedMax / N),
      net_bytes_per_subscription: round((usedMax - ctx.redisBaseline) / N),
      commands_per_s: round(totalCommands / T),
      commands_per_check: metricChecks > 0 ? round(totalCommands / metricChecks, 1) : null,
      top_commands: Object.fromEntries(commandDeltas.slice(0, 8)),
    },
    queue: {
      // jobs waiting piling up: the pipeline takes less than it is offered
      backlog_growth_per_s: round(((depthEnd?.wait ?? 0) - (depthStart?.wait ?? 0)) / T, 1),
      at_window_start: depthStart,
      at_window_end: depthEnd,
      wait_max: Math.max(...inWindow.map((s) => s.wait)),
      active_avg: round(inWindow.reduce((a, s) => a + s.active, 0) / Math.max(1, inWindow.length)),
      active_max: Math.max(0, ...inWindow.map((s) => s.active)),
      probes_avg: round(inWindow.reduce((a, s) => a + s.probes, 0) / Math.max(1, inWindow.length)),
      probes_max: Math.max(0, ...inWindow.map((s) => s.probes)),
      active_capacity: opts.checkers * opts.concurrency,
    },
    scheduler: {
      overdue_at_window_start: s0.overdue,
      overdue_at_window_end: s1.overdue,
      enqueued_per_s: round(enqueued / T, 1),
      slots_skipped: skipped,
      batches_per_s: round(schedBatch.count / T, 2),
      batch_ms_avg:
        schedBatch.count > 0 ? round((schedBatch.sum / schedBatch.count) * 1000, 1) : null,
      batch_ms_p99: round((histogramQuantile(0.99, schedBatch.buckets) ?? NaN) * 1000, 1),
      busy_pct: round((schedBatch.sum / T) * 100, 1),
      event_loop_lag_p99_ms: round(
        sumMetric(m1(sched.name), 'nodejs_eventloop_lag_p99_seconds') * 1000,
        1,
      ),
    },
    writer: {
      flushes_per_s: round(flush.count / T, 1),
      flush_ms_avg: flush.count > 0 ? round((flush.sum / flush.count) * 1000, 1) : null,
      flush_ms_p99: round((histogramQuantile(0.99, flush.buckets) ?? NaN) * 1000, 1),
      batch_rows_avg: batch.count > 0 ? round(batch.sum / batch.count, 1) : null,
      per_checker: perChecker,
    },
    signing: {
      pct_of_checker_cpu:
        signing.checkerCpu > 0 ? round((signing.seconds / signing.checkerCpu) * 100, 2) : null,
      ms_per_check: metricChecks > 0 ? round((signing.seconds * 1000) / metricChecks, 4) : null,
    },
    processes,
    memory,
    postgres,
    cpu: {
      cores: cpus().length,
      machine_busy_cores: round(machineCores, 2),
      tracked_cores: round(ownCpu / 100, 2),
      // what ran on the machine besides this benchmark (other jobs, the kernel's own share)
      untracked_cores: round(machineCores - ownCpu / 100, 2),
      pipeline_cpu_ms_per_check:
        metricChecks > 0 ? round(((pipelineCpu / 100) * T * 1000) / metricChecks, 3) : null,
      load_average: loadAverage(),
    },
  };
}

// ---------------------------------------------------------------------------------------
// report

function verdict(ok) {
  return ok === null ? '—' : ok ? '✅ pass' : '❌ fail';
}
const fmt = (x, unit = '') =>
  x === null || x === undefined ? 'n/a' : `${x.toLocaleString('en-US')}${unit}`;

function markdown(result) {
  const r = result.pipeline;
  const p = result.raw_probe;
  const lines = [];
  lines.push(`# Lighthouse benchmark — ${result.timestamp}`);
  lines.push('');
  const m = result.mix;
  lines.push(
    m
      ? `Workload: the realistic mix (DESIGN, "Performance targets"): ${fmt(opts['mix-targets'])} distinct loopback targets, ` +
          `${m.ecdsa} HTTPS with ECDSA P-256 and ${m.rsa} with RSA-2048 leaves under an intermediate CA, ${m.http} HTTP; ` +
          `bodies 1–16 KB, latency log-uniform ${LATENCY_MS[0]}–${LATENCY_MS[1]} ms, ${m.fail} answering 500 and ${m.hang} never answering ` +
          `within the ${fmt(opts['timeout-ms'])} ms timeout; every check opens a new connection and does a full TLS handshake. ` +
          `The peer, blackbox_exporter${result.peer?.version ? ` ${result.peer.version}` : ''}, and the checker's probe in a bare loop ran on the same targets in this run, before the pipeline.`
      : 'Workload: same host (many monitors of one host): every check goes to a few keep-alive loopback ports answering 15 bytes at once, so probes reuse sockets; not what production costs (`--workload mix` is).',
  );
  lines.push('');
  lines.push(
    `N = ${fmt(opts.subs)} subscriptions at I = ${opts.interval} s (offered ${fmt(r.offered_checks_per_s)} checks/s), ` +
      `K = ${opts.checkers} checker(s) × concurrency ${opts.concurrency}, one scheduler and one alerter, warm-up ${opts.warmup} s, window ${r.window_seconds} s. ` +
      `${result.machine.cores} cores, ${result.machine.memory_gib} GiB, Node ${process.versions.node}, PostgreSQL ${result.machine.postgres}, Redis ${result.machine.redis}. ` +
      `Load average at the end: ${r.cpu.load_average.join(' ')}.`,
  );
  if (r.cpu.untracked_cores > 0.15 || result.machine.busy_cores_before_start > 0.15) {
    lines.push('');
    lines.push(
      `> ⚠ Other work shared the machine: ${result.machine.busy_cores_before_start} cores busy just before the run, ` +
        `${r.cpu.untracked_cores} cores used by processes outside this benchmark during the window. ` +
        'Throughput and lag are pessimistic; rerun on a quiet machine for a clean figure.',
    );
  }
  lines.push('');
  lines.push('| metric | value | DESIGN target | result |');
  lines.push('| --- | --- | --- | --- |');
  for (const row of result.targets) {
    lines.push(`| ${row.metric} | ${row.value} | ${row.target} | ${verdict(row.pass)} |`);
  }
  lines.push('');
  lines.push('## Processes (over the window)');
  lines.push('');
  lines.push('| process | CPU % (100 = one core) | RSS max MiB |');
  lines.push('| --- | --- | --- |');
  for (const [name, v] of Object.entries(r.processes)) {
    lines.push(`| ${name} | ${fmt(v.cpu_pct)} | ${fmt(v.rss_mib_max)} |`);
  }
  lines.push(
    `| machine (all processes) | ${fmt(round(r.cpu.machine_busy_cores * 100))} | |`,
    `| not this benchmark | ${fmt(round(r.cpu.untracked_cores * 100))} | |`,
  );
  lines.push('');
  lines.push('## Bare loops (no queue, no database; before the pipeline, on this machine)');
  lines.push('');
  lines.push(
    '| workload | client | processes × concurrency | pace | probes/s | CPU % | CPU ms/probe | success % | p50 / p99 ms | RSS MiB |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of p) {
    const name =
      x.client === 'blackbox'
        ? `blackbox_exporter${result.peer?.version ? ` ${result.peer.version}` : ''}`
        : x.client === 'probe'
          ? "Lighthouse (the checker's http probe)"
          : x.client;
    const workload = x.workload === 'mix' ? 'the mix' : 'same host, keep-alive';
    lines.push(
      `| ${workload} | ${name} | ${x.processes} × ${x.concurrency_per_process} | ${x.rate ? `${fmt(round(x.rate))}/s` : 'saturation'} | ` +
        `${fmt(x.probes_per_s || x.rps)} | ${fmt(x.cpu_pct)} | ${fmt(x.cpu_ms_per_probe ?? x.cpu_ms_per_request)} | ${fmt(x.success_pct)} | ` +
        `${fmt(x.latency_p50_ms)} / ${fmt(x.latency_p99_ms)} | ${fmt(x.rss_mib)} |`,
    );
  }
  lines.push('');
  if (p.some((x) => x.client === 'blackbox')) {
    lines.push(
      "The exporter's CPU is its process's (/proc), the driver that asks it for probes is not counted; " +
        'at saturation the Lighthouse loop is one node process (one core at most) while the exporter uses every core, ' +
        'so the paced rows are the like-for-like CPU figures.',
    );
    lines.push('');
  }
  if (result.peer?.reason) {
    lines.push(`blackbox_exporter skipped: ${result.peer.reason.split('\n')[0]}`);
    lines.push('');
  }
  lines.push('## Diagnostics');
  lines.push('');
  const q = r.queue;
  lines.push(
    `- throughput: ${fmt(r.checks_per_s)} checks/s by slot time (${fmt(r.completeness_pct)} % of offered slots), ` +
      `${fmt(r.checks_per_s_from_metrics)} by lighthouse_checks_total, ${fmt(r.rows_per_s_wall_clock)} rows/s inserted (wall clock), ` +
      `${fmt(r.target_requests_per_s)} requests/s seen by the targets; ${fmt(r.window.up)} of ${fmt(r.window.rows)} rows up.`,
  );
  lines.push(
    `- schedule lag (check_history, slot → probe start): p50 ${fmt(r.window.lag_ms.p50)} ms, p90 ${fmt(r.window.lag_ms.p90)} ms, ` +
      `p99 ${fmt(r.window.lag_ms.p99)} ms, max ${fmt(r.window.lag_ms.max)} ms, ${fmt(r.window.late_over_1s)} rows later than 1 s; ` +
      `checker histogram p99 ≈ ${fmt(r.schedule_lag_histogram_p99_ms)} ms (interpolated in coarse buckets).`,
  );
  lines.push(
    `- probe time avg ${fmt(r.probe_ms_avg)} ms (response_time_ms avg ${fmt(r.window.response_ms.avg)}, p99 ${fmt(r.window.response_ms.p99)}).`,
  );
  lines.push(
    `- queue: waiting ${fmt(q.at_window_start?.wait)} → ${fmt(q.at_window_end?.wait)} (max ${fmt(q.wait_max)}), ` +
      `active avg ${fmt(q.active_avg)} jobs of ${fmt(q.active_capacity)} (a job carries up to CHECK_JOB_SLOTS slots), delayed ${fmt(q.at_window_end?.delayed)}, failed ${fmt(q.at_window_end?.failed)}; ` +
      `probes in flight avg ${fmt(q.probes_avg)}, max ${fmt(q.probes_max)}.`,
  );
  lines.push(
    `- scheduler: ${fmt(r.scheduler.enqueued_per_s)} slots/s enqueued, ` +
      `overdue subscriptions ${fmt(r.scheduler.overdue_at_window_start)} → ${fmt(r.scheduler.overdue_at_window_end)}, ${fmt(r.scheduler.batches_per_s)} batches/s, ` +
      `batch avg ${fmt(r.scheduler.batch_ms_avg)} ms (p99 ≈ ${fmt(r.scheduler.batch_ms_p99)} ms), busy ${fmt(r.scheduler.busy_pct)} %, ` +
      `${fmt(r.scheduler.slots_skipped)} slots skipped, event-loop lag p99 ${fmt(r.scheduler.event_loop_lag_p99_ms)} ms.`,
  );
  lines.push(
    `- result writer: ${fmt(r.writer.flushes_per_s)} flushes/s, ${fmt(r.writer.batch_rows_avg)} rows/batch, ` +
      `flush avg ${fmt(r.writer.flush_ms_avg)} ms (p99 ≈ ${fmt(r.writer.flush_ms_p99)} ms).`,
  );
  for (const [name, c] of Object.entries(r.writer.per_checker)) {
    lines.push(
      `  - ${name}: ${fmt(c.checks_per_s)} checks/s, ${fmt(c.batch_rows_avg)} rows/batch, flush avg ${fmt(c.flush_ms_avg)} ms, ` +
        `writer busy ${fmt(c.writer_busy_pct)} %, event-loop lag p99 ${fmt(c.event_loop_lag_p99_ms)} ms.`,
    );
  }
  lines.push(
    `- redis: used_memory max ${fmt(r.redis.used_memory_max)} B (empty: ${fmt(r.redis.used_memory_baseline)} B), ` +
      `at the window's end ${Object.entries(r.redis.breakdown_at_window_end ?? {})
        .slice(0, 5)
        .map(([k, v]) => `${k} ${fmt(v.keys)} keys ${fmt(round(v.bytes / 1024))} KiB`)
        .join(', ')}; ` +
      `${fmt(r.redis.commands_per_s)} commands/s, ${fmt(r.redis.commands_per_check)} per check ` +
      `(${Object.entries(r.redis.top_commands)
        .slice(0, 5)
        .map(([c, n]) => `${c} ${fmt(n)}`)
        .join(', ')}).`,
  );
  lines.push(
    `- postgres: ${fmt(r.postgres.commits_per_s)} commits/s, ${fmt(r.postgres.check_history_inserts_per_s)} check_history inserts/s, ` +
      `${fmt(r.postgres.subscriptions_updates_per_s)} subscriptions updates/s (${fmt(r.postgres.subscriptions_hot_update_pct)} % HOT, ` +
      `${fmt(r.postgres.subscriptions_dead_tuples_at_end)} dead tuples at the end, ${fmt(r.postgres.subscriptions_autovacuums)} autovacuums), ` +
      `WAL ≈ ${fmt(r.postgres.wal_bytes_per_check)} B per check, ${fmt(r.postgres.rollbacks)} rollbacks.`,
  );
  lines.push(
    `- memory (Node heap used / total, external, at the window's end): ${Object.entries(r.memory)
      .map(
        ([k, v]) =>
          `${k} ${fmt(v.heap_used_mib)} / ${fmt(v.heap_total_mib)} MiB, ${fmt(v.external_mib)} MiB`,
      )
      .join('; ')}.`,
  );
  lines.push(
    `- CPU: machine ${fmt(r.cpu.machine_busy_cores)} of ${r.cpu.cores} cores busy; pipeline (scheduler, checkers, alerter, Redis, PostgreSQL) ` +
      `${fmt(r.cpu.pipeline_cpu_ms_per_check)} ms CPU per check.`,
  );
  const a = result.alerts;
  if (a?.error) lines.push(`- alert phase failed: ${a.error}`);
  else if (a) {
    lines.push(
      `- alerts (after the window, under the same load): ${fmt(a.subscriptions)} subscriptions at 1 s, thresholds 1, targets flipping every ${fmt(a.flip_ms)} ms, ` +
        `one webhook each, for ${fmt(a.seconds)} s: ${fmt(a.events)} alertable state events (${fmt(a.events_per_s)}/s), ${fmt(a.delivered)} webhooks received ` +
        `(${fmt(a.missing)} missing after 10 s, ${fmt(a.duplicates)} duplicates); state_events.created_at → received p50 ${fmt(a.latency_ms.p50, ' ms')}, ` +
        `p90 ${fmt(a.latency_ms.p90, ' ms')}, p99 ${fmt(a.latency_ms.p99, ' ms')}, max ${fmt(a.latency_ms.max, ' ms')} ` +
        `(the alerter's own lighthouse_alert_latency_seconds p99 ≈ ${fmt(a.alerter_latency_histogram_p99_ms, ' ms')}, from coarse buckets); ` +
        `stages from created_at: published to the alerts queue p50/p99 ${fmt(a.stages_ms?.published.p50)}/${fmt(a.stages_ms?.published.p99, ' ms')}, ` +
        `alert row written ${fmt(a.stages_ms?.alert_created.p50)}/${fmt(a.stages_ms?.alert_created.p99, ' ms')}; ` +
        `alerter ${fmt(a.alerter_cpu_pct)} % CPU, ${fmt(a.alerter_rss_mib)} MiB RSS.`,
    );
  }
  if (r.window.top_errors.length > 0) {
    lines.push(
      `- failed checks: ${r.window.top_errors.map((e) => `${e.n}× ${e.error_category}: ${e.message}`).join('; ')}`,
    );
  }
  const logs = Object.entries(result.service_logs)
    .filter(([, v]) => v.warn + v.error > 0)
    .map(([k, v]) => `${k} ${v.warn} warn / ${v.error} error`);
  if (logs.length > 0) lines.push(`- service log lines: ${logs.join(', ')}.`);
  lines.push('');
  lines.push(...footprintMarkdown(result.footprint));
  if (result.timeseries) lines.push(...timeseriesMarkdown(result.timeseries));
  const skipped = [
    ...(result.alerts && !result.alerts.error ? [] : ['webhook delivery p99']),
    ...(result.timeseries && !result.timeseries.error
      ? []
      : ['the 30-day query p95 at 10 M rows', 'batched ingest ≥ 50,000 rows/s']),
  ];
  if (skipped.length > 0) {
    lines.push(`Not measured in this run: ${skipped.join(', ')}.`);
    lines.push('');
  }
  lines.push(`Command: \`${result.command}\``);
  lines.push('');
  return lines.join('\n');
}

/** The bare loops of one client: at saturation (no rate) or paced, on the pipeline's workload. */
function loopOf(rawProbe, client, { paced = false } = {}) {
  return rawProbe.find(
    (x) =>
      x.client === client &&
      x.processes === 1 &&
      x.workload === opts.workload &&
      Boolean(x.rate) === paced,
  );
}

function targetsTable(pipeline, rawProbe, alerts, footprint, timeseries) {
  const bare = loopOf(rawProbe, 'probe');
  const peerPaced = loopOf(rawProbe, 'blackbox', { paced: true });
  const probePaced = loopOf(rawProbe, 'probe', { paced: true });
  const checkerRss = Object.entries(pipeline.processes)
    .filter(([n]) => n.startsWith('checker-'))
    .map(([, v]) => v.rss_mib_max ?? 0);
  const maxChecker = Math.max(...checkerRss);
  // The ratio compares what the pipeline sustained with the bare loop; it is a capacity
  // figure only when the pipeline was saturated (offered more than it took).
  const saturated =
    pipeline.queue.backlog_growth_per_s > 0.01 * pipeline.offered_checks_per_s ||
    pipeline.scheduler.overdue_at_window_end > 0.01 * opts.subs;
  // every finished probe counts (the mix fails on purpose), as every check row does
  const bareRate = bare ? bare.probes_per_s || bare.rps : null;
  const ratio = bareRate ? (pipeline.checks_per_s / bareRate) * 100 : null;
  const cpuPerCheck = pipeline.cpu.pipeline_cpu_ms_per_check;
  const peerRatio =
    peerPaced?.cpu_ms_per_probe && cpuPerCheck ? cpuPerCheck / peerPaced.cpu_ms_per_probe : null;
  const rows = [
    {
      metric: `CPU per check end to end (scheduler, checkers, alerter, Redis, PostgreSQL) ÷ blackbox_exporter's CPU per probe, same mix, same pace (${fmt(round(pipeline.offered_checks_per_s))}/s), this run`,
      value:
        peerRatio === null
          ? 'n/a (no peer in this run)'
          : `${fmt(cpuPerCheck)} ÷ ${fmt(peerPaced.cpu_ms_per_probe)} ms = ${round(peerRatio, 2)}`,
      target: '≤ 1.0',
      pass: peerRatio === null ? null : peerRatio <= 1,
    },
    {
      metric:
        "of which the checker's probe alone ÷ blackbox_exporter (bare loops at the same pace)",
      value:
        probePaced?.cpu_ms_per_probe && peerPaced?.cpu_ms_per_probe
          ? `${fmt(probePaced.cpu_ms_per_probe)} ÷ ${fmt(peerPaced.cpu_ms_per_probe)} ms = ${round(probePaced.cpu_ms_per_probe / peerPaced.cpu_ms_per_probe, 2)}`
          : 'n/a',
      target: '—',
      pass: null,
    },
    {
      metric: `sustained end-to-end checks/s (rows with slot time in the window, committed by its end + drain, / T) ÷ the bare probe loop (1 process × ${bare?.concurrency_per_process ?? '?'}, saturated: ${fmt(bareRate)}/s)`,
      value:
        ratio === null
          ? fmt(pipeline.checks_per_s)
          : `${fmt(pipeline.checks_per_s)}/s = ${round(ratio, 1)} %${saturated ? ' (saturated)' : ' (offered load all done: a lower bound)'}`,
      target: '≥ 60 %',
      pass: ratio === null ? null : ratio >= 60,
    },
    {
      metric: 'offered load N / I; share of its slots recorded by the window end + drain',
      value: `${fmt(pipeline.offered_checks_per_s)}; ${fmt(pipeline.completeness_pct)} %`,
      target: '—',
      pass: null,
    },
    {
      metric:
        'backlog: growth of jobs waiting in Redis per second; subscriptions overdue in PostgreSQL at the end',
      value: `${fmt(pipeline.queue.backlog_growth_per_s)}/s; ${fmt(pipeline.scheduler.overdue_at_window_end)}${saturated ? ' (saturated)' : ''}`,
      target: '≈ 0',
      pass: !saturated,
    },
    {
      metric: 'schedule lag p50 (check_history.schedule_lag_ms)',
      value: fmt(pipeline.window.lag_ms.p50, ' ms'),
      target: '—',
      pass: null,
    },
    {
      metric: 'schedule lag p99',
      value: fmt(pipeline.window.lag_ms.p99, ' ms'),
      target: '≤ 1,000 ms',
      pass: pipeline.window.lag_ms.p99 !== null && pipeline.window.lag_ms.p99 <= 1000,
    },
  ];
  if (alerts) {
    const p99 = alerts.latency_ms?.p99 ?? null;
    rows.push({
      metric: alerts.error
        ? 'state change → webhook delivered p99 (alert phase failed)'
        : `state change → webhook delivered p99 under that load (state_events.created_at → received; ${fmt(alerts.delivered)} of ${fmt(alerts.events)} events, p50 ${fmt(alerts.latency_ms.p50, ' ms')})`,
      value: alerts.error ? 'n/a' : fmt(p99, ' ms'),
      target: '≤ 500 ms',
      pass: alerts.error ? false : p99 !== null && p99 <= 500 && alerts.missing === 0,
    });
  }
  rows.push(
    {
      metric: 'Redis used_memory (max in window) / N',
      value: fmt(pipeline.redis.bytes_per_subscription, ' B'),
      target: '≤ 1,024 B',
      pass: pipeline.redis.bytes_per_subscription <= 1024,
    },
    {
      metric: `checker RSS (max), with up to ${fmt(pipeline.queue.probes_max)} probes in flight over ${opts.checkers} checker(s)${pipeline.queue.probes_max < 2000 ? " (the target's 2,000 in flight were not reached at this load)" : ''}`,
      value: fmt(maxChecker, ' MiB'),
      target: '≤ 256 MiB',
      pass: maxChecker <= 256,
    },
    {
      metric: `signing result batches (verifiable records): the checkers' CPU spent hashing rows and signing batch roots, of all their CPU (${fmt(pipeline.signing.ms_per_check)} ms per check)`,
      value:
        pipeline.signing.pct_of_checker_cpu === null
          ? 'n/a'
          : `${fmt(pipeline.signing.pct_of_checker_cpu)} %`,
      target: '≤ 5 %',
      pass:
        pipeline.signing.pct_of_checker_cpu === null
          ? null
          : pipeline.signing.pct_of_checker_cpu <= 5,
    },
    ...footprintTargets(footprint),
  );
  rows.push(...timeseriesTargets(timeseries));
  return rows;
}

/** Formats a result file as `pnpm format` would, so that committing latest.md keeps format:check green. */
async function prettify(file, text) {
  try {
    const { default: prettier } = await import('prettier');
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return `${text.trimEnd()}\n`;
  }
}

// ---------------------------------------------------------------------------------------

/**
 * One optional phase: its result, null when `enabled` is false, or `{ error }` when it
 * failed (the report says so and the other phases still run).
 */
async function runPhase(name, enabled, fn) {
  if (!enabled) return null;
  try {
    return await fn();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    log(`${name} phase failed: ${error}`);
    return { error };
  }
}

async function main() {
  log(
    `N=${opts.subs} I=${opts.interval}s K=${opts.checkers} concurrency=${opts.concurrency} warm-up=${opts.warmup}s T=${opts.duration}s`,
  );
  reapOrphans();
  // the peer first: an install (apt-get) must not overlap a measurement
  const peer =
    mixMode && probeClients.includes('blackbox') && opts['probe-seconds'] > 0
      ? ensureBlackbox(log)
      : null;
  if (peer?.reason) log(`peer skipped: ${peer.reason}`);
  else if (peer) peer.version = blackboxVersion(peer.path);
  const busyNow = async () => {
    const a = machineCpu();
    await sleep(2_000);
    const b = machineCpu();
    return ((b.busy - a.busy) / (b.total - a.total)) * cpus().length;
  };
  let busyBefore = await busyNow();
  const idleDeadline = Date.now() + opts['wait-idle'] * 1000;
  while (busyBefore > 0.3 && Date.now() < idleDeadline) {
    log(`machine busy: ${busyBefore.toFixed(2)} cores; waiting for it to settle`);
    await sleep(3_000);
    busyBefore = await busyNow();
  }
  log(`machine busy before the run: ${busyBefore.toFixed(2)} of ${cpus().length} cores`);
  await dropOrphans();
  const database = await createDatabase();
  log(`database ${database.name} migrated`);
  // the bench's own connections are left out of the PostgreSQL CPU figures by name
  const db = new pg.Pool({ connectionString: database.url, max: 4, application_name: 'lh-bench' });
  db.on('error', (err) => log(`bench database connection: ${err.message}`));
  undo.push({ name: 'pg pool', fn: () => db.end() });

  const redis = await startRedis();
  // the same-host targets: the pipeline's in that workload, the alert phase's in both
  const targets = await startTargets();
  const mix = mixMode ? await startMix() : null;
  log(
    `redis on ${redis.port}, same-host targets ${targets.urls.join(' ')}` +
      (mix
        ? `, mix: ${fmt(opts['mix-targets'])} targets (${mix.shape.ecdsa} https ECDSA, ${mix.shape.rsa} https RSA, ${mix.shape.http} http; ${mix.shape.fail} failing, ${mix.shape.hang} hanging)`
        : ''),
  );
  const checked = mix ? mix.urls : targets.urls;

  const probes = await bareLoops(targets, mix, peer);
  if (opts.subs === 0) {
    // 65 % of what the bare loop did: passing means the pipeline sustains ≥ 60 % of it
    const bare = probes.find((x) => x.client === 'probe' && x.workload === 'mix' && !x.rate);
    opts.subs = bare ? Math.ceil((0.65 * bare.probes_per_s * opts.interval) / 100) * 100 : 4_000;
    log(`N = ${opts.subs}: ${bare ? '65 % of the bare loop' : 'no bare loop, the default'}`);
  }
  const paced = await pacedLoops(mix, peer);
  probes.push(...paced);

  const seeding = Date.now();
  const encryptionKey = await seed(db, checked);
  log(`${opts.subs} subscriptions seeded in ${Date.now() - seeding} ms`);
  const redisBaseline = Number(parseInfo(await redis.client.info('memory')).used_memory);

  const svc = startServices(database, redis, encryptionKey, mix);
  const services = [];
  for (const [kind, list] of [
    ['scheduler', [svc.scheduler]],
    ['checker', svc.checkers],
    ['alerter', [svc.alerter]],
  ]) {
    for (const p of list) {
      const port = Number((await p.waitFor(/"metrics_port":(\d+)/))[1]);
      services.push({ name: p.name, kind, pid: p.pid, metricsPort: port, proc: p });
    }
  }
  log('services running');

  const ctx = {
    db,
    database,
    redis,
    // whose requests the window counts
    targets: mix ?? targets,
    services,
    redisBaseline,
    phase: 'warmup',
    tracked: () => [
      ...services.map((s) => ({ name: s.name, pid: s.pid })),
      { name: 'redis', pid: redis.server.pid },
      { name: 'target', pid: targets.process.pid },
      ...(mix ? [{ name: 'mix-target', pid: mix.process.pid }] : []),
    ],
  };
  const sampler = startSampler(ctx);
  undo.push({ name: 'sampler', fn: () => sampler.stop() });

  const assertAlive = () => {
    for (const s of services) {
      if (!s.proc.alive) throw new Error(`${s.name} exited:\n${s.proc.output().slice(-3000)}`);
    }
  };
  for (let left = opts.warmup; left > 0; left -= Math.min(10, left)) {
    await sleep(Math.min(10, left) * 1000);
    assertAlive();
    const last = sampler.samples.at(-1);
    log(`warm-up: waiting ${last?.wait ?? '?'}, active ${last?.active ?? '?'}`);
  }

  ctx.phase = 'measure';
  const s0 = await snapshot(ctx);
  log('window open');
  for (let left = opts.duration; left > 0; left -= Math.min(10, left)) {
    await sleep(Math.min(10, left) * 1000 - (left === opts.duration ? Date.now() - s0.at : 0));
    assertAlive();
    const last = sampler.samples.at(-1);
    log(`measuring: waiting ${last?.wait ?? '?'}, active ${last?.active ?? '?'}`);
  }
  const s1 = await snapshot(ctx);
  ctx.phase = 'drain';
  const redisKeys = await redisBreakdown(redis.client).catch((err) => ({ error: err.message }));
  log(`window closed; ${opts.drain} s for its last rows`);
  await sleep(opts.drain * 1000);
  const window = await windowQueries(db, s0.at, s1.at);
  await sampler.stop();

  const pipeline = analyse(ctx, s0, s1, window, sampler.samples);
  pipeline.redis.breakdown_at_window_end = redisKeys;

  const alerts = await runPhase('alert', opts['alert-subs'] > 0, async () => {
    const r = await alertPhase(
      db,
      encryptionKey,
      targets,
      services.find((x) => x.kind === 'alerter'),
    );
    log(
      `alert phase: ${r.delivered} of ${r.events} events delivered, p50 ${r.latency_ms.p50} ms, p99 ${r.latency_ms.p99} ms`,
    );
    return r;
  });

  log('stopping services');
  await svc.scheduler.stop('SIGTERM', 15_000);
  await Promise.all([
    ...svc.checkers.map((c) => c.stop('SIGTERM', 20_000)),
    svc.alerter.stop('SIGTERM', 10_000),
  ]);

  // a small install: every role, its own database and Redis, on the mix's targets
  const footprint = await runPhase('footprint', opts['footprint-subs'] > 0, () =>
    footprintPhase({
      root,
      opts,
      log,
      undo,
      track,
      createDatabase,
      startRedis,
      seed,
      urls: checked,
      caFile: mix?.caFile ?? null,
    }),
  );

  // after the pipeline, on a quiet database: its own rows, rollups and the API
  const timeseries = await runPhase('time-series', opts['ts-rows'] > 0, () =>
    timeseriesPhase({
      root,
      db,
      database,
      redis,
      encryptionKey,
      opts,
      log,
      undo,
      track,
      nodeArgs: opts.nodeArgs,
      extraEnv: opts.extraEnv,
    }),
  );

  const versions = await db.query('SHOW server_version');
  const timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const result = {
    timestamp,
    command:
      `node ${relative(root, fileURLToPath(import.meta.url))} ${process.argv.slice(2).join(' ')}`.trim(),
    options: { ...opts, out: relative(root, opts.out) || '.' },
    machine: {
      cores: cpus().length,
      cpu_model: cpus()[0]?.model,
      memory_gib: round(totalmem() / 2 ** 30, 1),
      node: process.versions.node,
      postgres: versions.rows[0].server_version,
      redis: s1.info.redis_version,
      busy_cores_before_start: round(busyBefore, 2),
    },
    service_env: {
      scheduler: Object.fromEntries(
        Object.entries(svc.schedulerEnv).filter(
          ([k]) => !['PATH', 'DATABASE_URL', 'REDIS_URL'].includes(k),
        ),
      ),
      checker: Object.fromEntries(
        Object.entries(svc.checkerEnv).filter(
          ([k]) =>
            ![
              'PATH',
              'DATABASE_URL',
              'REDIS_URL',
              'ENCRYPTION_KEY',
              'CHECKER_SIGNING_KEY',
            ].includes(k),
        ),
      ),
    },
    mix: mix?.shape ?? null,
    peer: peer
      ? { path: peer.path ?? null, version: peer.version ?? null, reason: peer.reason ?? null }
      : null,
    raw_probe: probes,
    pipeline,
    alerts,
    footprint,
    timeseries,
    targets: targetsTable(pipeline, probes, alerts, footprint, timeseries),
    service_logs: {
      ...Object.fromEntries(services.map((s) => [s.name, s.proc.logCounts])),
      ...(timeseries?.api?.log ? { api: timeseries.api.log } : {}),
    },
    queue_samples: sampler.samples.map((s) => ({
      t: round((s.t - s0.at) / 1000, 1),
      phase: s.phase,
      wait: s.wait,
      active: s.active,
      probes: s.probes,
      delayed: s.delayed,
      used_memory: s.used_memory,
    })),
  };

  mkdirSync(opts.out, { recursive: true });
  const base = join(
    opts.out,
    `${timestamp.replace(/:/g, '-')}${opts.label ? `-${opts.label}` : ''}`,
  );
  const md = await prettify(`${base}.md`, markdown(result));
  writeFileSync(`${base}.json`, await prettify(`${base}.json`, JSON.stringify(result, null, 2)));
  writeFileSync(`${base}.md`, md);
  if (opts.latest) writeFileSync(join(opts.out, 'latest.md'), md);
  log(`wrote ${relative(root, base)}.{json,md}${opts.latest ? ' and latest.md' : ''}`);
  process.stdout.write(`${md}\n`);
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(hardStop);
}
process.exit(exitCode);
