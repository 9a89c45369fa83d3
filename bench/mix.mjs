// The realistic mix: the checker's own http probe and a peer (Prometheus blackbox_exporter)
// against the same production-like targets at the same concurrency, one after the other, in
// one run. Where `pnpm bench` points every check at a few keep-alive loopback ports, here each
// of N targets is another site: 70 % HTTPS (half ECDSA P-256, half RSA-2048 leaves, chain
// through an intermediate), 30 % plain HTTP, bodies of 1–16 KB, latencies of 5–300 ms, 1 %
// failing with 500 and 0.5 % never answering within the timeout, and no connection or TLS
// session carried from one check to the next (see mix-target.mjs).
//
//   node bench/mix.mjs --seconds 20 --concurrency 200 --targets 2000
//
// Also a module: `behaviour(id)` (what target `/t/<id>` does) and `mixUrls(n, ports)`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { makeCerts } from './certs.mjs';
import { reapDeadRuns, round, startProcess, timedLog, undoStack } from './lib.mjs';
import { blackboxVersion, ensureBlackbox, startBlackbox } from './peer.mjs';

// ---------------------------------------------------------------------------------------
// the mix

/** A 32-bit integer hash (murmur3's finaliser): deterministic, well spread. */
function hash32(x) {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
/** A uniform number in [0, 1) from the id and a salt (one per property). */
const uniform = (id, salt) => hash32(hash32(id) ^ Math.imul(salt, 0x9e3779b9)) / 2 ** 32;

/** Out of every 200 consecutive ids, 2 fail (1 %) and 1 hangs (0.5 %): exact shares. */
export const FAIL_SHARE = 0.01;
export const HANG_SHARE = 0.005;
const BLOCK = 200;
export const LATENCY_MS = [5, 300];

/**
 * What target `/t/<id>` does, a function of its id alone: `kind` ok | fail (500) | hang (no
 * answer before `timeoutMs` + 5 s), `bytes` of body (1–16 KB) and `delayMs` before answering:
 * log-uniform over 5–300 ms (median ≈ 39 ms, mean ≈ 72 ms, a long tail like real sites).
 */
export function behaviour(id, { timeoutMs = 10_000 } = {}) {
  // a permutation of each block of 200 ids, shifted by a hash of the block, picks which ids
  // fail and hang: exact shares, and not always the same scheme (that is id % 20)
  const p =
    (((id % BLOCK) * 37 + (hash32(Math.floor(id / BLOCK) ^ 0x5bd1e995) % BLOCK)) % BLOCK) / BLOCK;
  const kind = p < FAIL_SHARE ? 'fail' : p < FAIL_SHARE + HANG_SHARE ? 'hang' : 'ok';
  const [lo, hi] = LATENCY_MS;
  return {
    kind,
    bytes: 1024 + Math.floor(uniform(id, 2) * 15 * 1024),
    delayMs: kind === 'hang' ? timeoutMs + 5_000 : Math.round(lo * (hi / lo) ** uniform(id, 3)),
  };
}

/** Out of every 20 targets: 7 HTTPS ECDSA, 7 HTTPS RSA, 6 HTTP (70 % HTTPS, half and half). */
export function schemeOf(index) {
  const k = index % 20;
  return k < 7 ? 'ecdsa' : k < 14 ? 'rsa' : 'http';
}

/**
 * N target URLs with the production mix, each with a distinct id (= its index), on
 * mix-target.mjs's ports `{ ecdsa, rsa, http }`. `host` is `localhost` by default so that each
 * check resolves a name and sends SNI, as real checks do (the certificates name both).
 */
export function mixUrls(n, ports, { host = 'localhost' } = {}) {
  return Array.from({ length: n }, (_, id) => {
    const scheme = schemeOf(id);
    const proto = scheme === 'http' ? 'http' : 'https';
    return `${proto}://${host}:${ports[scheme]}/t/${id}`;
  });
}

/** What N targets hold: shares by scheme and kind, the success share a client should see. */
export function describeMix(n, { timeoutMs = 10_000 } = {}) {
  const count = { ecdsa: 0, rsa: 0, http: 0, ok: 0, fail: 0, hang: 0 };
  let delay = 0;
  for (let id = 0; id < n; id += 1) {
    const b = behaviour(id, { timeoutMs });
    count[schemeOf(id)] += 1;
    count[b.kind] += 1;
    if (b.kind !== 'hang') delay += b.delayMs;
  }
  return { ...count, meanDelayMs: delay / Math.max(1, count.ok + count.fail) };
}

// ---------------------------------------------------------------------------------------
// the runner

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = timedLog('mix');

// cleanup: everything started is registered here and undone in reverse order
const { undo, cleanup, cleaning } = undoStack(log);
/** Registers an undo step; the function returned runs it now (once) instead of at the end. */
function onCleanup(name, fn) {
  const step = { name, fn };
  undo.push(step);
  return async () => {
    const i = undo.indexOf(step);
    if (i < 0) return; // cleanup has it
    undo.splice(i, 1);
    await fn();
  };
}

const OPTIONS = {
  seconds: ['T: measured seconds of each client', 20],
  concurrency: ['C: probes in flight, both clients', 200],
  targets: ['N: distinct targets (URLs) of the mix', 2000],
  rate: ['probes started per second, both clients (0: as many as C allows, i.e. saturation)', 0],
  warmup: [
    'seconds before each window (enough for probes stuck on hanging targets to be in steady state)',
    '',
  ],
  'timeout-ms': ['the checks timeout, both clients (the product default)', 10_000],
  clients: ["probe (the checker's http probe), blackbox (blackbox_exporter)", 'probe,blackbox'],
  host: ['host name in the URLs (localhost or 127.0.0.1)', 'localhost'],
  label: ['a word added to the result file name', ''],
  out: ['results directory', 'bench/results'],
};

function usage() {
  return [
    'usage: node bench/mix.mjs [options]',
    ...Object.entries(OPTIONS).map(
      ([name, [help, def]]) =>
        `  --${name.padEnd(12)} ${help} (default ${def === '' ? (name === 'warmup' ? 'the timeout + 1 s' : 'none') : def})`,
    ),
    '  --reuse        let the targets keep connections alive and resume TLS sessions (not production-like)',
    '  --help',
  ].join('\n');
}

async function main() {
  const { values } = parseArgs({
    options: {
      ...Object.fromEntries(Object.keys(OPTIONS).map((k) => [k, { type: 'string' }])),
      reuse: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(usage());
    return 0;
  }
  const opts = {};
  for (const [name, [, def]] of Object.entries(OPTIONS)) opts[name] = values[name] ?? def;
  for (const k of ['seconds', 'concurrency', 'targets', 'timeout-ms']) {
    opts[k] = Number(opts[k]);
    if (!(Number.isFinite(opts[k]) && opts[k] >= 1)) throw new Error(`--${k} must be ≥ 1`);
  }
  opts.rate = Number(opts.rate);
  if (!(opts.rate >= 0)) throw new Error('--rate must be ≥ 0');
  opts.warmup = opts.warmup === '' ? Math.ceil(opts['timeout-ms'] / 1000) + 1 : Number(opts.warmup);
  if (!(opts.warmup >= 0)) throw new Error('--warmup must be ≥ 0');
  const clients = opts.clients
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const c of clients) {
    if (c !== 'probe' && c !== 'blackbox') throw new Error(`unknown client ${c}`);
  }
  if (!['localhost', '127.0.0.1'].includes(opts.host)) {
    throw new Error('--host must be localhost or 127.0.0.1 (loopback only)');
  }

  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      log(`${signal}: stopping`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  // the peer first: an install (apt-get) must not overlap a measurement, nor count in the budget
  const found = clients.includes('blackbox') ? ensureBlackbox(log) : null;
  // each client: warm-up + window + the longest probe's end; plus set-up (certs, targets)
  const budgetMs =
    (clients.length * (opts.warmup + opts.seconds + opts['timeout-ms'] / 1000 + 30) + 60) * 1000;
  const hardStop = setTimeout(() => {
    log(`still running after ${Math.round(budgetMs / 1000)} s: giving up`);
    void cleanup().finally(() => process.exit(2));
  }, budgetMs);
  undo.push({ name: 'timer', fn: () => clearTimeout(hardStop) });

  // A run killed with SIGKILL cleans up nothing: mix-target and probe.mjs end by themselves
  // (IPC disconnect, bounded loop), the exporter would not, so its pid and our directory are
  // written down and the next run removes them (the pid only if it still runs the exporter).
  const stateFile = join(tmpdir(), `lh-bench-mix-${process.pid}.json`);
  const state = { pids: [], dirs: [] };
  const remember = (kind, value) => {
    state[kind].push(value);
    writeFileSync(stateFile, JSON.stringify(state));
  };
  reapOrphans();
  undo.push({ name: 'state file', fn: () => rmSync(stateFile, { force: true }) });

  const work = mkdtempSync(join(tmpdir(), 'lh-bench-mix-'));
  remember('dirs', work);
  undo.push({
    name: 'temporary directory',
    fn: () => rmSync(work, { recursive: true, force: true }),
  });
  log(`certificates (openssl) in ${work}`);
  const certs = makeCerts(work);

  // the targets, in a process of their own
  const target = startProcess(
    'mix-target',
    process.execPath,
    [
      join(root, 'bench', 'mix-target.mjs'),
      ...['--cert-dir', work, '--timeout-ms', String(opts['timeout-ms'])],
      ...(values.reuse ? ['--keep-alive', '--tickets'] : []),
    ],
    { ipc: true },
  );
  undo.push({ name: 'mix-target', fn: () => target.stop() });
  const ready = JSON.parse((await target.waitFor(/^(\{"ready".*\})$/m))[1]);
  const targetCounts = () =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('mix-target: no count')), 5_000);
      target.child.once('message', (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      target.child.send({ type: 'count' });
    });
  const urls = mixUrls(opts.targets, ready.ports, { host: opts.host });
  const urlsFile = join(work, 'urls.txt');
  writeFileSync(urlsFile, `${urls.join('\n')}\n`);
  const mix = describeMix(opts.targets, { timeoutMs: opts['timeout-ms'] });
  log(
    `targets on ${JSON.stringify(ready.ports)}: ${mix.ecdsa} https ECDSA, ${mix.rsa} https RSA, ${mix.http} http; ${mix.fail} failing, ${mix.hang} hanging`,
  );

  /** Runs probe.mjs with `args`, measuring the target process and the machine meanwhile. */
  const measure = async (name, args) => {
    const c0 = await targetCounts();
    const run = startProcess(name, process.execPath, [
      join(root, 'bench', 'probe.mjs'),
      ...['--concurrency', String(opts.concurrency), '--seconds', String(opts.seconds)],
      ...['--warmup', String(opts.warmup), '--timeout-ms', String(opts['timeout-ms'])],
      ...['--urls-file', urlsFile, '--watch-pid', String(ready.pid), '--rate', String(opts.rate)],
      ...args,
    ]);
    const stopRun = onCleanup(name, () => run.stop());
    const { code } = await run.exited;
    await stopRun();
    if (cleaning()) throw new Error('interrupted');
    const c1 = await targetCounts();
    if (code !== 0) throw new Error(`${name} failed:\n${run.output().slice(-3000)}`);
    const result = JSON.parse(run.output().trim().split('\n').at(-1));
    const served = c1.served - c0.served;
    // CPU over the window (probe.mjs reads it); connections over the whole run
    const targetPct = result.watched_cpu_pct?.[ready.pid] ?? null;
    result.target = {
      cpu_pct: targetPct,
      cpu_ms_per_probe:
        targetPct !== null && result.probes > 0
          ? round((targetPct * 10 * result.seconds) / result.probes, 3)
          : null,
      requests: served,
      connections_per_request:
        served > 0 ? round((c1.connections - c0.connections) / served, 3) : null,
      tls_handshakes: c1.handshakes - c0.handshakes,
      tls_resumed: c1.resumed - c0.resumed,
    };
    // busy cores not accounted for by client, target and driver: the kernel, other work
    result.other_cores = round(
      result.machine_busy_cores -
        (result.cpu_pct + (targetPct ?? 0) + (result.driver_cpu_pct ?? 0)) / 100,
      2,
    );
    return result;
  };

  const results = [];
  let peer = null;
  let skipped = null;
  for (const client of clients) {
    if (client === 'probe') {
      log(`Lighthouse probe: C=${opts.concurrency}, ${opts.warmup} s warm-up + ${opts.seconds} s`);
      const r = await measure('probe', ['--client', 'probe', '--ca-file', certs.rootCa]);
      results.push({ label: 'Lighthouse http probe (1 process)', ...r });
    } else {
      if (found.reason) {
        skipped = found.reason;
        log(`peer skipped: ${found.reason}`);
        continue;
      }
      const version = blackboxVersion(found.path);
      const exporter = await startBlackbox({
        path: found.path,
        caFile: certs.rootCa,
        timeoutMs: opts['timeout-ms'],
        dir: work,
      });
      remember('pids', exporter.pid);
      const stopExporter = onCleanup('blackbox_exporter', () => exporter.stop());
      peer = { path: found.path, version, pid: exporter.pid };
      log(`blackbox_exporter ${version} (pid ${exporter.pid}) on ${exporter.url}`);
      const r = await measure('blackbox', [
        ...['--client', 'blackbox', '--exporter', exporter.url],
        ...['--cpu-pid', String(exporter.pid)],
      ]);
      results.push({ label: `blackbox_exporter ${version}`, ...r });
      await stopExporter();
    }
  }

  const md = report({ opts, mix, results, peer, skipped, reuse: values.reuse });
  const outDir = resolve(root, opts.out);
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const file = join(outDir, `mix-${stamp}${opts.label ? `-${opts.label}` : ''}.md`);
  writeFileSync(file, md);
  log(`wrote ${relative(root, file)}`);
  process.stdout.write(`${md}\n`);
  return 0;
}

/** Kills what a run killed with SIGKILL left (exporter pids still running the exporter). */
const reapOrphans = () =>
  reapDeadRuns(
    'lh-bench-mix-',
    (cmdline) => /blackbox/.test(cmdline) && cmdline.includes('lh-bench-mix-'),
    log,
  );

const fmt = (x, digits = 0) =>
  x === null || x === undefined
    ? '–'
    : Number(x).toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      });

