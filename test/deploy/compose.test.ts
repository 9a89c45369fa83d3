import { load as loadYaml } from 'js-yaml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * Offline checks of docker-compose.yml against .env.example and the services' config schemas
 * (docker cannot run here, so `docker compose config` cannot): every setting a service reads is
 * passed to it, every variable .env.example names is used and documented, and the few settings
 * that only make sense one way in a container (HOST, METRICS_HOST, the mode's default, which
 * ports are published) are set that way. Each check returns the problems it found, one line
 * each; the last test runs them on a small broken pair of files to prove each one can fail.
 */

const root = join(__dirname, '..', '..');

// ---------------------------------------------------------------------------------------------
// what each service reads

const SERVICES = ['api', 'scheduler', 'checker', 'alerter'] as const;
type Service = (typeof SERVICES)[number];

/**
 * The variable names of a service's config schema, read from its source: the keys of the
 * `z.object({...})` in services/<name>/src/config.ts (lines `  NAME: ...`) plus those of every
 * shape spread into it (`...workerShape({...}),`, `...targetAccessShape,`), found by their
 * `export const` or `export function` in packages/*\/src, spreads inside those too. A spread
 * that cannot be found is an error, not a skip.
 */
function schemaVariables(service: Service): Set<string> {
  const source = readFileSync(join(root, 'services', service, 'src', 'config.ts'), 'utf8');
  return variablesIn(schemaObject(source), new Set());
}

function variablesIn(text: string, seen: Set<string>): Set<string> {
  const names = new Set(keysIn(text));
  for (const [, shape = ''] of text.matchAll(/^\s+\.\.\.([A-Za-z_]\w*)(?:\(.*\))?,\s*$/gm)) {
    if (seen.has(shape)) continue;
    seen.add(shape);
    for (const name of variablesIn(definitionOf(shape), seen)) names.add(name);
  }
  return names;
}

/** The argument of the first `.object(...)` call: the schema's shape, not what refines it. */
function schemaObject(source: string): string {
  const start = source.indexOf('.object(');
  if (start < 0) throw new Error('config.ts has no z.object(...) schema');
  let depth = 0;
  for (let i = start + '.object'.length; i < source.length; i++) {
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return source.slice(start, i + 1);
  }
  throw new Error('config.ts: the z.object( call is not closed');
}

function keysIn(source: string): string[] {
  return [...source.matchAll(/^\s+([A-Z][A-Z0-9_]+)\s*:/gm)].map((m) => m[1] ?? '');
}

let packageSources: Array<[string, string]> | undefined;

/** The text of `export const|function <name>` up to the first line that closes it (`}`). */
function definitionOf(name: string): string {
  packageSources ??= readdirSync(join(root, 'packages')).flatMap((pkg) =>
    sourceFiles(join(root, 'packages', pkg, 'src')).map((file): [string, string] => [
      file,
      readFileSync(file, 'utf8'),
    ]),
  );
  const start = new RegExp(`^export (?:const|function) ${name}\\b`, 'm');
  for (const [, text] of packageSources) {
    const at = text.search(start);
    if (at < 0) continue;
    const end = text.indexOf('\n}', at);
    return text.slice(at, end < 0 ? undefined : end);
  }
  throw new Error(`a config schema spreads ...${name}, which no packages/*/src file exports`);
}

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * Settings added with issue 17 while this test was written: read by config once added, and
 * listed here so that compose is held to them before a schema names them. They are all in the
 * schemas now (spread in through modeShape, targetAccessShape and workerShape); this list may
 * go once those changes are in.
 */
