// The peer for the realistic mix: Prometheus blackbox_exporter, the usual open-source prober.
// Finds it on PATH (or installs Debian's prometheus-blackbox-exporter with apt-get), starts our
// own process on a free loopback port with a generated config, and gives probe.mjs a client
// that asks it for one probe per request (`GET /probe?module=…&target=…`). The exporter
// opens a new connection per probe (a fresh Go client each time), as it does in production.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import http from 'node:http';
import { delimiter, join } from 'node:path';
import { freePort, sleep, startProcess } from './lib.mjs';

export const BLACKBOX_MODULE = 'http_mix';
const NAMES = ['blackbox_exporter', 'prometheus-blackbox-exporter'];

/** The exporter's path on PATH, or null. */
export function findBlackbox() {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of NAMES) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

function apt(args) {
  const asRoot = process.getuid?.() === 0;
  const [command, rest] = asRoot ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
  const r = spawnSync(command, rest, {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`;
  return { ok: r.status === 0, output: output.trim().split('\n').slice(-5).join('\n') };
}

/**
 * The exporter's path, installing Debian's package when it is missing (apt-get as root or
 * through `sudo -n`; first without, then after `apt-get update`). Returns `{ path }` or
 * `{ reason }`. The package's service is never started here: without systemd nothing starts
 * it (and Docker images' policy-rc.d forbids it); we run and stop a process of our own.
 */
export function ensureBlackbox(log = () => {}) {
  const found = findBlackbox();
  if (found) return { path: found };
  const install = ['install', '-y', '--no-install-recommends', 'prometheus-blackbox-exporter'];
  log('blackbox_exporter not on PATH: apt-get install prometheus-blackbox-exporter');
  let r = apt(install);
  if (!r.ok) {
    log('apt-get install failed; apt-get update, then again');
    const u = apt(['update']);
    r = u.ok ? apt(install) : u;
  }
  const path = findBlackbox();
  if (path) return { path };
  return {
    reason: `blackbox_exporter is not installed and apt-get could not install it:\n${r.output}`,
  };
}

/** The exporter's version, as `--version` prints it. */
export function blackboxVersion(path) {
  let text = '';
  try {
    text = execFileSync(path, ['--version'], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    text = `${err?.stdout ?? ''}${err?.stderr ?? ''}`;
  }
  return /version (\S+)/.exec(text)?.[1] ?? 'unknown version';
}

/**
 * Starts the exporter on a free 127.0.0.1 port with one http module: the bench root CA as
 * its only trusted root, IPv4, and the checkers' timeout. `dir` receives the config file.
 * Returns the process (lib.mjs's startProcess) with `port` and `url`.
 */
export async function startBlackbox({ path, caFile, timeoutMs, dir }) {
  const config = join(dir, 'blackbox.yml');
  writeFileSync(
    config,
    [
      'modules:',
      `  ${BLACKBOX_MODULE}:`,
      '    prober: http',
      `    timeout: ${timeoutMs}ms`,
      '    http:',
      '      method: GET',
      '      preferred_ip_protocol: ip4',
      '      ip_protocol_fallback: false',
      '      follow_redirects: true',
      '      tls_config:',
      `        ca_file: ${JSON.stringify(caFile)}`,
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const proc = startProcess('blackbox_exporter', path, [
    `--config.file=${config}`,
    `--web.listen-address=127.0.0.1:${port}`,
  ]);
  const url = `http://127.0.0.1:${port}`;
  // ready when it answers; bounded
  for (let i = 0; ; i += 1) {
    if (!proc.alive) throw new Error(`blackbox_exporter exited:\n${proc.output().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/-/healthy`, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) break;
    } catch {
      // not yet
    }
    if (i >= 100) {
      await proc.stop();
      throw new Error(`blackbox_exporter not ready after 10 s:\n${proc.output().slice(-2000)}`);
    }
    await sleep(100);
  }
  return Object.assign(proc, { port, url });
}

/**
 * A probe.mjs client: one exporter probe per call, over keep-alive connections to the
 * exporter. Resolves 200 when `probe_success 1`, 0 when the probe failed; throws (and counts
 * `exporter_errors`) when the exporter itself did not answer.
 */
export function blackboxClient(exporter, { module = BLACKBOX_MODULE, timeoutMs = 10_000 } = {}) {
  const { hostname, port } = new URL(exporter);
  const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
  const stats = { exporter_errors: 0 };
  const request = (target) =>
    new Promise((resolve, reject) => {
      const req = http.get(
        {
          host: hostname,
          port,
          path: `/probe?module=${module}&target=${encodeURIComponent(target)}`,
          agent,
          // the exporter ends a probe at its module timeout; this only bounds a stuck exporter
          timeout: timeoutMs + 5_000,
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => {
            if (res.statusCode !== 200) {
              stats.exporter_errors += 1;
              reject(new Error(`exporter answered ${res.statusCode}`));
              return;
            }
            resolve(/^probe_success 1$/m.test(text) ? 200 : 0);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('exporter timed out')));
      req.on('error', (err) => {
        stats.exporter_errors += 1;
        reject(err);
      });
    });
  return { request, stats, close: async () => agent.destroy() };
}
