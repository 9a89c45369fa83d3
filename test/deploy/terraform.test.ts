import { parse } from '@cdktf/hcl2json';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/*
 * Offline checks of deploy/terraform: providers cannot be downloaded here, so `terraform
 * validate` cannot run. These parse every .tf file (HCL → JSON, @cdktf/hcl2json's wasm build)
 * and check the wiring validate would: module sources, arguments and required variables,
 * module.X.Y and var.Z references, templatefile variables; plus this project's rules on
 * secrets. Each check returns the problems it found, named by file, block and name; the last
 * test runs every check on a small broken configuration to prove that each one can fail.
 */

const terraformRoot = join(__dirname, '..', '..', 'deploy', 'terraform');

type Json = Record<string, unknown>;

interface Declaration {
  file: string;
  body: Json;
}

interface Reference {
  file: string;
  /** the top-level block it sits in, as written: module "network", output "api_url", locals */
  block: string;
  expression: string;
}

/** One directory of .tf files: an environment (root module) or a child module. */
interface Config {
  dir: string;
  variables: Map<string, Declaration>;
  outputs: Map<string, Declaration>;
  modules: Map<string, Declaration>;
  locals: Map<string, Declaration>;
  references: Reference[];
  /** resource, data and ephemeral types used, e.g. random_password */
  types: Set<string>;
  /** resource, data and ephemeral blocks by address: aws_iam_role.x, data.aws_region.y, ephemeral.random_password.z */
  resources: Map<string, Declaration>;
  /** required_providers: name → version constraint */
  providers: Map<string, string>;
  /** provider configurations by reference: aws (the default one), aws.eu_west (an alias) */
  providerConfigs: Set<string>;
}

interface Tree {
  configs: Map<string, Config>;
  /** every file below deploy/terraform by relative posix path (templates, READMEs, examples) */
  files: Map<string, string>;
}

const META_ARGUMENTS = new Set([
  'source',
  'version',
  'count',
  'for_each',
  'providers',
  'depends_on',
]);

// ---------------------------------------------------------------------------------------------
// loading

async function loadTree(files: Map<string, string>): Promise<Tree> {
  const configs = new Map<string, Config>();
  for (const [path, text] of files) {
    if (!path.endsWith('.tf')) continue;
    const dir = posix.dirname(path);
    let config = configs.get(dir);
    if (!config) {
      config = {
        dir,
        variables: new Map(),
        outputs: new Map(),
        modules: new Map(),
        locals: new Map(),
        references: [],
        types: new Set(),
        resources: new Map(),
        providers: new Map(),
        providerConfigs: new Set(),
      };
      configs.set(dir, config);
    }
    addFile(config, path, (await parse(path, text)) as Json);
  }
  return { configs, files };
}

function readDirectory(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (name === '.terraform' || name.startsWith('terraform.tfstate')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
    }
  };
  walk(root);
  return files;
}

/** hcl2json gives `kind: { name: [body] }`, or `kind: { type: { name: [body] } }` for resources. */
function named(value: unknown): Array<[string, Json]> {
  return Object.entries((value ?? {}) as Record<string, Json[]>).flatMap(([name, bodies]) =>
    bodies.map((body): [string, Json] => [name, body]),
  );
}

function addFile(config: Config, file: string, parsed: Json): void {
  const collect = (block: string, body: unknown): void => {
    for (const expression of expressionsIn(body))
      config.references.push({ file, block, expression });
  };
  for (const [kind, content] of Object.entries(parsed)) {
    switch (kind) {
      case 'variable':
      case 'output':
      case 'module': {
        const table = {
          variable: config.variables,
          output: config.outputs,
          module: config.modules,
        }[kind];
        for (const [name, body] of named(content)) {
          table.set(name, { file, body });
          collect(`${kind} "${name}"`, body);
        }
        break;
      }
      case 'resource':
      case 'data':
      case 'ephemeral':
        for (const [type, byName] of Object.entries(content as Json)) {
          config.types.add(type);
          for (const [name, body] of named(byName)) {
            config.resources.set(`${kind === 'resource' ? '' : `${kind}.`}${type}.${name}`, {
              file,
              body,
            });
            collect(`${kind} "${type}" "${name}"`, body);
          }
        }
        break;
      case 'locals':
        for (const body of content as Json[]) {
          for (const [name, value] of Object.entries(body)) {
            config.locals.set(name, { file, body: { value } });
            collect('locals', value);
          }
        }
        break;
      case 'provider':
        for (const [name, body] of named(content)) {
          config.providerConfigs.add(
            typeof body.alias === 'string' ? `${name}.${body.alias}` : name,
          );
          collect(`provider "${name}"`, body);
        }
        break;
      case 'terraform':
        for (const body of content as Json[]) {
          for (const required of (body.required_providers ?? []) as Json[]) {
            for (const [provider, spec] of Object.entries(required)) {
              config.providers.set(provider, String((spec as Json).version));
            }
          }
        }
        break;
      default:
        collect(kind, content);
    }
  }
}

/**
 * The expressions inside a parsed value: hcl2json writes each one as `${...}` (or a `%{...}`
 * directive) inside strings, keys included; `$${` is an escaped literal. Comments kept in
 * multi-line expressions are dropped.
 */
function expressionsIn(value: unknown): string[] {
  if (typeof value === 'string') return templateExpressions(value).map(stripComments);
  if (Array.isArray(value)) return value.flatMap(expressionsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => [
      ...expressionsIn(key),
      ...expressionsIn(v),
    ]);
  }
  return [];
}