const ADDED: Record<Service, string[]> = {
  api: [
    'LIGHTHOUSE_MODE',
    'LIGHTHOUSE_ALLOW_PRIVATE_TARGETS',
    'LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS',
    'LIGHTHOUSE_ADMIN_WALLETS',
    'LIGHTHOUSE_RETENTION_DAYS',
    'PUBLIC_URL',
    'HOST',
  ],
  scheduler: ['LIGHTHOUSE_MODE', 'LIGHTHOUSE_RETENTION_DAYS', 'METRICS_HOST'],
  checker: [
    'LIGHTHOUSE_MODE',
    'LIGHTHOUSE_ALLOW_PRIVATE_TARGETS',
    'LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS',
    'METRICS_HOST',
  ],
  alerter: [
    'LIGHTHOUSE_MODE',
    'LIGHTHOUSE_ALLOW_PRIVATE_TARGETS',
    'LIGHTHOUSE_ALLOW_LINK_LOCAL_TARGETS',
    'METRICS_HOST',
  ],
};

/** Read by node itself, not by a schema. */
const NODE_VARIABLES = new Set(['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']);

/** Node must get these where TLS to targets and channels happens (a private CA). */
const NODE_EXPECTED: Record<Service, string[]> = {
  api: ['NODE_EXTRA_CA_CERTS'],
  scheduler: [],
  checker: ['NODE_EXTRA_CA_CERTS'],
  alerter: ['NODE_EXTRA_CA_CERTS'],
};

/** Schema variables compose deliberately does not pass, each with the reason. */
const NOT_PASSED: Record<Service, Record<string, string>> = {
  api: { DASHBOARD_DIR: "the image holds the built dashboard at the schema's default path" },
  scheduler: {},
  checker: {
    CHECKER_NAME:
      'one value would name every replica of --scale checker=N alike; the default <hostname>-<pid> is unique per container',
  },
  alerter: {},
};

interface Reads {
  /** what the service's schema (and node) read: compose may pass only these */
  reads: Set<string>;
  /** what compose must pass */
  expected: Set<string>;
  /** what compose must not pass, and why */
  notPassed: Record<string, string>;
}

function readsOf(service: Service): Reads {
  const schema = new Set([...schemaVariables(service), ...ADDED[service]]);
  const reads = new Set([...schema, ...NODE_VARIABLES]);
  const expected = new Set(
    [...schema, ...NODE_EXPECTED[service]].filter((name) => !(name in NOT_PASSED[service])),
  );
  return { reads, expected, notPassed: NOT_PASSED[service] };
}

// ---------------------------------------------------------------------------------------------
// the files

type Json = Record<string, unknown>;

interface Compose {
  services: Record<string, Json>;
}

function parseCompose(text: string): Compose {
  const doc = loadYaml(text) as Json;
  return { services: (doc.services ?? {}) as Record<string, Json> };
}

/** A service's environment as a map, whether written as a map or as a list of NAME=value. */
function environmentOf(service: Json | undefined): Record<string, string> {
  const env = service?.environment;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((item) => {
        const [name = '', ...value] = String(item).split('=');
        return [name, value.join('=')];
      }),
    );
  }
  // compose takes strings, numbers and booleans (and null for an empty value)
  return Object.fromEntries(
    Object.entries((env ?? {}) as Record<string, string | number | boolean | null>).map(
      ([k, v]) => [k, v === null ? '' : String(v)],
    ),
  );
}

interface Interpolation {
  name: string;
  /** what follows the name inside ${...}: '', ':-default', ':?message', ... */
  modifier: string;
}

/** The ${NAME...} and $NAME references compose interpolates in a string ($$ is a literal $). */
function interpolations(text: string): Interpolation[] {
  const found: Interpolation[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '$') continue;
    if (text[i + 1] === '$') {
      i++;
      continue;
    }
    if (text[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
      }
      const inner = text.slice(i + 2, j - 1);
      const name = /^[A-Za-z_]\w*/.exec(inner)?.[0] ?? '';
      const modifier = inner.slice(name.length);
      found.push({ name, modifier });
      found.push(...interpolations(modifier)); // ${A:-${B}}
      i = j - 1;
    } else {
      const name = /^[A-Za-z_]\w*/.exec(text.slice(i + 1))?.[0];
      if (name) found.push({ name, modifier: '' });
    }
  }
  return found;
}

