import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import { buildTreeYielding, multiProof, pathInTree, type CheckStatus, type Hex } from './records';
import { buildReport, type RecordsReport, type StoredBatch, type StoredRow } from './report';
import { createSealer } from './seal';
import { verifyReport } from './verify';

const HOUR = 3_600_000;
const INTERVAL_S = 300;

/**
 * Two subscriptions checked every 5 minutes for `days` days; each hour's rows of both go into one
 * signed batch (as a checker's batches mix subscriptions); every hour folded into an anchor.
 */
async function history(days: number) {
  const instance = randomUUID();
  const key = Wallet.createRandom();
  const sealer = await createSealer({
    privateKey: key.privateKey,
    instanceId: instance,
    region: 'local',
  });
  const subs = [randomUUID(), randomUUID()];
  const start = Date.UTC(2026, 10, 1);
  const rows = new Map<string, StoredRow[]>(subs.map((s) => [s, []]));
  const batches = new Map<string, StoredBatch>();
  const digests: { id: string; digest: Hex }[] = [];
  for (let h = 0; h < days * 24; h += 1) {
    const records = [];
    for (let m = 0; m < 60; m += INTERVAL_S / 60) {
      const time = new Date(start + h * HOUR + m * 60_000).toISOString();
      for (const [s, id] of subs.entries()) {
        const status: CheckStatus = (h + m + s) % 97 === 0 ? 'down' : 'up';
        records.push({
          subscription_id: id,
          time,
          region: 'local',
          status,
          http_status: status === 'up' ? 200 : 503,
          response_time_ms: 40 + ((h * 7 + m) % 50),
          error_category: status === 'up' ? null : 'http_status',
        });
      }
    }
    const sealed = sealer.seal(records, start + (h + 1) * HOUR - 1);
    const id = String(h + 1);
    batches.set(id, {
      id,
      probe: sealed.probe,
      region: 'local',
      root: sealed.root,
      sealed_at: sealed.sealed_at,
      signature: sealed.signature,
      leafHashes: () => sealed.leafHashes,
      hour: null,
      hour_path: null,
    });
    digests.push({ id, digest: sealed.digest });
    for (const [i, r] of records.entries()) {
      const { subscription_id, ...row } = r;
      rows.get(subscription_id)!.push({ ...row, batch_id: id, leaf_index: i });
    }
  }
  // one anchor for the whole period (as after a scheduler that was away)
  const tree = await buildTreeYielding(digests.map((d) => d.digest));
  const hour = new Date(start + days * 24 * HOUR).toISOString();
  for (const [i, d] of digests.entries()) {
    const b = batches.get(d.id)!;
    b.hour = hour;
    b.hour_path = pathInTree(tree, digests.length, i);
  }
  const report = (sub: string): RecordsReport =>
    buildReport({
      kind: 'sla-report',
      instance,
      subscription: { id: sub, name: 'api', interval_seconds: INTERVAL_S },
      from: new Date(start),
      to: new Date(start + days * 24 * HOUR),
      rows: rows.get(sub)!,
      batches,
      unsigned: 0,
      probes: [
        {
          address: sealer.address,
          region: 'local',
          first_seen: new Date(start - HOUR).toISOString(),
          last_seen: new Date(start + days * 24 * HOUR).toISOString(),
        },
      ],
      anchors: [
        {
          hour,
          root: tree[0]!,
          batches: digests.length,
          chain_id: null,
          contract: null,
          tx_hash: null,
          block_number: null,
        },
      ],
    });
  return { subs, report, instance };
}

const copy = (r: RecordsReport): RecordsReport => JSON.parse(JSON.stringify(r)) as RecordsReport;