function templateExpressions(text: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ((c === '$' || c === '%') && text[i + 1] === c && text[i + 2] === '{') {
      i += 2; // $${ or %%{: literal
      continue;
    }
    if ((c === '$' || c === '%') && text[i + 1] === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text[j] === '{') depth++;
        else if (text[j] === '}') depth--;
      }
      found.push(text.slice(i + 2, j - 1));
      i = j - 1;
    }
  }
  return found;
}

function stripComments(expression: string): string {
  return expression
    .split('\n')
    .map((line) => {
      let quoted = false;
      for (let i = 0; i < line.length; i++) {
        if (line[i] === '\\') i++;
        else if (line[i] === '"') quoted = !quoted;
        else if (!quoted && (line[i] === '#' || line.startsWith('//', i))) return line.slice(0, i);
      }
      return line;
    })
    .join('\n');
}

const VAR_REF = /(?<![\w.])var\.([A-Za-z_][\w-]*)/g;
const LOCAL_REF = /(?<![\w.])local\.([A-Za-z_][\w-]*)/g;
// module.NAME, module.NAME[0] or module.NAME[*], then optionally .OUTPUT
const MODULE_REF = /(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?/g;

/** [first capture, second capture] of every match */
function captures(pattern: RegExp, text: string): Array<[string, string | undefined]> {
  return [...text.matchAll(pattern)].map((m) => [m[1] ?? '', m[2]]);
}

function moduleTarget(tree: Tree, config: Config, call: Declaration): Config | undefined {
  const source = call.body.source;
  if (typeof source !== 'string' || !/^\.\.?\//.test(source)) return undefined;
  return tree.configs.get(posix.normalize(posix.join(config.dir, source)));
}

// ---------------------------------------------------------------------------------------------
// checks: each returns what is wrong, one line per problem

function checkModuleSources(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    for (const [name, call] of config.modules) {
      const source = call.body.source;
      if (typeof source !== 'string' || !/^\.\.?\//.test(source)) {
        problems.push(
          `${call.file}: module "${name}": source ${JSON.stringify(source)} is not a local path`,
        );
      } else if (!moduleTarget(tree, config, call)) {
        const resolved = posix.normalize(posix.join(config.dir, source));
        problems.push(
          `${call.file}: module "${name}": source "${source}" (${resolved}) is not a directory with .tf files`,
        );
      }
    }
  }
  return problems;
}

function checkModuleArguments(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    for (const [name, call] of config.modules) {
      const target = moduleTarget(tree, config, call);
      if (!target) continue;
      for (const argument of Object.keys(call.body)) {
        if (!META_ARGUMENTS.has(argument) && !target.variables.has(argument)) {
          problems.push(
            `${call.file}: module "${name}" passes "${argument}", which ${target.dir} does not declare as a variable`,
          );
        }
      }
      for (const [variable, declaration] of target.variables) {
        if (!('default' in declaration.body) && !(variable in call.body)) {
          problems.push(
            `${call.file}: module "${name}" does not pass "${variable}", which ${declaration.file} requires (no default)`,
          );
        }
      }
    }
  }
  return problems;
}

function checkModuleOutputReferences(tree: Tree): string[] {
  const problems = new Set<string>();
  for (const config of tree.configs.values()) {
    for (const { file, block, expression } of config.references) {
      for (const [name, output] of captures(MODULE_REF, expression)) {
        const call = config.modules.get(name);
        if (!call) {
          problems.add(
            `${file}: ${block} refers to module.${name}, but ${config.dir} has no module "${name}"`,
          );
          continue;
        }
        const target = moduleTarget(tree, config, call);
        if (target && output && !target.outputs.has(output)) {
          problems.add(
            `${file}: ${block} refers to module.${name}.${output}, but ${target.dir} has no output "${output}"`,
          );
        }
      }
    }
  }
  return [...problems];
}

function checkVariableReferences(tree: Tree): string[] {
  const problems = new Set<string>();
  for (const config of tree.configs.values()) {
    for (const { file, block, expression } of config.references) {
      for (const [name] of captures(VAR_REF, expression)) {
        if (!config.variables.has(name)) {
          problems.add(`${file}: ${block} uses var.${name}, which ${config.dir} does not declare`);
        }
      }
      for (const [name] of captures(LOCAL_REF, expression)) {
        if (!config.locals.has(name)) {
          problems.add(`${file}: ${block} uses local.${name}, which ${config.dir} does not define`);
        }
      }
    }
  }
  return [...problems];
}

/**
 * Regions: each environment runs the checkers module once per AWS region, each instance with
 * its own provider configuration (aws, or an alias such as aws.eu_west that the environment
 * configures) and its own checker_region (CHECKER_REGION); an instance in another region than
 * the database's sets tls_only (rediss:// and sslmode=verify-full, which the module enforces)
 * and no queue_metric (an alarm there cannot see that metric); the services' default_region is
 * the checker_region of the checkers in their own region. The module itself sets CHECKER_REGION
 * and no longer REGION.
 */