function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  }
  return [];
}

/** Variables named in .env.example, set or commented out: `NAME=...` or `# NAME=...`. */
function envExampleVariables(text: string): Map<string, number> {
  const found = new Map<string, number>();
  text.split('\n').forEach((line, index) => {
    const name = variableLine(line);
    if (name && !found.has(name)) found.set(name, index + 1);
  });
  return found;
}

function variableLine(line: string): string | undefined {
  return /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
}

// ---------------------------------------------------------------------------------------------
// checks: each returns what is wrong, one line per problem

/** (1) Every variable .env.example names is interpolated in at least one service's definition. */
function checkEnvExampleUsed(compose: Compose, envExample: string): string[] {
  const used = new Set(
    Object.values(compose.services).flatMap((service) =>
      stringsIn(service).flatMap((s) => interpolations(s).map((i) => i.name)),
    ),
  );
  return [...envExampleVariables(envExample)]
    .filter(([name]) => !used.has(name))
    .map(([name, line]) => `.env.example:${line}: ${name} is passed to no service by compose`);
}

/** ... and every variable compose interpolates is in .env.example. */
function checkComposeVariablesListed(compose: Compose, envExample: string): string[] {
  const listed = envExampleVariables(envExample);
  const problems = new Set<string>();
  for (const [service, definition] of Object.entries(compose.services)) {
    for (const { name } of stringsIn(definition).flatMap(interpolations)) {
      if (!listed.has(name))
        problems.add(`docker-compose.yml: ${service} uses \${${name}}, which .env.example lacks`);
    }
  }
  return [...problems];
}

/** (2) Each service gets every variable it reads (but the named exceptions), and only those. */
function checkServiceVariables(compose: Compose, reads: Record<Service, Reads>): string[] {
  const problems: string[] = [];
  for (const service of SERVICES) {
    const definition = compose.services[service];
    if (!definition) {
      problems.push(`docker-compose.yml: no service "${service}"`);
      continue;
    }
    const passed = new Set(Object.keys(environmentOf(definition)));
    for (const name of reads[service].expected) {
      if (!passed.has(name)) problems.push(`${service} is not passed ${name}, which it reads`);
    }
    for (const name of passed) {
      const why = reads[service].notPassed[name];
      if (why !== undefined) problems.push(`${service} is passed ${name}: ${why}`);
      else if (!reads[service].reads.has(name))
        problems.push(`${service} is passed ${name}, which it does not read`);
    }
  }
  return problems;
}

/** Every variable any schema reads is named in .env.example (set, or in a comment). */
function checkSchemaVariablesDocumented(
  reads: Record<Service, Reads>,
  envExample: string,
): string[] {
  const all = new Set(SERVICES.flatMap((s) => [...reads[s].reads]));
  return [...all]
    .filter((name) => !new RegExp(`\\b${name}\\b`).test(envExample))
    .map((name) => `.env.example does not mention ${name}`);
}