/** Which checker was measured: the commit, and when its dist was built (it may be newer). */
function checkerBuild() {
  let commit = 'unknown commit';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  let built = 'unknown';
  try {
    built = statSync(join(root, 'services', 'checker', 'dist', 'checks', 'http', 'probe.js'))
      .mtime.toISOString()
      .slice(0, 16);
  } catch {
    // no dist
  }
  return `commit ${commit}, checker dist built ${built}Z`;
}

function report({ opts, mix, results, peer, skipped, reuse }) {
  const pct = (n) => `${Math.round((n * 100) / opts.targets)} %`;
  const workload = `mix of ${fmt(opts.targets)} targets${opts.rate > 0 ? ` at ${fmt(opts.rate)}/s` : ''}`;
  const lines = [
    `# Realistic mix: Lighthouse probe beside blackbox_exporter`,
    '',
    `${new Date().toISOString()} · ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length} · node ${process.version} · ${checkerBuild()}` +
      (peer ? ` · blackbox_exporter ${peer.version}` : ''),
    '',
    `Workload: ${fmt(opts.targets)} distinct targets on loopback, ${pct(mix.ecdsa)} HTTPS ECDSA P-256, ` +
      `${pct(mix.rsa)} HTTPS RSA-2048 (leaf + intermediate, clients trust only the root), ${pct(mix.http)} HTTP; ` +
      `bodies 1–16 KB, latency log-uniform ${LATENCY_MS[0]}–${LATENCY_MS[1]} ms (mean ${fmt(mix.meanDelayMs)} ms), ` +
      `${mix.fail} answer 500, ${mix.hang} never answer within the ${fmt(opts['timeout-ms'])} ms timeout ` +
      `(expected success ${fmt((mix.ok * 100) / opts.targets, 1)} %). ` +
      (reuse
        ? 'Targets keep connections alive and resume TLS sessions (--reuse).'
        : 'Every probe opens a new connection and does a full TLS handshake (no keep-alive, no resumption).'),
    `Both clients: concurrency C = ${opts.concurrency}, ` +
      (opts.rate > 0
        ? `paced at ${fmt(opts.rate)} probes started a second, `
        : 'as fast as C allows (saturation), ') +
      `${opts.warmup} s warm-up then T = ${opts.seconds} s measured, ` +
      "the same URL order. CPU is the client process's (user + system, all threads): the probe loop's own, the exporter's from /proc.",
    '',
    '| workload | client | probes/s | CPU ms/probe | success % | p50 latency | p99 latency | CPU % | RSS MiB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${workload} | ${r.label} | ${fmt(r.probes_per_s)} | ${fmt(r.cpu_ms_per_probe, 3)} | ${fmt(r.success_pct, 2)} | ` +
        `${fmt(r.latency_p50_ms, 1)} ms | ${fmt(r.latency_p99_ms, 0)} ms | ${fmt(r.cpu_pct)} | ${fmt(r.rss_mib)} |`,
    ),
    '',
  ];
  const lh = results.find((r) => r.client === 'probe');
  const bb = results.find((r) => r.client === 'blackbox');
  if (lh && bb && lh.cpu_ms_per_probe && bb.cpu_ms_per_probe) {
    lines.push(
      `**CPU per probe, Lighthouse ÷ blackbox_exporter: ${fmt(lh.cpu_ms_per_probe / bb.cpu_ms_per_probe, 2)}** ` +
        `(throughput ratio ${fmt(lh.probes_per_s / bb.probes_per_s, 2)}).`,
      '',
    );
  }
  if (lh && opts.rate === 0 && lh.cpu_pct >= 95) {
    // one node process: its main thread is the limit long before the machine's cores
    lines.push(
      `The Lighthouse probe loop is one node process and ran at ${lh.cpu_pct} % of a core: probes/s is that process's ` +
        'ceiling, and its CPU per probe includes running overloaded (event-loop lag, longer-lived sockets). ' +
        '`--rate` compares both clients at a load both sustain.',
      '',
    );
  }
  if (skipped) lines.push(`blackbox_exporter skipped: ${skipped.split('\n')[0]}`, '');
  for (const r of results) {
    // the exporter itself failing is no probe result: such a run's figures are suspect
    if (r.exporter_errors > 0) {
      lines.push(
        `**Warning**: ${r.exporter_errors} requests to the exporter failed (counted as failed probes).`,
        '',
      );
    }
  }
  lines.push(
    'Not counted in either client: the target process (one node process serving all three listeners) and, for the exporter, the node driver that asks it for probes.',
    '',
    '| client run | target CPU % | target CPU ms/probe | driver CPU % | machine busy cores | of which other | connections/request | TLS handshakes | resumed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${fmt(r.target.cpu_pct)} | ${fmt(r.target.cpu_ms_per_probe, 3)} | ` +
        `${r.driver_cpu_pct === undefined ? '–' : fmt(r.driver_cpu_pct)} | ${fmt(r.machine_busy_cores, 2)} / ${cpus().length} | ${fmt(r.other_cores, 2)} | ` +
        `${fmt(r.target.connections_per_request, 3)} | ${fmt(r.target.tls_handshakes)} | ${fmt(r.target.tls_resumed)} |`,
    ),
    '',
    'CPU % and busy cores are over the measured window; connections and handshakes over the whole client run. ' +
      '"Of which other" is the machine\'s busy time that neither client, target nor driver account for: the kernel ' +
      '(network stack, scheduling) and any other work on the machine; well above a few tenths, the run was disturbed.',
    '',
    'Probes/s counts every probe finished in the window (a 500 or a timeout is a finished check); ' +
      "success % is the share that passed; latency is the client's wall time per probe. " +
      "With the machine's cores all busy, probes/s is bounded by the machine (the target shares it), so compare CPU ms/probe.",
    '',
  );
  return lines.join('\n');
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    // after a signal, the steps cut short fail: that is no news
    if (!cleaning())
      log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await cleanup();
  }
  process.exit(code);
}
