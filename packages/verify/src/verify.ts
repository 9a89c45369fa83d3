import { Contract, JsonRpcProvider, recoverAddress, getAddress } from 'ethers';
import { z } from 'zod';
import { ANCHOR_ABI } from './anchor-artifact';
import { batchDigest, instanceSalt, leafHash, multiProofRoot, pathRoot, type Hex } from './records';
import { REPORT_FORMAT, gapsOf, uptimeOf, type RecordsReport, type Uptime } from './report';

/** The first thing in a report that does not hold. */
export class VerificationError extends Error {
  override name = 'VerificationError';
}

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a 32-byte hex string');
const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date');
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address');
const count = z.number().int().nonnegative();

const reportSchema = z.object({
  format: z.literal(REPORT_FORMAT),
  kind: z.enum(['sla-report', 'proof']),
  instance: z.string().uuid(),
  subscription: z.object({
    id: z.string().uuid(),
    name: z.string(),
    interval_seconds: z.number().positive(),
  }),
  from: iso,
  to: iso,
  generated_at: iso,
  uptime: z.object({
    total: count,
    up: count,
    down: count,
    degraded: count,
    pct: z.number().nullable(),
  }),
  unsigned: count,
  probes: z.array(z.object({ address, region: z.string(), first_seen: iso, last_seen: iso })),
  anchors: z.array(
    z.object({
      hour: iso,
      root: hex32,
      batches: count,
      chain_id: z.number().int().positive().nullable(),
      contract: address.nullable(),
      tx_hash: hex32.nullable(),
      block_number: count.nullable(),
    }),
  ),
  batches: z.array(
    z.object({
      id: z.string(),
      probe: address,
      region: z.string(),
      root: hex32,
      leaves: z.number().int().positive(),
      sealed_at: count,
      signature: z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature'),
      rows: z.array(count),
      proof: z.object({ indices: z.array(count), proof: z.array(hex32), flags: z.string() }),
      hour: iso.nullable(),
      hour_path: z.array(hex32).nullable(),
    }),
  ),
  rows: z.array(
    z.object({
      time: iso,
      region: z.string(),
      status: z.enum(['up', 'down', 'degraded']),
      http_status: count.nullable(),
      response_time_ms: count.nullable(),
      error_category: z.string().nullable(),
    }),
  ),
  gaps: z.array(z.object({ region: z.string(), after: iso, before: iso })),
});

export interface VerifyOptions {
  /** an EVM JSON-RPC URL: every anchor on chain is read back from its contract */
  rpcUrl?: string;
  /** told of progress, a line at a time */
  onProgress?: (line: string) => void;
}

export interface Verified {
  subscription: RecordsReport['subscription'];
  from: string;
  to: string;
  uptime: Uptime;
  rows: number;
  batches: number;
  probes: string[];
  /** hours whose root was read back from the chain */
  anchors_on_chain: number;
  /** hours published but not on chain, or not checked (no RPC URL) */
  anchors_unchecked: number;
  /** batches not anchored yet (the last hour or so) */
  batches_unanchored: number;
  gaps: RecordsReport['gaps'];
  unsigned: number;
}

/** a batch may be signed this long outside its probe's listed activity (heartbeats are periodic) */
const PROBE_SLACK_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;

/**
 * Checks a report with nothing but the file (and a chain, when given an RPC URL): every row's
 * leaf against its batch's signed root, every signature against the listed probes, every
 * batch against its hour's root, each hour's root against the chain, the gaps and the uptime.
 * Throws a VerificationError naming the first thing that does not hold.
 */