function checkCheckerRegions(tree: Tree): string[] {
  const problems: string[] = [];
  const expression = (value: unknown) => JSON.stringify(value ?? null);
  for (const config of tree.configs.values()) {
    const checkers = config.dir === 'modules/checkers' ? config : undefined;
    if (checkers) {
      const environment = checkers.locals.get('environment');
      const text = JSON.stringify(environment?.body.value ?? '');
      // the local is an object ("KEY":"${...}") or one expression (merge({ KEY = ... }, ...))
      if (!/CHECKER_REGION\\?"?\s*[=:]\s*"?(\$\{)?var\.checker_region\b/.test(text)) {
        problems.push(
          `${checkers.dir}: local.environment does not set CHECKER_REGION from var.checker_region`,
        );
      }
      if (/(?<![A-Z_])REGION\\?"?\s*[=:]/.test(text)) {
        problems.push(`${checkers.dir}: local.environment still sets REGION (now CHECKER_REGION)`);
      }
    }
    if (!config.dir.startsWith('environments/')) continue;

    const calls = [...config.modules].filter(
      ([, call]) => moduleTarget(tree, config, call)?.dir === 'modules/checkers',
    );
    const byProvider = new Map<string, string>();
    const byRegion = new Map<string, string>();
    let home: Declaration | undefined;
    for (const [name, call] of calls) {
      const { file, body } = call;
      const assigned = ((body.providers ?? {}) as Json).aws;
      const provider =
        typeof assigned === 'string' ? assigned.replace(/^\$\{(.*)\}$/, '$1') : 'aws';
      if (!config.providerConfigs.has(provider) && provider !== 'aws') {
        problems.push(
          `${file}: module "${name}" runs checkers with ${provider}, which ${config.dir} does not configure`,
        );
      }
      const other = byProvider.get(provider);
      if (other) {
        problems.push(
          `${file}: modules "${other}" and "${name}" both run checkers with ${provider}: one per region`,
        );
      }
      byProvider.set(provider, name);

      if (!('checker_region' in body)) {
        problems.push(`${file}: module "${name}" sets no checker_region (CHECKER_REGION)`);
      } else {
        const region = expression(body.checker_region);
        const same = byRegion.get(region);
        if (same) {
          problems.push(
            `${file}: modules "${same}" and "${name}" both set checker_region = ${region}`,
          );
        }
        byRegion.set(region, name);
      }

      if (provider === 'aws') {
        home = call;
        continue;
      }
      if (body.tls_only !== true) {
        problems.push(
          `${file}: module "${name}" runs checkers in another region (${provider}) without tls_only = true (rediss:// and sslmode=verify-full)`,
        );
      }
      if ('queue_metric' in body) {
        problems.push(
          `${file}: module "${name}" runs checkers in another region (${provider}) on queue_metric, which its alarms cannot see`,
        );
      }
    }
    if (calls.length > 0 && !home) {
      problems.push(`${config.dir}: no checkers module runs in the default provider's region`);
    }
    for (const [name, call] of config.modules) {
      if (moduleTarget(tree, config, call)?.dir !== 'modules/services' || !home) continue;
      if (expression(call.body.default_region) !== expression(home.body.checker_region)) {
        problems.push(
          `${call.file}: module "${name}" sets default_region = ${expression(call.body.default_region)}, not the checker_region of the checkers in its region (${expression(home.body.checker_region)})`,
        );
      }
    }
  }
  return problems;
}

const SIGNING_KEY_VARIABLE = 'signing_key_secret_arn';
const SIGNING_KEY_OUTPUT = 'checker_signing_key_secret_arns';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** An HCL value as an expression: "${local.x}" → local.x, a literal → its JSON. */
function asExpression(value: unknown): string {
  return typeof value === 'string' && /^\$\{[\s\S]*\}$/.test(value)
    ? value.slice(2, -1).trim()
    : JSON.stringify(value ?? null);
}

/**
 * Signing keys: each checker signs every batch of results it writes with CHECKER_SIGNING_KEY, and
 * a key belongs to one region (a checker refuses a key another region already signs with). So
 * the checkers module takes its region's key as a secret (signing_key_secret_arn, required), lets
 * its hosts read it (IAM) and hands it to the checkers from the secret, never through the plain
 * environment (the user data); the secrets module generates one secret per region, each its own
 * "0x" and 64 random hex characters; and each environment gives every checkers module the key of
 * its own checker_region, listed in the secrets module's checker_regions, so that different
 * regions get different secrets.
 */
function checkCheckerSigningKeys(tree: Tree): string[] {
  const problems: string[] = [];
  const variableRef = new RegExp(`(?<![\\w.])var\\.${SIGNING_KEY_VARIABLE}\\b`);

  const checkers = tree.configs.get('modules/checkers');
  if (checkers) {
    const declared = checkers.variables.get(SIGNING_KEY_VARIABLE);
    if (!declared) {
      problems.push(
        `modules/checkers: declares no variable "${SIGNING_KEY_VARIABLE}" (its region's CHECKER_SIGNING_KEY)`,
      );
    } else if ('default' in declared.body) {
      problems.push(
        `${declared.file}: variable "${SIGNING_KEY_VARIABLE}" has a default: each region needs a key of its own`,
      );
    }
    const environment = JSON.stringify(checkers.locals.get('environment')?.body.value ?? '');
    if (environment.includes('CHECKER_SIGNING_KEY')) {
      problems.push(
        `modules/checkers: local.environment sets CHECKER_SIGNING_KEY, which would be in the user data: read it from var.${SIGNING_KEY_VARIABLE}`,
      );
    }
    const readable = checkers.references.some(
      ({ block, expression }) =>
        block.startsWith('resource "aws_iam_role_policy" ') && variableRef.test(expression),
    );
    if (!readable) {
      problems.push(
        `modules/checkers: no aws_iam_role_policy lets the hosts read var.${SIGNING_KEY_VARIABLE}`,
      );
    }
    const handed = templatefileCalls(checkers).some(({ path, argumentText }) => {
      const text = tree.files.get(path) ?? '';
      return captures(
        new RegExp(`([A-Za-z_]\\w*)\\s*=\\s*var\\.${SIGNING_KEY_VARIABLE}\\b`, 'g'),
        argumentText,
      ).some(
        ([name]) => text.includes(`\${${name}}`) && /(?<![A-Z_])CHECKER_SIGNING_KEY=/.test(text),
      );
    });
    if (!handed) {
      problems.push(
        `modules/checkers: no template passed var.${SIGNING_KEY_VARIABLE} reads it into CHECKER_SIGNING_KEY`,
      );
    }
  }

  const secrets = tree.configs.get('modules/secrets');
  const output = secrets?.outputs.get(SIGNING_KEY_OUTPUT);
  if (secrets && !output) {
    problems.push(`modules/secrets: has no output "${SIGNING_KEY_OUTPUT}"`);
  } else if (secrets && output) {
    const [secretName] =
      captures(
        /aws_secretsmanager_secret\.([A-Za-z_][\w-]*)/g,
        JSON.stringify(output.body.value),
      )[0] ?? [];
    const secret = secretName && secrets.resources.get(`aws_secretsmanager_secret.${secretName}`);
    if (!secretName || !secret) {
      problems.push(
        `${output.file}: output "${SIGNING_KEY_OUTPUT}" names no aws_secretsmanager_secret of this module`,
      );
    } else {
      const block = `resource "aws_secretsmanager_secret" "${secretName}"`;
      if (
        !/var\.checker_regions\b/.test(String(secret.body.for_each)) ||
        !String(secret.body.name).includes('${each.key}')
      ) {
        problems.push(
          `${secret.file}: ${block} is not one secret per region (for_each over var.checker_regions, each.key in its name)`,
        );
      }
      const versions = [...secrets.resources].filter(
        ([address, { body }]) =>
          address.startsWith('aws_secretsmanager_secret_version.') &&
          new RegExp(`aws_secretsmanager_secret\\.${escapeRegExp(secretName)}\\b`).test(
            String(body.secret_id),
          ),
      );
      if (versions.length === 0) problems.push(`${secret.file}: ${block} is given no value`);
      for (const [address, { file, body }] of versions) {
        const value = String(body.secret_string_wo);
        const generated =
          /^0x\$\{ephemeral\.random_password\.([A-Za-z_][\w-]*)(\[each\.key\])?\.result\}$/.exec(
            value,
          );
        if (!generated) {
          problems.push(
            `${file}: ${address} writes ${JSON.stringify(value)}, not "0x" and an ephemeral random_password's result`,
          );
          continue;
        }
        const [, random = '', perRegion] = generated;
        const password = secrets.resources.get(`ephemeral.random_password.${random}`);
        if (!perRegion || !/var\.checker_regions\b/.test(String(password?.body.for_each))) {
          problems.push(
            `${file}: ${address} gives every region the same key: ephemeral.random_password.${random} needs for_each over var.checker_regions, used as [each.key]`,
          );
        }
        const p = password?.body ?? {};
        const hex =
          p.length === 64 &&
          p.upper === false &&
          p.lower === false &&
          p.numeric !== false &&
          p.special === true &&
          [...String(p.override_special)].sort().join('') === 'abcdef';
        if (!hex) {
          problems.push(
            `${password?.file ?? secrets.dir}: ephemeral.random_password.${random} is not 64 hex characters (length 64, digits and override_special "abcdef" only)`,
          );
        }
      }
    }
  }

  for (const config of tree.configs.values()) {
    if (!config.dir.startsWith('environments/')) continue;
    const bySecret = new Map<string, string>();
    for (const [name, call] of config.modules) {
      if (moduleTarget(tree, config, call)?.dir !== 'modules/checkers') continue;
      const { file, body } = call;
      if (!(SIGNING_KEY_VARIABLE in body)) {
        problems.push(
          `${file}: module "${name}" passes no ${SIGNING_KEY_VARIABLE}: its checkers have no CHECKER_SIGNING_KEY`,
        );
        continue;
      }
      const value = asExpression(body[SIGNING_KEY_VARIABLE]);
      const same = bySecret.get(value);
      if (same) {
        problems.push(
          `${file}: modules "${same}" and "${name}" both sign with ${value}: one key per region`,
        );
      }
      bySecret.set(value, name);

      const region = asExpression(body.checker_region);
      const [, from = '', index = ''] =
        new RegExp(`^module\\.([A-Za-z_][\\w-]*)\\.${SIGNING_KEY_OUTPUT}\\[([\\s\\S]*)\\]$`).exec(
          value,
        ) ?? [];
      const source = config.modules.get(from);
      if (
        !source ||
        moduleTarget(tree, config, source)?.dir !== 'modules/secrets' ||
        index.trim() !== region
      ) {
        problems.push(
          `${file}: module "${name}" does not take ${SIGNING_KEY_VARIABLE} from the secrets module's ${SIGNING_KEY_OUTPUT}[${region}] (its checker_region)`,
        );
        continue;
      }
      const listed = source.body.checker_regions;
      const text = typeof listed === 'string' ? listed : JSON.stringify(listed ?? null);
      if (!new RegExp(`(?<![\\w.-])${escapeRegExp(region)}(?![\\w-])`).test(text)) {
        problems.push(
          `${source.file}: module "${from}" makes no key for ${region}, the checker_region of module "${name}" (checker_regions)`,
        );
      }
    }
  }
  return problems;
}

/** Words that make a name look like it holds a secret, unless it ends in one of ENDINGS_THAT_POINT. */
const SECRET_WORDS = new Set(['password', 'passwd', 'secret', 'token', 'key', 'credentials']);
const ENDINGS_THAT_POINT = new Set(['arn', 'arns', 'id', 'name', 'version', 'days', 'path']);

function looksSecret(name: string): boolean {
  const words = name.toLowerCase().split(/[_-]/);
  return (
    words.some((w) => SECRET_WORDS.has(w)) && !ENDINGS_THAT_POINT.has(words[words.length - 1] ?? '')
  );
}

function checkSecretVariables(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    for (const [name, { file, body }] of config.variables) {
      if (!looksSecret(name)) continue;
      problems.push(
        body.sensitive === true
          ? `${file}: variable "${name}" takes a secret as input: generate it (random_password, ephemeral) into Secrets Manager and pass the secret's ARN instead`
          : `${file}: variable "${name}" takes a secret as input and is not even sensitive = true: generate it into Secrets Manager and pass the secret's ARN instead`,
      );
    }
  }
  return problems;
}

