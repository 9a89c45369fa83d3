import {
  multiProof,
  type CheckRecord,
  type CheckStatus,
  type Hex,
  type MultiProof,
} from './records';

export const REPORT_FORMAT = 'lighthouse-records/1';

/** A probe's signing address and when it was active. */
export interface ProbeEntry {
  address: string;
  region: string;
  first_seen: string;
  last_seen: string;
}

/** An hour's root; on chain when `contract` is set. */
export interface AnchorEntry {
  /** the hour's start, ISO 8601 */
  hour: string;
  root: Hex;
  batches: number;
  chain_id: number | null;
  contract: string | null;
  tx_hash: string | null;
  block_number: number | null;
}

/** One signed batch and the proof that the report's rows are among its leaves. */
export interface BatchEntry {
  id: string;
  probe: string;
  region: string;
  root: Hex;
  leaves: number;
  /** when the probe signed it, ms since the epoch */
  sealed_at: number;
  signature: Hex;
  /** the report rows this batch holds, in the order its multiproof takes them */
  rows: number[];
  proof: MultiProof;
  /** the hour it was anchored in (ISO), with the batch digest's path to that hour's root */
  hour: string | null;
  hour_path: Hex[] | null;
}

/** A report row: a check record of the report's subscription. */
export type RowEntry = Omit<CheckRecord, 'subscription_id'>;

/** Stretches of a region with no record where one was due (more than 1.5 intervals apart). */
export interface GapEntry {
  region: string;
  after: string;
  before: string;
}

export interface Uptime {
  total: number;
  up: number;
  down: number;
  degraded: number;
  /** (up + degraded) / total, in percent, 3 decimals; null without checks */
  pct: number | null;
}

export interface RecordsReport {
  format: typeof REPORT_FORMAT;
  kind: 'sla-report' | 'proof';
  /** the instance's id: the signatures' EIP-712 salt and the anchors' instance */
  instance: string;
  subscription: { id: string; name: string; interval_seconds: number };
  from: string;
  to: string;
  generated_at: string;
  uptime: Uptime;
  /** rows in the period written before records were signed: not in the report, not counted */
  unsigned: number;
  probes: ProbeEntry[];
  anchors: AnchorEntry[];
  batches: BatchEntry[];
  rows: RowEntry[];
  gaps: GapEntry[];
}

export function uptimeOf(rows: readonly { status: CheckStatus }[]): Uptime {
  const count = (s: CheckStatus) => rows.filter((r) => r.status === s).length;
  const up = count('up');
  const degraded = count('degraded');
  const total = rows.length;
  return {
    total,
    up,
    down: count('down'),
    degraded,
    pct: total === 0 ? null : Math.round(((up + degraded) / total) * 100 * 1000) / 1000,
  };
}

/**
 * A region's stretches without a record: consecutive rows (by slot) more than 1.5 intervals
 * apart. The report declares them, and the verifier finds the same ones or fails: a row taken
 * out of the file shows as a gap the report does not declare.
 */
export function gapsOf(rows: readonly RowEntry[], intervalSeconds: number): GapEntry[] {
  const byRegion = new Map<string, number[]>();
  for (const row of rows) {
    const list = byRegion.get(row.region) ?? [];
    list.push(Date.parse(row.time));
    byRegion.set(row.region, list);
  }
  const gaps: GapEntry[] = [];
  const limit = intervalSeconds * 1500;
  for (const [region, times] of [...byRegion.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    times.sort((a, b) => a - b);
    for (let i = 1; i < times.length; i += 1) {
      if (times[i]! - times[i - 1]! > limit) {
        gaps.push({
          region,
          after: new Date(times[i - 1]!).toISOString(),
          before: new Date(times[i]!).toISOString(),
        });
      }
    }
  }
  return gaps;
}

/** What the server knows of a stored row. */
export interface StoredRow extends RowEntry {
  batch_id: string;
  leaf_index: number;
}

/** What the server knows of a stored batch. */
export interface StoredBatch {
  id: string;
  probe: string;
  region: string;
  root: Hex;
  sealed_at: number;
  signature: Hex;
  /** its leaves in order: read when its proof is built (a report may hold many batches) */
  leafHashes: () => Hex[];
  hour: string | null;
  hour_path: Hex[] | null;
}

/**
 * A report from stored rows and their batches: each batch with a multiproof of the rows it
 * holds, rows in slot order.
 */
export function buildReport(input: {
  kind: RecordsReport['kind'];
  instance: string;
  subscription: RecordsReport['subscription'];
  from: Date;
  to: Date;
  rows: readonly StoredRow[];
  batches: ReadonlyMap<string, StoredBatch>;
  unsigned: number;
  probes: ProbeEntry[];
  anchors: AnchorEntry[];
  now?: Date;
}): RecordsReport {
  const rows = [...input.rows].sort(
    (a, b) => Date.parse(a.time) - Date.parse(b.time) || a.region.localeCompare(b.region),
  );
  const positions = new Map<string, { leaf: number; row: number }[]>();
  for (const [i, row] of rows.entries()) {
    const list = positions.get(row.batch_id) ?? [];
    list.push({ leaf: row.leaf_index, row: i });
    positions.set(row.batch_id, list);
  }
  const batches: BatchEntry[] = [];
  for (const [id, held] of positions) {
    const batch = input.batches.get(id);
    if (!batch) throw new Error(`batch ${id} of a row is not stored`);
    const leafHashes = batch.leafHashes();
    const proof = multiProof(
      leafHashes,
      held.map((h) => h.leaf),
    );
    const rowOfLeaf = new Map(held.map((h) => [h.leaf, h.row]));
    batches.push({
      id,
      probe: batch.probe,
      region: batch.region,
      root: batch.root,
      leaves: leafHashes.length,
      sealed_at: batch.sealed_at,
      signature: batch.signature,
      rows: proof.indices.map((leaf) => rowOfLeaf.get(leaf)!),
      proof,
      hour: batch.hour,
      hour_path: batch.hour_path,
    });
  }
  const entries: RowEntry[] = rows.map((r) => ({
    time: r.time,
    region: r.region,
    status: r.status,
    http_status: r.http_status,
    response_time_ms: r.response_time_ms,
    error_category: r.error_category,
  }));
  const hours = new Set(batches.map((b) => b.hour).filter((h) => h !== null));
  return {
    format: REPORT_FORMAT,
    kind: input.kind,
    instance: input.instance,
    subscription: input.subscription,
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    generated_at: (input.now ?? new Date()).toISOString(),
    uptime: uptimeOf(entries),
    unsigned: input.unsigned,
    probes: input.probes,
    anchors: input.anchors.filter((a) => hours.has(a.hour)),
    batches,
    rows: entries,
    gaps: gapsOf(entries, input.subscription.interval_seconds),
  };
}
