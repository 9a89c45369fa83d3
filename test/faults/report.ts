import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { Load } from './cluster';
import type { Measured } from './invariants';

export interface Outcome {
  fault: string;
  userSees: string;
  faultMs: number;
  measured: Measured;
  violations: string[];
}

const DOC = join(__dirname, '..', '..', 'docs', 'reliability.md');
const BEGIN = '<!-- fault-suite:begin -->';
const END = '<!-- fault-suite:end -->';
const n = (x: number) => x.toLocaleString('en-US');
const s = (ms: number) => (ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** The table's columns: a heading and what each scenario shows under it. */
const COLUMNS: [string, (o: Outcome) => string][] = [
  ['fault', (o) => o.fault],
  ['what the user sees', (o) => o.userSees],
  ['slots lost / due', ({ measured: m }) => `${n(m.slotsLost)} / ${n(m.slots)}`],
  ["a region's rows lost", ({ measured: m }) => n(m.regionSlotsLost)],
  ['probed again within', ({ measured: m }) => s(m.probedAgainWithinMs)],
  ['checked late (max)', ({ measured: m }) => `${n(m.checkedLate)} (${s(m.maxLagMs)})`],
  [
    'caught up within',
    ({ measured: m }) => (Number.isFinite(m.caughtUpWithinMs) ? s(m.caughtUpWithinMs) : 'never'),
  ],
  ['late results ignored', ({ measured: m }) => n(m.lateIgnored)],
  ['duplicate rows', ({ measured: m }) => n(m.duplicateRows)],
  ['alerts checked', ({ measured: m }) => n(m.alertsChecked)],
  ['sent twice', ({ measured: m }) => n(m.duplicateSends)],
  [
    'alert delay p50 / max',
    ({ measured: m }) =>
      m.alertDelayMs.count > 0 ? `${s(m.alertDelayMs.p50)} / ${s(m.alertDelayMs.max)}` : '—',
  ],
  [
    'API: 5xx / clear 503 / unanswered',
    ({ measured: { api } }) => `${api.errors5xx} / ${api.clear503} / ${api.unanswered}`,
  ],
  [
    'invariants',
    (o) => (o.violations.length === 0 ? '✅ hold' : `❌ ${o.violations.length} broken`),
  ],
];

const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;

/**
 * The table of docs/reliability.md, rewritten from this run between its markers, formatted as
 * `prettier --check` (part of the test command) wants it.
 */
export function writeReport(outcomes: Outcome[], load: Load): void {
  const lines = [
    BEGIN,
    `Last run: ${new Date().toISOString().slice(0, 16)}Z, ${n(load.subscriptions)} subscriptions every ${load.intervalSeconds} s (${n(load.flippers)} flipping every ${load.flipHalfPeriodMs / 1000} s, ${n(load.regional)} also checked from a second region: ${n(load.subscriptions + load.regional)} checks an interval), ${cpus().length} cores.`,
    '',
    row(COLUMNS.map(([heading]) => heading)),
    row(COLUMNS.map(() => '---')),
    ...outcomes.map((o) => row(COLUMNS.map(([, cell]) => cell(o)))),
    END,
  ];
  const doc = readFileSync(DOC, 'utf8');
  const from = doc.indexOf(BEGIN);
  const to = doc.indexOf(END);
  if (from < 0 || to < 0) throw new Error(`${DOC} lacks the ${BEGIN} … ${END} markers`);
  writeFileSync(DOC, doc.slice(0, from) + lines.join('\n') + doc.slice(to + END.length));
  const prettier = join(__dirname, '..', '..', 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  execFileSync(process.execPath, [prettier, '--write', '--log-level', 'warn', DOC]);
}