const CONNECTION_STRING = /(postgres(ql)?|rediss?)\b[^\n]*:\/\//;
const GENERATED_SECRET =
  /(?<![\w.])(ephemeral\.|random_password\.|random_id\.|random_string\.)|\.secret_string\b/;

/** Why a value (an output's, a local's) carries a secret or a connection string, if it does. */
function secretIn(
  tree: Tree,
  config: Config,
  value: unknown,
  seen = new Set<string>(),
): string | undefined {
  // the scheme sits in the literal part of a template ("postgres://${...}"), so look at all of it
  const text = JSON.stringify(value) ?? '';
  if (CONNECTION_STRING.test(text)) return 'a connection string';
  for (const expression of expressionsIn(value)) {
    if (GENERATED_SECRET.test(expression)) return 'a generated secret';
    for (const [name] of captures(VAR_REF, expression)) {
      if (config.variables.get(name)?.body.sensitive === true) return `the sensitive var.${name}`;
    }
    for (const [name, output] of captures(MODULE_REF, expression)) {
      const call = config.modules.get(name);
      const target = call && moduleTarget(tree, config, call);
      if (output && target?.outputs.get(output)?.body.sensitive === true) {
        return `the sensitive module.${name}.${output}`;
      }
    }
    for (const [name] of captures(LOCAL_REF, expression)) {
      const local = config.locals.get(name);
      if (!local || seen.has(name)) continue;
      seen.add(name);
      const carried = secretIn(tree, config, local.body.value, seen);
      if (carried) return `local.${name}, which holds ${carried}`;
    }
  }
  return undefined;
}