/** (3) The settings that only make sense one way in these containers. */
function checkContainerSettings(compose: Compose, prometheus: Json): string[] {
  const problems: string[] = [];
  const env = (service: string) => environmentOf(compose.services[service]);

  if (env('api').HOST !== '0.0.0.0') {
    problems.push(`api: HOST is ${JSON.stringify(env('api').HOST)}, not 0.0.0.0`);
  }
  for (const service of SERVICES) {
    const mode = env(service).LIGHTHOUSE_MODE;
    if (mode !== '${LIGHTHOUSE_MODE:-self-hosted}') {
      problems.push(
        `${service}: LIGHTHOUSE_MODE is ${JSON.stringify(mode)}, not \${LIGHTHOUSE_MODE:-self-hosted}`,
      );
    }
  }
  for (const service of ['scheduler', 'checker', 'alerter']) {
    if (env(service).METRICS_HOST !== '0.0.0.0') {
      problems.push(`${service}: METRICS_HOST is not 0.0.0.0 (Prometheus could not scrape it)`);
    }
  }
  for (const service of ['api', 'checker', 'alerter']) {
    const value = env(service).LIGHTHOUSE_ALLOW_PRIVATE_TARGETS;
    if (value !== '${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-}') {
      problems.push(
        `${service}: LIGHTHOUSE_ALLOW_PRIVATE_TARGETS is ${JSON.stringify(value)}, not \${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-} (empty: the mode's default)`,
      );
    }
  }
  for (const [service, names] of Object.entries({
    api: ['ENCRYPTION_KEY', 'ADMIN_TOKEN'],
    checker: ['ENCRYPTION_KEY'],
    alerter: ['ENCRYPTION_KEY'],
  })) {
    for (const name of names) {
      if (!new RegExp(`^\\$\\{${name}:\\?`).test(env(service)[name] ?? '')) {
        problems.push(`${service}: ${name} is not required (\${${name}:?...})`);
      }
    }
  }

  // only the api publishes a port, and that port is the one it listens on
  for (const [service, definition] of Object.entries(compose.services)) {
    const ports = (definition.ports ?? []) as unknown[];
    if (service === 'api') {
      const targets = ports.map((p) => String(p).split(':').at(-1)?.split('/')[0]);
      if (targets.length !== 1 || targets[0] !== env('api').PORT) {
        problems.push(`api: publishes ${JSON.stringify(targets)}, not its PORT only`);
      }
    } else if (
      ports.length > 0 &&
      [...SERVICES, 'migrate', 'timescaledb', 'redis'].includes(service)
    ) {
      problems.push(`${service}: publishes ${JSON.stringify(ports)} on the host`);
    }
  }

  // the tiers file and CA certificates come from a read-only directory in every service
  for (const service of SERVICES) {
    const volumes = ((compose.services[service]?.volumes ?? []) as unknown[]).map(String);
    if (!volumes.some((v) => /:\/etc\/lighthouse:ro$/.test(v))) {
      problems.push(`${service}: mounts no read-only config directory at /etc/lighthouse`);
    }
  }

  // prometheus.yml scrapes each service at the port it listens on
  const jobs = (prometheus.scrape_configs ?? []) as Json[];
  for (const job of jobs) {
    for (const sd of (job.dns_sd_configs ?? []) as Json[]) {
      for (const name of (sd.names ?? []) as string[]) {
        const e = env(name);
        const port = name === 'api' ? e.PORT : e.METRICS_PORT;
        if (port !== String(sd.port)) {
          problems.push(
            `prometheus.yml scrapes ${name}:${String(sd.port)}, but it listens on ${JSON.stringify(port)}`,
          );
        }
      }
    }
  }
  return problems;
}

