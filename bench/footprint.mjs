// A small install's footprint (DESIGN: 5,000 subscriptions at 60 s, every Lighthouse process
// plus PostgreSQL and Redis ≤ 768 MiB together). After the pipeline: a database and a Redis of
// its own, the subscriptions on the same targets, the four roles (api, scheduler, one checker,
// alerter) with the product's defaults, one whole interval of warm-up (every subscription
// checked once), then the memory of each process sampled every second.
//
// Memory is read from /proc/<pid>/smaps_rollup: RSS, and PSS (each shared page divided among
// the processes that map it). Summed RSS counts the node binary four times and PostgreSQL's
// shared buffers once per backend that touched them; summed PSS is what the group takes
// together, which is what a 1 GiB machine has to hold. Both are reported; the target is judged
// on the sum of PSS and the RSS sum is shown beside it.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cpuSeconds, freePort, round, scrape, sleep, startProcess, sumMetric } from './lib.mjs';

/** { rss, pss } in bytes of one process, or null when it is gone. */
export function memoryOf(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
    return { rss: kb('Rss') * 1024, pss: kb('Pss') * 1024 };
  } catch {
    return null;
  }
}

function parentOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * The PostgreSQL processes a small install would have: the postmaster, its background
 * processes, and the client backends of `database` (not the bench's own connections).
 */
async function postgresProcesses(db, database) {
  const { rows } = await db.query(
    `SELECT pid, backend_type, datname, application_name FROM pg_stat_activity`,
  );
  const background = rows.filter((r) => r.backend_type !== 'client backend');
  const backends = rows.filter(
    (r) =>
      r.backend_type === 'client backend' &&
      r.datname === database &&
      r.application_name !== 'lh-bench',
  );
  const postmaster = background.length > 0 ? parentOf(background[0].pid) : null;
  return [
    ...(postmaster ? [{ name: 'postmaster', pid: postmaster }] : []),
    ...background.map((r) => ({ name: r.backend_type, pid: r.pid })),
    ...backends.map((r) => ({ name: `backend (${r.application_name || 'other'})`, pid: r.pid })),
  ];
}

export async function footprintPhase({
  root,
  opts,
  log,
  undo,
  track,
  createDatabase,
  startRedis,
  seed,
  urls,
  caFile,
}) {
  const subs = opts['footprint-subs'];
  const interval = opts['footprint-interval'];
  const database = await createDatabase();
  const db = new pg.Pool({ connectionString: database.url, max: 2, application_name: 'lh-bench' });
  db.on('error', (err) => log(`footprint database connection: ${err.message}`));
  undo.push({ name: 'footprint pg pool', fn: () => db.end() });
  // a Redis of its own: its memory is the small install's alone
  const redis = await startRedis();
  const encryptionKey = await seed(db, urls, { subs, interval });
  log(`footprint: ${subs} subscriptions at ${interval} s seeded`);

  const apiPort = await freePort();
  const common = {
    PATH: process.env.PATH ?? '',
    DATABASE_URL: database.url,
    REDIS_URL: redis.url,
    ENCRYPTION_KEY: encryptionKey,
    CHECKER_SIGNING_KEY: `0x${randomBytes(32).toString('hex')}`,
    LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: 'true',
    METRICS_PORT: '0',
    ...(caFile ? { NODE_EXTRA_CA_CERTS: caFile } : {}),
    ...opts.extraEnv,
  };
  const roles = {
    api: {
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: randomBytes(24).toString('hex'),
      SIWE_DOMAIN: `localhost:${apiPort}`,
    },
    scheduler: {},
    checker: { CHECKER_NAME: 'footprint-checker' },
    alerter: {},
  };
  const procs = {};
  for (const [role, env] of Object.entries(roles)) {
    const main = join(root, 'services', role, 'dist', 'main.js');
    const p = track(
      startProcess(`footprint-${role}`, process.execPath, [...opts.nodeArgs, main], {
        env: { ...common, ...env },
      }),
    );
    undo.push({ name: `footprint ${role}`, fn: () => p.stop('SIGKILL') });
    procs[role] = p;
  }
  const checkerPort = Number((await procs.checker.waitFor(/"metrics_port":(\d+)/))[1]);
  const assertAlive = () => {
    for (const [role, p] of Object.entries(procs)) {
      if (!p.alive) throw new Error(`footprint ${role} exited:\n${p.output().slice(-3000)}`);
    }
  };

  // one whole interval and a little: every subscription has been checked, stored and evaluated
  const warmup = interval + 10;
  log(`footprint: all four roles running; ${warmup} s of warm-up`);
  for (let left = warmup; left > 0; left -= Math.min(10, left)) {
    await sleep(Math.min(10, left) * 1000);
    assertAlive();
  }

  const checks = async () =>
    sumMetric(await scrape(checkerPort).catch(() => []), 'lighthouse_checks_total');
  const checks0 = await checks();
  const cpu0 = Object.fromEntries(Object.entries(procs).map(([r, p]) => [r, cpuSeconds(p.pid)]));
  const t0 = Date.now();
  const samples = [];
  const seconds = opts['footprint-seconds'];
  log(`footprint: sampling memory for ${seconds} s`);
  while (Date.now() - t0 < seconds * 1000) {
    const pgProcs = await postgresProcesses(db, database.name);
    const sample = { node: {}, redis: memoryOf(redis.server.pid), postgres: {} };
    for (const [role, p] of Object.entries(procs)) sample.node[role] = memoryOf(p.pid);
    for (const p of pgProcs) {
      const m = memoryOf(p.pid);
      if (!m) continue;
      const prev = sample.postgres[p.name] ?? { rss: 0, pss: 0, n: 0 };
      sample.postgres[p.name] = { rss: prev.rss + m.rss, pss: prev.pss + m.pss, n: prev.n + 1 };
    }
    const all = [...Object.values(sample.node), sample.redis, ...Object.values(sample.postgres)];
    sample.rss = all.reduce((a, m) => a + (m?.rss ?? 0), 0);
    sample.pss = all.reduce((a, m) => a + (m?.pss ?? 0), 0);
    samples.push(sample);
    assertAlive();
    await sleep(1_000);
  }
  const T = (Date.now() - t0) / 1000;
  const checks1 = await checks();
  const cpu = Object.fromEntries(
    Object.entries(procs).map(([r, p]) => {
      const c1 = cpuSeconds(p.pid);
      return [r, cpu0[r] === null || c1 === null ? null : round(((c1 - cpu0[r]) / T) * 100, 1)];
    }),
  );
  const { rows } = await db.query(
    `SELECT count(*)::int AS n, count(DISTINCT subscription_id)::int AS subs FROM check_history`,
  );
  for (const [role, p] of Object.entries(procs)) {
    await p.stop('SIGTERM', 15_000).catch(() => log(`footprint ${role}: no clean stop`));
  }

  const mib = (b) => round(b / 2 ** 20, 1);
  const maxOf = (pick) => Math.max(...samples.map(pick).filter((v) => Number.isFinite(v)));
  const worst = samples.reduce((a, s) => (s.pss > a.pss ? s : a), samples[0]);
  const pgNames = [...new Set(samples.flatMap((s) => Object.keys(s.postgres)))].sort();
  return {
    subscriptions: subs,
    interval_s: interval,
    seconds: round(T, 1),
    checks_per_s: round((checks1 - checks0) / T, 1),
    offered_checks_per_s: round(subs / interval, 1),
    rows_stored: rows[0].n,
    subscriptions_checked: rows[0].subs,
    pss_mib_max: mib(worst.pss),
    rss_mib_max: mib(maxOf((s) => s.rss)),
    // the processes at the sample where the sum of PSS peaked, and each one's own maximum
    processes: [
      ...Object.keys(procs).map((role) => ({
        name: role,
        cpu_pct: cpu[role],
        pss_mib: mib(worst.node[role]?.pss ?? NaN),
        rss_mib_max: mib(maxOf((s) => s.node[role]?.rss)),
      })),
      {
        name: 'redis',
        pss_mib: mib(worst.redis?.pss ?? NaN),
        rss_mib_max: mib(maxOf((s) => s.redis?.rss)),
      },
      ...pgNames.map((name) => ({
        name: `postgres: ${name}${(worst.postgres[name]?.n ?? 1) > 1 ? ` × ${worst.postgres[name].n}` : ''}`,
        pss_mib: mib(worst.postgres[name]?.pss ?? NaN),
        rss_mib_max: mib(maxOf((s) => s.postgres[name]?.rss)),
      })),
    ],
    logs: Object.fromEntries(Object.entries(procs).map(([r, p]) => [r, p.logCounts])),
  };
}

const LIMIT_MIB = 768;

export function footprintTargets(f) {
  if (!f) return [];
  if (f.error) {
    return [
      {
        metric: 'a small install (footprint phase failed)',
        value: 'n/a',
        target: `≤ ${LIMIT_MIB} MiB`,
        pass: false,
      },
    ];
  }
  return [
    {
      metric: `a small install: ${f.subscriptions.toLocaleString('en-US')} subscriptions at ${f.interval_s} s, api + scheduler + checker + alerter + PostgreSQL + Redis, memory together (sum of PSS, max; sum of RSS ${f.rss_mib_max} MiB)`,
      value: `${f.pss_mib_max} MiB`,
      target: `≤ ${LIMIT_MIB} MiB`,
      pass: f.pss_mib_max <= LIMIT_MIB && f.checks_per_s >= 0.95 * f.offered_checks_per_s,
    },
  ];
}

export function footprintMarkdown(f) {
  if (!f) return [];
  if (f.error) return ['## A small install', '', `The footprint phase failed: ${f.error}`, ''];
  return [
    '## A small install',
    '',
    `${f.subscriptions.toLocaleString('en-US')} subscriptions at ${f.interval_s} s on the same targets, the four roles with the ` +
      'product defaults (one process each), a database and a Redis of their own, after one whole interval of warm-up; ' +
      `memory sampled every second for ${f.seconds} s. ${f.checks_per_s} checks/s done (offered ${f.offered_checks_per_s}), ` +
      `${f.rows_stored.toLocaleString('en-US')} rows stored for ${f.subscriptions_checked.toLocaleString('en-US')} subscriptions. ` +
      `Together: **${f.pss_mib_max} MiB** (sum of PSS at its peak; the sum of RSS, which counts shared pages once per process, peaked at ${f.rss_mib_max} MiB).`,
    '',
    '| process | CPU % | PSS MiB (at the peak) | RSS max MiB |',
    '| --- | --- | --- | --- |',
    ...f.processes.map(
      (p) => `| ${p.name} | ${p.cpu_pct ?? '–'} | ${p.pss_mib} | ${p.rss_mib_max} |`,
    ),
    '',
  ];
}