export async function verifyReport(input: unknown, options: VerifyOptions = {}): Promise<Verified> {
  const parsed = reportSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new VerificationError(
      `the file is not a Lighthouse records report: ${issue.path.join('.') || '(top)'}: ${issue.message}`,
    );
  }
  const report = parsed.data as RecordsReport;
  const progress = options.onProgress ?? (() => undefined);
  const fail = (message: string): never => {
    throw new VerificationError(message);
  };
  const rowName = (i: number): string => {
    const r = report.rows[i]!;
    return `row ${i} (${r.time}, ${r.region})`;
  };

  const probes = new Map(report.probes.map((p) => [getAddress(p.address), p]));
  const anchors = new Map(report.anchors.map((a) => [Date.parse(a.hour), a]));
  const used = new Array<boolean>(report.rows.length).fill(false);
  let unanchored = 0;

  for (const [b, batch] of report.batches.entries()) {
    const name = `batch ${batch.id}`;
    // 1. its rows are leaves of its root
    if (batch.rows.length === 0) fail(`${name} holds no row of the report`);
    if (batch.rows.length !== batch.proof.indices.length) {
      fail(
        `${name}: ${batch.rows.length} rows but a proof of ${batch.proof.indices.length} leaves`,
      );
    }
    const leaves = batch.rows.map((i) => {
      const row = report.rows[i];
      if (!row) return fail(`${name} names row ${i}, and the report has ${report.rows.length}`);
      if (used[i]) fail(`${rowName(i)} is claimed by two batches`);
      used[i] = true;
      if (row.region !== batch.region) {
        fail(`${rowName(i)} is from region ${row.region}, its batch from ${batch.region}`);
      }
      if (Date.parse(row.time) > batch.sealed_at) {
        fail(`${rowName(i)} is for a slot after its batch was signed`);
      }
      return leafHash({ ...row, subscription_id: report.subscription.id }, batch.probe);
    });
    let root: Hex;
    try {
      root = multiProofRoot(leaves, batch.proof);
    } catch (err) {
      return fail(
        `${name}: its proof does not fit its rows (${batch.rows.map(rowName).join(', ')}): a row was taken out or added (${(err as Error).message})`,
      );
    }
    if (root !== batch.root.toLowerCase()) {
      fail(
        `${name}: its rows do not give its signed root: one of ${batch.rows
          .map(rowName)
          .join(', ')} was changed, added or taken from another subscription`,
      );
    }
    // 2. a listed probe signed it, while it was active
    const digest = batchDigest(report.instance, {
      root: batch.root,
      leaves: batch.leaves,
      region: batch.region,
      sealed_at: batch.sealed_at,
    });
    let signer: string;
    try {
      signer = recoverAddress(digest, batch.signature);
    } catch {
      return fail(`${name}: its signature is malformed`);
    }
    if (signer !== getAddress(batch.probe)) {
      fail(`${name} was signed by ${signer}, not by the probe it names (${batch.probe})`);
    }
    const probe = probes.get(signer);
    if (!probe) fail(`${name} was signed by ${signer}, which is not a listed probe`);
    if (probe!.region !== batch.region) {
      fail(
        `${name} is from region ${batch.region}, and its probe ${signer} is listed in ${probe!.region}`,
      );
    }
    if (
      batch.sealed_at < Date.parse(probe!.first_seen) - PROBE_SLACK_MS ||
      batch.sealed_at > Date.parse(probe!.last_seen) + PROBE_SLACK_MS
    ) {
      fail(
        `${name} was signed at ${new Date(batch.sealed_at).toISOString()}, outside its probe's listed activity`,
      );
    }
    // 3. its hour's root holds it
    if (batch.hour === null) {
      unanchored += 1;
    } else {
      const hour = Date.parse(batch.hour);
      const anchor = anchors.get(hour);
      if (!anchor) fail(`${name} names hour ${batch.hour}, which the report has no anchor for`);
      if (pathRoot(digest, batch.hour_path ?? []) !== anchor!.root.toLowerCase()) {
        fail(`${name} is not in the root of hour ${batch.hour}`);
      }
      if (batch.sealed_at >= hour + HOUR_MS + PROBE_SLACK_MS) {
        fail(`${name} was signed after hour ${batch.hour}, which it is anchored in`);
      }
    }
    if ((b + 1) % 5_000 === 0) progress(`${b + 1} of ${report.batches.length} batches verified`);
  }
  const loose = used.indexOf(false);
  if (loose !== -1) fail(`${rowName(loose)} is in no batch: nothing vouches for it`);

  // 4. the gaps and the uptime are what the rows say
  const gaps = gapsOf(report.rows, report.subscription.interval_seconds);
  const declared = new Set(
    report.gaps.map((g) => `${g.region}|${Date.parse(g.after)}|${Date.parse(g.before)}`),
  );
  for (const gap of gaps) {
    if (!declared.has(`${gap.region}|${Date.parse(gap.after)}|${Date.parse(gap.before)}`)) {
      fail(
        `no record between ${gap.after} and ${gap.before} (region ${gap.region}), and the report declares no gap there: a row was taken out`,
      );
    }
  }
  if (gaps.length !== report.gaps.length) {
    fail(`the report declares ${report.gaps.length} gaps, and its rows have ${gaps.length}`);
  }
  for (const row of report.rows) {
    const t = Date.parse(row.time);
    if (t < Date.parse(report.from) || t >= Date.parse(report.to)) {
      fail(`the row of ${row.time} is outside the report's period`);
    }
  }
  const uptime = uptimeOf(report.rows);
  for (const k of ['total', 'up', 'down', 'degraded', 'pct'] as const) {
    if (uptime[k] !== report.uptime[k]) {
      fail(`the report says uptime ${k} ${report.uptime[k]}, and its rows give ${uptime[k]}`);
    }
  }

  // 5. each anchored hour's root is on chain
  let onChain = 0;
  let unchecked = 0;
  if (options.rpcUrl) {
    const provider = new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: true });
    try {
      const chainId = Number((await provider.getNetwork()).chainId);
      const instance = instanceSalt(report.instance);
      for (const anchor of report.anchors) {
        if (anchor.contract === null) {
          unchecked += 1;
          continue;
        }
        if (anchor.chain_id !== chainId) {
          fail(
            `hour ${anchor.hour} is anchored on chain ${anchor.chain_id}, and the RPC URL serves chain ${chainId}`,
          );
        }
        const contract = new Contract(anchor.contract, ANCHOR_ABI, provider);
        const onchain = (await contract.getFunction('roots')(
          instance,
          Date.parse(anchor.hour) / 1000,
        )) as string;
        if (onchain.toLowerCase() !== anchor.root.toLowerCase()) {
          fail(
            `hour ${anchor.hour}: the chain holds root ${onchain} at ${anchor.contract}, and the report says ${anchor.root}`,
          );
        }
        onChain += 1;
      }
    } finally {
      provider.destroy();
    }
  } else {
    unchecked = report.anchors.length;
  }

  return {
    subscription: report.subscription,
    from: report.from,
    to: report.to,
    uptime,
    rows: report.rows.length,
    batches: report.batches.length,
    probes: [...new Set(report.batches.map((b) => getAddress(b.probe)))],
    anchors_on_chain: onChain,
    anchors_unchecked: unchecked,
    batches_unanchored: unanchored,
    gaps,
    unsigned: report.unsigned,
  };
}