/** (4) Each variable line has a comment line, not another variable, directly above it. */
function checkEnvExampleComments(envExample: string): string[] {
  const lines = envExample.split('\n');
  const problems: string[] = [];
  lines.forEach((line, index) => {
    const name = variableLine(line);
    if (!name) return;
    const above = lines[index - 1] ?? '';
    if (!/^#/.test(above) || variableLine(above) || /^#\s*-{3}/.test(above)) {
      problems.push(`.env.example:${index + 1}: ${name} has no comment line directly above it`);
    }
  });
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml and .env.example', () => {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const compose = parseCompose(read('docker-compose.yml'));
  const envExample = read('.env.example');
  const prometheus = loadYaml(read('deploy/monitoring/prometheus.yml')) as Json;
  const reads = Object.fromEntries(SERVICES.map((s) => [s, readsOf(s)])) as Record<Service, Reads>;

  it('reads each schema from its source, shapes spread into it included', () => {
    // a broken reader would make every other check pass vacuously (ADDED left out on purpose)
    expect([...schemaVariables('api')]).toEqual(
      expect.arrayContaining(['DATABASE_URL', 'ADMIN_TOKEN', 'X402_PAY_TO', 'SMTP_URL']),
    );
    expect([...schemaVariables('scheduler')]).toEqual(
      expect.arrayContaining(['REDIS_URL', 'METRICS_PORT', 'SCHEDULER_TICK_MS']),
    );
    expect([...schemaVariables('checker')]).toEqual(
      expect.arrayContaining(['ENCRYPTION_KEY', 'SHUTDOWN_TIMEOUT_MS', 'CHECKER_CONCURRENCY']),
    );
    expect([...schemaVariables('alerter')]).toEqual(
      expect.arrayContaining(['DB_POOL_SIZE', 'TELEGRAM_API_BASE', 'DELIVERY_ATTEMPTS']),
    );
  });

  it('passes every variable .env.example names to a service, and lists every one compose uses', () => {
    expect(checkEnvExampleUsed(compose, envExample)).toEqual([]);
    expect(checkComposeVariablesListed(compose, envExample)).toEqual([]);
  });

  it('passes each service every setting its config reads, and nothing it does not read', () => {
    expect(checkServiceVariables(compose, reads)).toEqual([]);
  });

  it('mentions every setting of every schema in .env.example', () => {
    expect(checkSchemaVariablesDocumented(reads, envExample)).toEqual([]);
  });

  it('runs self-hosted by default, listens where it can be reached, publishes only the api', () => {
    expect(checkContainerSettings(compose, prometheus)).toEqual([]);
  });

  it('gives every variable of .env.example a comment line directly above it', () => {
    expect(checkEnvExampleComments(envExample)).toEqual([]);
  });

  it('catches each kind of mistake', () => {
    const broken = parseCompose(`
x-env: &env
  DATABASE_URL: postgres://db/x
  LIGHTHOUSE_MODE: service
services:
  api:
    ports: ['3000:3000', '9229:9229']
    environment:
      <<: *env
      PORT: '3000'
      SMTP_FORM: \${SMTP_FROM:-}
      ENCRYPTION_KEY: \${ENCRYPTION_KEY:-}
      LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: \${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-false}
  scheduler:
    volumes: ['./config:/etc/lighthouse:ro']
    environment:
      <<: *env
      METRICS_HOST: 0.0.0.0
      METRICS_PORT: '9101'
  checker:
    ports: ['9102:9102']
    environment:
      [DATABASE_URL=postgres://db/x, 'LIGHTHOUSE_MODE=\${LIGHTHOUSE_MODE:-self-hosted}', CHECKER_NAME=a]
  alerter:
    environment:
      LOG_LEVEL: \${LOG_LEVEL:-\${DEFAULT_LEVEL}}
`);
    const brokenEnv = [
      '# required',
      'ENCRYPTION_KEY=',
      '# SMTP_FROM=Lighthouse <alerts@example.com>',
      '# UNUSED_SETTING=1',
      '',
      '# LOG_LEVEL=info',
    ].join('\n');
    const tiny = (reads: string[], expected: string[], notPassed = {}): Reads => ({
      reads: new Set(reads),
      expected: new Set(expected),
      notPassed,
    });
    const tinyReads: Record<Service, Reads> = {
      api: tiny(['DATABASE_URL', 'PORT', 'HOST'], ['HOST']),
      scheduler: tiny(['DATABASE_URL'], ['DATABASE_URL']),
      checker: tiny(['DATABASE_URL', 'CHECKER_NAME'], ['DATABASE_URL'], { CHECKER_NAME: 'unique' }),
      alerter: tiny(['LOG_LEVEL'], ['LOG_LEVEL']),
    };

    expect(checkEnvExampleUsed(broken, brokenEnv)).toEqual([
      '.env.example:4: UNUSED_SETTING is passed to no service by compose',
    ]);
    expect(checkComposeVariablesListed(broken, brokenEnv)).toEqual([
      'docker-compose.yml: api uses ${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS}, which .env.example lacks',
      'docker-compose.yml: checker uses ${LIGHTHOUSE_MODE}, which .env.example lacks',
      'docker-compose.yml: alerter uses ${DEFAULT_LEVEL}, which .env.example lacks',
    ]);
    expect(checkServiceVariables(broken, tinyReads)).toEqual([
      'api is not passed HOST, which it reads',
      'api is passed LIGHTHOUSE_MODE, which it does not read',
      'api is passed SMTP_FORM, which it does not read',
      'api is passed ENCRYPTION_KEY, which it does not read',
      'api is passed LIGHTHOUSE_ALLOW_PRIVATE_TARGETS, which it does not read',
      'scheduler is passed LIGHTHOUSE_MODE, which it does not read',
      'scheduler is passed METRICS_HOST, which it does not read',
      'scheduler is passed METRICS_PORT, which it does not read',
      'checker is passed LIGHTHOUSE_MODE, which it does not read',
      'checker is passed CHECKER_NAME: unique',
    ]);
    expect(checkSchemaVariablesDocumented(tinyReads, brokenEnv)).toEqual([
      '.env.example does not mention DATABASE_URL',
      '.env.example does not mention PORT',
      '.env.example does not mention HOST',
      '.env.example does not mention CHECKER_NAME',
    ]);
    expect(
      checkContainerSettings(broken, {
        scrape_configs: [{ dns_sd_configs: [{ names: ['scheduler'], port: 9191 }] }],
      }),
    ).toEqual([
      'api: HOST is undefined, not 0.0.0.0',
      'api: LIGHTHOUSE_MODE is "service", not ${LIGHTHOUSE_MODE:-self-hosted}',
      'scheduler: LIGHTHOUSE_MODE is "service", not ${LIGHTHOUSE_MODE:-self-hosted}',
      'alerter: LIGHTHOUSE_MODE is undefined, not ${LIGHTHOUSE_MODE:-self-hosted}',
      'checker: METRICS_HOST is not 0.0.0.0 (Prometheus could not scrape it)',
      'alerter: METRICS_HOST is not 0.0.0.0 (Prometheus could not scrape it)',
      'api: LIGHTHOUSE_ALLOW_PRIVATE_TARGETS is "${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-false}", not ${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-} (empty: the mode\'s default)',
      "checker: LIGHTHOUSE_ALLOW_PRIVATE_TARGETS is undefined, not ${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-} (empty: the mode's default)",
      "alerter: LIGHTHOUSE_ALLOW_PRIVATE_TARGETS is undefined, not ${LIGHTHOUSE_ALLOW_PRIVATE_TARGETS:-} (empty: the mode's default)",
      'api: ENCRYPTION_KEY is not required (${ENCRYPTION_KEY:?...})',
      'api: ADMIN_TOKEN is not required (${ADMIN_TOKEN:?...})',
      'checker: ENCRYPTION_KEY is not required (${ENCRYPTION_KEY:?...})',
      'alerter: ENCRYPTION_KEY is not required (${ENCRYPTION_KEY:?...})',
      'api: publishes ["3000","9229"], not its PORT only',
      'checker: publishes ["9102:9102"] on the host',
      'api: mounts no read-only config directory at /etc/lighthouse',
      'checker: mounts no read-only config directory at /etc/lighthouse',
      'alerter: mounts no read-only config directory at /etc/lighthouse',
      'prometheus.yml scrapes scheduler:9191, but it listens on "9101"',
    ]);
    expect(checkEnvExampleComments(brokenEnv)).toEqual([
      '.env.example:3: SMTP_FROM has no comment line directly above it',
      '.env.example:4: UNUSED_SETTING has no comment line directly above it',
      '.env.example:6: LOG_LEVEL has no comment line directly above it',
    ]);
  });
});