describe('lighthouse-verify on a report', () => {
  let month: Awaited<ReturnType<typeof history>>;
  let good: RecordsReport;

  beforeAll(async () => {
    month = await history(30);
    good = month.report(month.subs[0]!);
  });

  it('verifies a month of records and recomputes its uptime', async () => {
    expect(good.rows).toHaveLength(30 * 24 * 12);
    const down = good.rows.filter((r) => r.status === 'down').length;
    expect(down).toBeGreaterThan(0);
    const v = await verifyReport(JSON.parse(JSON.stringify(good)));
    expect(v.uptime.total).toBe(8640);
    expect(v.uptime.down).toBe(down);
    expect(v.uptime.pct).toBeCloseTo(((8640 - down) / 8640) * 100, 3);
    expect(v.gaps).toEqual([]);
    expect(v.anchors_unchecked).toBe(1);
  });

  it('names a row whose status was changed', async () => {
    const bad = copy(good);
    const i = bad.rows.findIndex((r) => r.status === 'down');
    bad.rows[i]!.status = 'up';
    bad.uptime.up += 1;
    bad.uptime.down -= 1;
    await expect(verifyReport(bad)).rejects.toThrow(
      new RegExp(`do not give its signed root: .*row ${i} \\(${bad.rows[i]!.time}`),
    );
  });

  it('names a deleted row, kept out of its batch with care', async () => {
    const bad = copy(good);
    // each batch holds 12 of its rows: one taken out breaks that batch's multiproof
    const gone = 13;
    bad.rows.splice(gone, 1);
    for (const b of bad.batches) {
      const at = b.rows.indexOf(gone);
      if (at !== -1) b.proof.indices.splice(at, 1);
      b.rows = b.rows.filter((r) => r !== gone).map((r) => (r > gone ? r - 1 : r));
    }
    await expect(verifyReport(bad)).rejects.toThrow(/batch 2: its proof does not fit its rows/);
    // a whole batch taken out with its rows: the stretch shows, and the report declares no gap
    const worse = copy(good);
    const batch = worse.batches[1]!;
    const dropped = new Set(batch.rows);
    const keep = worse.rows.map((_, i) => i).filter((i) => !dropped.has(i));
    const renumber = new Map(keep.map((old, i) => [old, i]));
    worse.rows = keep.map((i) => worse.rows[i]!);
    worse.batches.splice(1, 1);
    for (const b of worse.batches) b.rows = b.rows.map((r) => renumber.get(r)!);
    await expect(verifyReport(worse)).rejects.toThrow(
      new RegExp(`no record between ${good.rows[11]!.time} and ${good.rows[24]!.time}`),
    );
  });

  it('names an inserted row', async () => {
    const bad = copy(good);
    bad.rows.push({
      ...bad.rows[0]!,
      time: new Date(Date.parse(bad.rows[0]!.time) + 1000).toISOString(),
    });
    await expect(verifyReport(bad)).rejects.toThrow(/row 8640 .* is in no batch/);
  });

  it("refuses another subscription's rows passed off as this one's", async () => {
    // the other subscription's report, claimed for this one: same slots, same batches
    const theirs = copy(month.report(month.subs[1]!));
    theirs.subscription = good.subscription;
    await expect(verifyReport(theirs)).rejects.toThrow(/do not give its signed root/);
  });

  it('refuses a batch signed by a key that is not a listed probe', async () => {
    const bad = copy(good);
    const intruder = await createSealer({
      privateKey: Wallet.createRandom().privateKey,
      instanceId: month.instance,
      region: 'local',
    });
    const batch = bad.batches[0]!;
    // re-signed by the intruder: the same rows, its own probe address in every leaf
    const rows = batch.rows.map((i) => ({
      ...bad.rows[i]!,
      subscription_id: good.subscription.id,
    }));
    const sealed = intruder.seal(rows, batch.sealed_at);
    Object.assign(batch, {
      probe: intruder.address,
      root: sealed.root,
      leaves: rows.length,
      signature: sealed.signature,
    });
    batch.proof = multiProof(
      sealed.leafHashes,
      rows.map((_, i) => i),
    );
    batch.rows = batch.proof.indices.map((i) => batch.rows[i]!);
    await expect(verifyReport(bad)).rejects.toThrow(
      new RegExp(`batch 1 was signed by ${intruder.address}, which is not a listed probe`),
    );
  });

  it('refuses an uptime the rows do not give, and a file that is no report', async () => {
    const bad = copy(good);
    bad.uptime.pct = 100;
    await expect(verifyReport(bad)).rejects.toThrow(/uptime pct 100/);
    await expect(verifyReport({ format: 'x' })).rejects.toThrow(
      /not a Lighthouse records report: format/,
    );
  });
});