function checkSensitiveOutputs(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    for (const [name, { file, body }] of config.outputs) {
      if (body.sensitive === true) continue;
      const carried = looksSecret(name)
        ? 'a secret, by its name'
        : /(^|_)(connection_string|database_url|redis_url)$/.test(name)
          ? 'a connection string, by its name'
          : secretIn(tree, config, body.value);
      if (carried)
        problems.push(
          `${file}: output "${name}" carries ${carried} but is not marked sensitive = true`,
        );
    }
  }
  return problems;
}

const TEMPLATE_KEYWORDS = new Set([
  'for',
  'in',
  'if',
  'else',
  'endif',
  'endfor',
  'true',
  'false',
  'null',
]);

interface TemplatefileCall extends Reference {
  /** the template's path below deploy/terraform */
  path: string;
  /** the variables object, as written, without its braces */
  argumentText: string;
}

/** templatefile("${path.module}/...", { ... }) calls in a configuration */
function templatefileCalls(config: Config): TemplatefileCall[] {
  return config.references.flatMap((reference) =>
    [
      ...reference.expression.matchAll(
        /templatefile\("\$\{path\.module\}\/([^"]+)",\s*\{([\s\S]*)\}\s*\)/g,
      ),
    ].map(([, template = '', argumentText = '']) => ({
      ...reference,
      path: `${config.dir}/${template}`,
      argumentText,
    })),
  );
}

/** Every ${name} a template uses is passed by the templatefile call that renders it. */
function checkTemplates(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    for (const { file, block, path, argumentText } of templatefileCalls(config)) {
      const text = tree.files.get(path);
      if (text === undefined) {
        problems.push(`${file}: ${block} renders ${path}, which does not exist`);
        continue;
      }
      const passed = new Set(captures(/([A-Za-z_]\w*)\s*=/g, argumentText).map(([key]) => key));
      // names a %{ for } directive binds are not arguments
      const bound = new Set(captures(/%\{\s*for\s+(\w+)(?:\s*,\s*(\w+))?\s+in\b/g, text).flat());
      const used = new Set<string>();
      for (const inner of templateExpressions(text)) {
        const code = inner.replace(/"(?:[^"\\]|\\.)*"/g, '""');
        for (const [identifier] of captures(/(?<![\w.])([A-Za-z_]\w*)\b(?!\s*\()/g, code)) {
          if (!TEMPLATE_KEYWORDS.has(identifier)) used.add(identifier);
        }
      }
      for (const identifier of used) {
        if (!passed.has(identifier) && !bound.has(identifier)) {
          problems.push(
            `${path} uses \${${identifier}}, which ${file}: ${block} does not pass to templatefile`,
          );
        }
      }
    }
  }
  return problems;
}

/** Modules in modules/, environments in environments/, each with its files. */
function checkLayout(tree: Tree): string[] {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    const isEnvironment = config.dir.startsWith('environments/');
    const required = ['main.tf', 'variables.tf', 'outputs.tf', 'versions.tf', 'README.md'];
    if (isEnvironment) required.push('terraform.tfvars.example');
    for (const name of required) {
      if (!tree.files.has(`${config.dir}/${name}`))
        problems.push(`${config.dir}: ${name} is missing`);
    }
    for (const [name, { file, body }] of config.variables) {
      if (typeof body.description !== 'string' || !body.description.trim()) {
        problems.push(`${file}: variable "${name}" has no description`);
      }
      if (!('type' in body)) problems.push(`${file}: variable "${name}" has no type`);
    }
    for (const [name, { file, body }] of config.outputs) {
      if (typeof body.description !== 'string' || !body.description.trim()) {
        problems.push(`${file}: output "${name}" has no description`);
      }
    }
    const aws = config.providers.get('aws');
    if (!aws || !/^~>\s*5\.\d+$/.test(aws)) {
      problems.push(
        `${config.dir}: versions.tf must require hashicorp/aws "~> 5.x" (found ${aws ?? 'none'})`,
      );
    }
    const usesRandom =
      [...config.types].some((t) => t.startsWith('random_')) ||
      [...config.modules.values()].some((call) =>
        [...(moduleTarget(tree, config, call)?.types ?? [])].some((t) => t.startsWith('random_')),
      );
    if (usesRandom && !config.providers.has('random')) {
      problems.push(`${config.dir}: uses the random provider but versions.tf does not require it`);
    }
  }
  return problems;
}

