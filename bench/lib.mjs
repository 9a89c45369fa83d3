// Small helpers for the benchmark runner: child processes, /proc readings, Prometheus text.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns a process and keeps (the tail of) what it prints. `waitFor(re)` resolves with the
 * first match in its output; `stop()` sends SIGTERM, then SIGKILL after `timeoutMs`.
 */
export function startProcess(name, command, args, { env, ipc = false, keep = 200_000 } = {}) {
  const child = spawn(command, args, {
    env: env ?? process.env,
    stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const counts = { warn: 0, error: 0 };
  const listeners = new Set();
  const onData = (chunk) => {
    const text = chunk.toString();
    for (const m of text.matchAll(/"level":"(warn|error)"/g)) counts[m[1]] += 1;
    output = (output + text).slice(-keep);
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.on('error', (err) => onData(Buffer.from(`spawn error: ${err.message}\n`)));
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let alive = true;
  void exited.then(() => {
    alive = false;
  });
  return {
    name,
    child,
    get pid() {
      return child.pid;
    },
    get alive() {
      return alive;
    },
    output: () => output,
    logCounts: counts,
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (match) {
            done();
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(
            new Error(`${name}: no ${pattern} within ${timeoutMs} ms:\n${output.slice(-3000)}`),
          );
        }, timeoutMs);
        const onExit = () => {
          done();
          reject(new Error(`${name} exited before ${pattern}:\n${output.slice(-3000)}`));
        };
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
          child.off('exit', onExit);
        };
        listeners.add(check);
        child.once('exit', onExit);
        check();
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
      if (!alive) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

let clockTicks;
export function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU seconds (user + system) a process has used so far, or null when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): utime is field 14, stime field 15
    return (Number(fields[11]) + Number(fields[12])) / clkTck();
  } catch {
    return null;
  }
}

/** Resident set size in bytes, or null when the process is gone. */
export function rssBytes(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** Machine-wide CPU time from /proc/stat: busy and total, in seconds, summed over cores. */
export function machineCpu() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = v[3] + v[4];
  return { busy: (total - idle) / clkTck(), total: total / clkTck() };
}

export function loadAverage() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}

/** Parses Prometheus text into [{name, labels, value}]. */
export function parseMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

export function sumMetric(samples, name, filter = () => true) {
  return samples
    .filter((s) => s.name === name && filter(s.labels))
    .reduce((acc, s) => acc + s.value, 0);
}

/** Cumulative bucket counts of a histogram, summed over series: Map(le → count). */
export function histogramBuckets(samples, name) {
  const buckets = new Map();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
  }
  return buckets;
}

/** The change of a histogram between two scrapes: {count, sum, buckets}. */
export function histogramDelta(before, after, name) {
  const b0 = histogramBuckets(before, name);
  const b1 = histogramBuckets(after, name);
  const buckets = new Map();
  for (const [le, v] of b1) buckets.set(le, v - (b0.get(le) ?? 0));
  return {
    count: sumMetric(after, `${name}_count`) - sumMetric(before, `${name}_count`),
    sum: sumMetric(after, `${name}_sum`) - sumMetric(before, `${name}_sum`),
    buckets,
  };
}

/** Like PromQL histogram_quantile: linear interpolation inside the bucket that holds q. */
export function histogramQuantile(q, buckets) {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      if (count === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export async function scrape(port) {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
    signal: AbortSignal.timeout(10_000),
  });
  return parseMetrics(await res.text());
}

/** `INFO` output → {field: value}. */
export function parseInfo(text) {
  const out = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** `cmdstat_evalsha:calls=12,usec=...` entries → {command: calls}. */
export function commandCalls(info) {
  const calls = {};
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    calls[key.slice(8)] = Number(/calls=(\d+)/.exec(value)?.[1] ?? 0);
  }
  return calls;
}

export const round = (x, digits = 0) =>
  x === null || x === undefined || Number.isNaN(x) ? null : Number(x.toFixed(digits));

/** A logger to stderr that prefixes each line with `[name seconds-since-start]`. */
export function timedLog(name) {
  const started = Date.now();
  return (message) =>
    process.stderr.write(
      `[${name} ${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${message}\n`,
    );
}

/**
 * What a run started, to undo at its end in reverse order: push `{name, fn}` onto `undo`;
 * `cleanup()` runs every step once (a second call gets the first's promise) and logs, not
 * throws, a step that fails; `cleaning()` says whether it has begun.
 */
export function undoStack(log) {
  const undo = [];
  let running;
  const cleanup = () => {
    running ??= (async () => {
      while (undo.length > 0) {
        const { name, fn } = undo.pop();
        try {
          await fn();
        } catch (err) {
          log(`cleanup of ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })();
    return running;
  };
  return { undo, cleanup, cleaning: () => running !== undefined };
}

export function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Cleans up after runs killed with SIGKILL (which clean up nothing). Each run writes its state
 * file `<prefix><pid>.json` in the temporary directory ({ pids, dirs }); for every such file
 * whose run is gone, the processes still running one of `ours` (checked by command line, so a
 * reused pid is left alone) are killed and the directories removed.
 */
export function reapDeadRuns(prefix, ours, log) {
  const name = new RegExp(`^${prefix}(\\d+)\\.json$`);
  for (const file of readdirSync(tmpdir())) {
    const pid = Number(name.exec(file)?.[1]);
    if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) continue;
    let state = {};
    try {
      state = JSON.parse(readFileSync(join(tmpdir(), file), 'utf8'));
    } catch {
      // unreadable: only the file goes
    }
    for (const child of state.pids ?? []) {
      let cmdline = '';
      try {
        cmdline = readFileSync(`/proc/${child}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (!ours(cmdline)) continue;
      log(`killing ${child} (${cmdline.split('\0').join(' ').trim()}), left by dead run ${pid}`);
      try {
        process.kill(child, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    for (const dir of state.dirs ?? []) rmSync(dir, { recursive: true, force: true });
    rmSync(join(tmpdir(), file), { force: true });
  }
}
