// Where a service's CPU goes, from a V8 CPU profile (`pnpm bench --node-arg=--cpu-prof
// --node-arg=--cpu-prof-dir=/tmp/prof`, one .cpuprofile per service, written at exit).
//
//   node bench/profile.mjs /tmp/prof/CPU.*.cpuprofile
//
// Each sample's time goes to the nearest frame on its stack that belongs to a package or to
// Lighthouse code, so node's own http, net and stream internals count for whoever called them.
import { readFileSync } from 'node:fs';

const FAMILIES = [
  [
    'got (+ its dependencies)',
    /^(got|@sindresorhus\/is|@szmarczak\/http-timer|cacheable-request|cacheable-lookup|http2-wrapper|decompress-response|responselike|lowercase-keys|p-cancelable|form-data-encoder|normalize-url|get-stream|mimic-response|keyv|@keyv\/.*|byte-counter|chunk-data|type-fest|defer-to-connect)$/,
  ],
  ['pg', /^(pg|pg-.*|postgres-.*|pgpass)$/],
  ['ioredis', /^(ioredis|redis-errors|redis-parser|denque|cluster-key-slot|standard-as-callback)$/],
  ['bullmq', /^(bullmq|msgpackr|cron-parser|semver|uuid|node-abort-controller)$/],
  [
    'winston (logging)',
    /^(winston|logform|winston-transport|@colors\/colors|fecha|triple-beam|safe-stable-stringify|readable-stream|@dabh\/diagnostics)$/,
  ],
];

function category(url) {
  if (!url || url.startsWith('node:')) return null;
  const pkg = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) {
    for (const [name, re] of FAMILIES) if (re.test(pkg)) return name;
    return pkg;
  }
  const own = /\/(packages|services)\/([^/]+)\/dist\/(.*)$/.exec(url);
  if (own) {
    if (own[1] === 'services')
      return `services/${own[2]}/${own[3].split('/')[0].replace(/\.js$/, '')}`;
    return `@lighthouse/${own[2]}`;
  }
  return url.replace(/^file:\/\//, '');
}

function analyse(file) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const classify = (id) => {
    if (memo.has(id)) return memo.get(id);
    const node = byId.get(id);
    const { functionName, url } = node.callFrame;
    let result;
    if (['(garbage collector)', '(idle)', '(program)'].includes(functionName))
      result = functionName;
    else result = category(url) ?? (parent.has(id) ? classify(parent.get(id)) : '(node internals)');
    memo.set(id, result);
    return result;
  };
  const totals = new Map();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const c = classify(id);
    totals.set(c, (totals.get(c) ?? 0) + dt);
    all += dt;
  });
  const busy = all - (totals.get('(idle)') ?? 0);
  console.log(`\n${file}: ${(all / 1e6).toFixed(1)} s profiled, ${(busy / 1e6).toFixed(1)} s busy`);
  for (const [c, us] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    if (c === '(idle)') continue;
    console.log(`  ${((us / busy) * 100).toFixed(1).padStart(5)} %  ${c}`);
  }
}

for (const file of process.argv.slice(2)) analyse(file);