/** terraform.tfvars.example sets only declared variables, and every one without a default. */
async function checkTfvarsExamples(tree: Tree): Promise<string[]> {
  const problems: string[] = [];
  for (const config of tree.configs.values()) {
    const path = `${config.dir}/terraform.tfvars.example`;
    const text = tree.files.get(path);
    if (text === undefined) continue;
    const values = (await parse(`${path}.tfvars`, text)) as Json;
    for (const name of Object.keys(values)) {
      if (!config.variables.has(name))
        problems.push(`${path}: sets "${name}", which ${config.dir} does not declare`);
    }
    for (const [name, { body }] of config.variables) {
      if (!('default' in body) && !(name in values)) {
        problems.push(`${path}: does not set "${name}", which has no default`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------

describe('deploy/terraform', () => {
  let tree: Tree;

  beforeAll(async () => {
    tree = await loadTree(readDirectory(terraformRoot));
  });

  it('is formatted (terraform fmt -check -recursive)', () => {
    const which = spawnSync('terraform', ['version'], { encoding: 'utf8' });
    if (which.error) {
      // eslint-disable-next-line no-console
      console.log(`terraform is not on PATH (${which.error.message}): skipping the fmt check only`);
      return;
    }
    const fmt = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', terraformRoot], {
      encoding: 'utf8',
    });
    expect({ status: fmt.status, diff: fmt.stdout }).toEqual({ status: 0, diff: '' });
  });

  it('has both environments and every module the environments use', () => {
    expect([...tree.configs.keys()].sort()).toEqual([
      'environments/dev',
      'environments/prod',
      'modules/checkers',
      'modules/network',
      'modules/redis',
      'modules/region-peering',
      'modules/secrets',
      'modules/services',
      'modules/timescaledb-ec2',
      'modules/timescaledb-rds',
    ]);
  });

  it('gives every module and environment its files, described variables and outputs, and pinned providers', () => {
    expect(checkLayout(tree)).toEqual([]);
  });

  it('points every module source at a module directory', () => {
    expect(checkModuleSources(tree)).toEqual([]);
  });

  it('passes modules only variables they declare, and every one they require', () => {
    expect(checkModuleArguments(tree)).toEqual([]);
  });

  it('refers only to outputs the called modules declare (module.X.Y)', () => {
    expect(checkModuleOutputReferences(tree)).toEqual([]);
  });

  it('uses only declared variables and defined locals (var.Z, local.Z)', () => {
    expect(checkVariableReferences(tree)).toEqual([]);
  });

  it('passes every variable its templates use to templatefile', () => {
    expect(checkTemplates(tree)).toEqual([]);
  });

  it('marks sensitive every output that carries a secret or a connection string', () => {
    expect(checkSensitiveOutputs(tree)).toEqual([]);
  });

  it('takes no secret as an input variable (they are generated into Secrets Manager)', () => {
    expect(checkSecretVariables(tree)).toEqual([]);
  });

  it('sets only declared variables, and all required ones, in terraform.tfvars.example', async () => {
    expect(await checkTfvarsExamples(tree)).toEqual([]);
  });

  it('runs the checkers module once per region, each with its provider, CHECKER_REGION and TLS', () => {
    expect(checkCheckerRegions(tree)).toEqual([]);
    // prod: the database's region and a second one, eu_west, through a provider alias
    // (hcl2json lists blocks of a kind by name)
    const prod = tree.configs.get('environments/prod');
    const instances = [...(prod?.modules ?? [])]
      .filter(([, call]) => call.body.source === '../../modules/checkers')
      .map(([name, call]) => [name, ((call.body.providers ?? {}) as Json).aws ?? 'aws']);
    expect(instances).toEqual([
      ['checkers', 'aws'],
      ['checkers_eu_west', '${aws.eu_west}'],
    ]);
    expect(prod?.providerConfigs).toEqual(new Set(['aws', 'aws.eu_west']));
  });

  it('gives the checkers of every region a CHECKER_SIGNING_KEY secret of their own', () => {
    expect(checkCheckerSigningKeys(tree)).toEqual([]);
    // each checkers module (one per region) gets its region's secret from the secrets module
    const keys = (environment: string) =>
      [...(tree.configs.get(environment)?.modules ?? [])]
        .filter(([, call]) => call.body.source === '../../modules/checkers')
        .map(([name, call]) => [name, call.body.signing_key_secret_arn]);
    expect(keys('environments/dev')).toEqual([
      ['checkers', '${module.secrets.checker_signing_key_secret_arns[local.checker_region]}'],
    ]);
    const prod = keys('environments/prod');
    expect(prod).toEqual([
      ['checkers', '${module.secrets.checker_signing_key_secret_arns[local.checker_region]}'],
      [
        'checkers_eu_west',
        '${module.secrets.checker_signing_key_secret_arns[local.eu_west_checker_region]}',
      ],
    ]);
    expect(new Set(prod.map(([, secret]) => secret)).size).toBe(prod.length);
    // the hosts read it from Secrets Manager into the checkers' root-only secret environment
    const userData = tree.files.get('modules/checkers/user-data.sh.tftpl') ?? '';
    expect(userData).toContain('signing_key=$(secret ${signing_key_secret_arn})');
    expect(userData).toMatch(
      /CHECKER_SIGNING_KEY=%s\\n'[^>]*"\$signing_key" \\\n\s*>\/etc\/lighthouse\/checker-secrets\.env/,
    );
  });

  it('catches each kind of signing key mistake', async () => {
    const broken = await loadTree(
      new Map([
        [
          'modules/checkers/variables.tf',
          'variable "checker_region" {\n  type = string\n}\n' +
            'variable "signing_key_secret_arn" {\n  type    = string\n  default = null\n}\n',
        ],
        [
          'modules/checkers/main.tf',
          'locals {\n  environment = { CHECKER_REGION = var.checker_region, CHECKER_SIGNING_KEY = var.signing_key_secret_arn }\n}\n' +
            'resource "aws_iam_role_policy" "checker" {\n  policy = jsonencode({ Resource = [var.encryption_key_secret_arn] })\n}\n' +
            'resource "aws_launch_template" "checker" {\n  user_data = templatefile("${path.module}/boot.sh.tftpl", { key = var.signing_key_secret_arn })\n}\n',
        ],
        ['modules/checkers/boot.sh.tftpl', 'echo ${key}\n'],
        [
          'modules/secrets/variables.tf',
          'variable "checker_regions" {\n  type = list(string)\n}\n',
        ],
        [
          'modules/secrets/main.tf',
          'ephemeral "random_password" "shared" {\n  length = 64\n}\n' +
            'ephemeral "random_password" "hex" {\n  for_each         = toset(var.checker_regions)\n  length           = 64\n  upper            = false\n  lower            = false\n  special          = true\n  override_special = "abcdef"\n}\n' +
            'resource "aws_secretsmanager_secret" "signing" {\n  name = "x/signing-key"\n}\n' +
            'resource "aws_secretsmanager_secret_version" "signing" {\n  secret_id        = aws_secretsmanager_secret.signing.id\n  secret_string_wo = ephemeral.random_password.hex[each.key].result\n}\n' +
            'resource "aws_secretsmanager_secret_version" "again" {\n  secret_id        = aws_secretsmanager_secret.signing.id\n  secret_string_wo = "0x${ephemeral.random_password.shared.result}"\n}\n',
        ],
        [
          'modules/secrets/outputs.tf',
          'output "checker_signing_key_secret_arns" {\n  value = { for r, s in aws_secretsmanager_secret.signing : r => s.arn }\n}\n',
        ],
        [
          'environments/x/main.tf',
          `module "secrets" {\n  source          = "../../modules/secrets"\n  checker_regions = [local.home]\n}\n` +
            `module "home" {\n  source                 = "../../modules/checkers"\n  checker_region         = local.home\n  signing_key_secret_arn = module.secrets.checker_signing_key_secret_arns[local.home]\n}\n` +
            `module "eu" {\n  source                 = "../../modules/checkers"\n  checker_region         = local.eu\n  signing_key_secret_arn = module.secrets.checker_signing_key_secret_arns[local.home]\n}\n` +
            `module "ap" {\n  source                 = "../../modules/checkers"\n  checker_region         = local.ap\n  signing_key_secret_arn = module.secrets.checker_signing_key_secret_arns[local.ap]\n}\n` +
            `module "sa" {\n  source         = "../../modules/checkers"\n  checker_region = local.sa\n}\n` +
            `module "us" {\n  source                 = "../../modules/checkers"\n  checker_region         = "us-west-2"\n  signing_key_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared"\n}\n`,
        ],
      ]),
    );
    // (hcl2json lists blocks of a kind by name)
    expect(checkCheckerSigningKeys(broken)).toEqual([
      'modules/checkers/variables.tf: variable "signing_key_secret_arn" has a default: each region needs a key of its own',
      'modules/checkers: local.environment sets CHECKER_SIGNING_KEY, which would be in the user data: read it from var.signing_key_secret_arn',
      'modules/checkers: no aws_iam_role_policy lets the hosts read var.signing_key_secret_arn',
      'modules/checkers: no template passed var.signing_key_secret_arn reads it into CHECKER_SIGNING_KEY',
      'modules/secrets/main.tf: resource "aws_secretsmanager_secret" "signing" is not one secret per region (for_each over var.checker_regions, each.key in its name)',
      'modules/secrets/main.tf: aws_secretsmanager_secret_version.again gives every region the same key: ephemeral.random_password.shared needs for_each over var.checker_regions, used as [each.key]',
      'modules/secrets/main.tf: ephemeral.random_password.shared is not 64 hex characters (length 64, digits and override_special "abcdef" only)',
      'modules/secrets/main.tf: aws_secretsmanager_secret_version.signing writes "${ephemeral.random_password.hex[each.key].result}", not "0x" and an ephemeral random_password\'s result',
      'environments/x/main.tf: module "secrets" makes no key for local.ap, the checker_region of module "ap" (checker_regions)',
      'environments/x/main.tf: module "eu" does not take signing_key_secret_arn from the secrets module\'s checker_signing_key_secret_arns[local.eu] (its checker_region)',
      'environments/x/main.tf: modules "eu" and "home" both sign with module.secrets.checker_signing_key_secret_arns[local.home]: one key per region',
      'environments/x/main.tf: module "sa" passes no signing_key_secret_arn: its checkers have no CHECKER_SIGNING_KEY',
      'environments/x/main.tf: module "us" does not take signing_key_secret_arn from the secrets module\'s checker_signing_key_secret_arns["us-west-2"] (its checker_region)',
    ]);
  });

  it('catches each kind of region mistake', async () => {
    const broken = await loadTree(
      new Map([
        ['modules/checkers/variables.tf', 'variable "checker_region" {\n  type = string\n}\n'],
        [
          'modules/checkers/main.tf',
          'locals {\n  environment = { REGION = var.checker_region }\n}\n',
        ],
        ['modules/services/variables.tf', 'variable "default_region" {\n  type = string\n}\n'],
        [
          'environments/x/main.tf',
          `provider "aws" {\n  region = "us-east-1"\n}\n` +
            `module "services" {\n  source         = "../../modules/services"\n  default_region = "local"\n}\n` +
            `module "home" {\n  source         = "../../modules/checkers"\n  checker_region = "us-east-1"\n}\n` +
            `module "eu" {\n  source         = "../../modules/checkers"\n  providers      = { aws = aws.eu }\n  checker_region = "us-east-1"\n  queue_metric   = {}\n}\n` +
            `module "eu_again" {\n  source    = "../../modules/checkers"\n  providers = { aws = aws.eu }\n  tls_only  = true\n}\n`,
        ],
      ]),
    );
    expect(checkCheckerRegions(broken)).toEqual([
      'modules/checkers: local.environment does not set CHECKER_REGION from var.checker_region',
      'modules/checkers: local.environment still sets REGION (now CHECKER_REGION)',
      'environments/x/main.tf: module "eu" runs checkers with aws.eu, which environments/x does not configure',
      'environments/x/main.tf: module "eu" runs checkers in another region (aws.eu) without tls_only = true (rediss:// and sslmode=verify-full)',
      'environments/x/main.tf: module "eu" runs checkers in another region (aws.eu) on queue_metric, which its alarms cannot see',
      'environments/x/main.tf: module "eu_again" runs checkers with aws.eu, which environments/x does not configure',
      'environments/x/main.tf: modules "eu" and "eu_again" both run checkers with aws.eu: one per region',
      'environments/x/main.tf: module "eu_again" sets no checker_region (CHECKER_REGION)',
      'environments/x/main.tf: modules "eu" and "home" both set checker_region = "us-east-1"',
      'environments/x/main.tf: module "services" sets default_region = "local", not the checker_region of the checkers in its region ("us-east-1")',
    ]);
  });

  it('catches each kind of mistake, naming the file, block and name', async () => {
    const broken = await loadTree(
      new Map([
        [
          'modules/db/variables.tf',
          `variable "size" {\n  type = number\n}\nvariable "admin_password" {\n  type = string\n}\n`,
        ],
        [
          'modules/db/outputs.tf',
          `output "host" {\n  value = "db.internal"\n}\n` +
            `output "url" {\n  value = "postgres://app@\${var.size}/app"\n}\n` +
            `output "secret" {\n  value = "x"\n  sensitive = true\n}\n`,
        ],
        [
          'modules/db/main.tf',
          `resource "aws_instance" "db" {\n  user_data = templatefile("\${path.module}/boot.sh.tftpl", { size = var.size })\n}\n`,
        ],
        ['modules/db/boot.sh.tftpl', 'echo ${size} ${missing} $${HOME}\n'],
        [
          'env/main.tf',
          `module "db" {\n  source = "../modules/db"\n  sizee  = 1\n}\n` +
            `module "gone" {\n  source = "../modules/nope"\n}\n` +
            `output "host" {\n  value = module.db.hostname\n}\n` +
            `output "region" {\n  value = var.region\n}\n` +
            `output "token" {\n  value = module.db.secret\n}\n` +
            `output "upstream" {\n  value = module.db.secret\n}\n` +
            `output "elsewhere" {\n  value = module.other.host\n}\n`,
        ],
        ['env/terraform.tfvars.example', 'regoin = "us-east-1"\n'],
      ]),
    );

    expect(checkModuleSources(broken)).toEqual([
      'env/main.tf: module "gone": source "../modules/nope" (modules/nope) is not a directory with .tf files',
    ]);
    // (hcl2json lists blocks of a kind by name)
    expect(checkModuleArguments(broken)).toEqual([
      'env/main.tf: module "db" passes "sizee", which modules/db does not declare as a variable',
      'env/main.tf: module "db" does not pass "admin_password", which modules/db/variables.tf requires (no default)',
      'env/main.tf: module "db" does not pass "size", which modules/db/variables.tf requires (no default)',
    ]);
    expect(checkModuleOutputReferences(broken)).toEqual([
      'env/main.tf: output "elsewhere" refers to module.other, but env has no module "other"',
      'env/main.tf: output "host" refers to module.db.hostname, but modules/db has no output "hostname"',
    ]);
    expect(checkVariableReferences(broken)).toEqual([
      'env/main.tf: output "region" uses var.region, which env does not declare',
    ]);
    expect(checkTemplates(broken)).toEqual([
      'modules/db/boot.sh.tftpl uses ${missing}, which modules/db/main.tf: resource "aws_instance" "db" does not pass to templatefile',
    ]);
    expect(checkSensitiveOutputs(broken)).toEqual([
      'modules/db/outputs.tf: output "url" carries a connection string but is not marked sensitive = true',
      'env/main.tf: output "token" carries a secret, by its name but is not marked sensitive = true',
      'env/main.tf: output "upstream" carries the sensitive module.db.secret but is not marked sensitive = true',
    ]);
    expect(checkSecretVariables(broken)).toEqual([
      'modules/db/variables.tf: variable "admin_password" takes a secret as input and is not even sensitive = true: generate it into Secrets Manager and pass the secret\'s ARN instead',
    ]);
    expect(await checkTfvarsExamples(broken)).toEqual([
      'env/terraform.tfvars.example: sets "regoin", which env does not declare',
    ]);
    expect(checkLayout(broken)).toEqual(
      expect.arrayContaining([
        'modules/db: README.md is missing',
        'modules/db/variables.tf: variable "size" has no description',
        'env: versions.tf must require hashicorp/aws "~> 5.x" (found none)',
      ]),
    );
  });
});
