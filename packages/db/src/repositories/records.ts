import { sql } from 'kysely';
import type { Executor } from '../connection';

type Hex = `0x${string}`;

/** A batch as its probe signed it (@lighthouse/verify's SealedBatch). */
export interface SignedBatch {
  probe: string;
  region: string;
  root: Hex;
  digest: Hex;
  signature: Hex;
  sealed_at: number;
  /** in leaf order */
  leafHashes: Hex[];
}

const bytes = (hex: string): Buffer => Buffer.from(hex.slice(2), 'hex');
const hex = (buf: Buffer): Hex => `0x${buf.toString('hex')}`;

function packed(hashes: readonly string[]): Buffer {
  return Buffer.concat(hashes.map(bytes));
}

export function unpack(buf: Buffer | null): Hex[] {
  if (!buf) return [];
  const out: Hex[] = [];
  for (let i = 0; i < buf.length; i += 32) out.push(hex(buf.subarray(i, i + 32)));
  return out;
}

/** The instance's id (made by the migration): the salt of its records' signatures. */
export async function instanceId(db: Executor): Promise<string> {
  const row = await db.selectFrom('instance_identity').select('id').executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A probe key starts signing: listed with its region, or its period extended. A key belongs to
 * one region (its batches say which): the same key in another region is refused.
 */
export async function registerProbe(
  db: Executor,
  probe: { address: string; region: string },
): Promise<void> {
  const row = await db
    .insertInto('probes')
    .values({ address: probe.address, region: probe.region })
    .onConflict((oc) =>
      oc
        .column('address')
        .doUpdateSet({ last_seen: sql<Date>`now()` })
        .where('probes.region', '=', probe.region),
    )
    .returning('address')
    .executeTakeFirst();
  if (!row) {
    const other = await db
      .selectFrom('probes')
      .select('region')
      .where('address', '=', probe.address)
      .executeTakeFirst();
    throw new Error(
      `CHECKER_SIGNING_KEY (probe ${probe.address}) already signs for region ${other?.region ?? '?'}: ` +
        `a key belongs to one region; give this checker (region ${probe.region}) a key of its own`,
    );
  }
}

/** A live probe says so (its heartbeat): the end of its listed period moves. */
export async function touchProbe(db: Executor, address: string): Promise<void> {
  await db
    .updateTable('probes')
    .set({ last_seen: sql<Date>`now()` })
    .where('address', '=', address)
    .execute();
}

export interface ProbeRow {
  address: string;
  region: string;
  first_seen: Date;
  last_seen: Date;
}

export async function listProbes(db: Executor): Promise<ProbeRow[]> {
  return db.selectFrom('probes').selectAll().orderBy('first_seen').orderBy('address').execute();
}

/** Stores a signed batch; returns its id for its rows. */
export async function insertBatch(db: Executor, batch: SignedBatch): Promise<string> {
  const row = await db
    .insertInto('check_batches')
    .values({
      probe: batch.probe,
      region: batch.region,
      root: bytes(batch.root),
      digest: bytes(batch.digest),
      signature: bytes(batch.signature),
      leaves: packed(batch.leafHashes),
      sealed_at: new Date(batch.sealed_at),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return String(row.id);
}

/** Batches not folded into an hour yet, written before `end`: id and digest, oldest first. */
export async function unanchoredBatches(
  db: Executor,
  end: Date,
  limit: number,
): Promise<{ id: string; digest: Hex }[]> {
  const rows = await db
    .selectFrom('check_batches')
    .select(['id', 'digest'])
    .where('anchor_hour', 'is', null)
    .where('created_at', '<', end)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: String(r.id), digest: hex(r.digest) }));
}

export async function hasAnchor(db: Executor, hour: Date): Promise<boolean> {
  const row = await db
    .selectFrom('check_anchors')
    .select('hour')
    .where('hour', '=', hour)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Stores an hour's root and, for each batch folded into it, the hour and its path there.
 * Returns false when another scheduler stored that hour first (nothing written then).
 */
export async function saveAnchor(
  db: Executor,
  anchor: { hour: Date; root: Hex; batches: { id: string; path: Hex[] }[] },
): Promise<boolean> {
  const inserted = await db
    .insertInto('check_anchors')
    .values({ hour: anchor.hour, root: bytes(anchor.root), batches: anchor.batches.length })
    .onConflict((oc) => oc.column('hour').doNothing())
    .returning('hour')
    .executeTakeFirst();
  if (!inserted) return false;
  for (let i = 0; i < anchor.batches.length; i += 5_000) {
    const chunk = anchor.batches.slice(i, i + 5_000);
    await sql`
      UPDATE check_batches b SET anchor_hour = ${anchor.hour}, hour_path = u.path
        FROM unnest(${chunk.map((c) => c.id)}::bigint[], ${chunk.map((c) => packed(c.path))}::bytea[])
          AS u(id, path)
       WHERE b.id = u.id`.execute(db);
  }
  return true;
}

export interface AnchorRow {
  hour: Date;
  root: Hex;
  batches: number;
  chain_id: number | null;
  contract: string | null;
  tx_hash: string | null;
  block_number: number | null;
  published_at: Date | null;
  last_error: string | null;
}

function anchorRow(r: {
  hour: Date;
  root: Buffer;
  batches: number;
  chain_id: number | null;
  contract: string | null;
  tx_hash: string | null;
  block_number: string | null;
  published_at: Date | null;
  last_error: string | null;
}): AnchorRow {
  return {
    ...r,
    root: hex(r.root),
    block_number: r.block_number === null ? null : Number(r.block_number),
  };
}

/** Hours stored but not on chain yet, oldest first. */
export async function unpublishedAnchors(db: Executor, limit: number): Promise<AnchorRow[]> {
  const rows = await db
    .selectFrom('check_anchors')
    .selectAll()
    .where('published_at', 'is', null)
    .orderBy('hour')
    .limit(limit)
    .execute();
  return rows.map(anchorRow);
}

export async function markPublished(
  db: Executor,
  hour: Date,
  on: { chain_id: number; contract: string; tx_hash: string | null; block_number: number | null },
): Promise<void> {
  await db
    .updateTable('check_anchors')
    .set({ ...on, published_at: sql<Date>`now()`, last_error: null })
    .where('hour', '=', hour)
    .execute();
}

export async function markPublishFailed(db: Executor, hour: Date, error: string): Promise<void> {
  await db
    .updateTable('check_anchors')
    .set({ last_error: error.slice(0, 500) })
    .where('hour', '=', hour)
    .execute();
}

/** The anchors, newest first, `before` an hour (keyset pagination). */
export async function listAnchors(
  db: Executor,
  opts: { before?: Date; limit: number },
): Promise<AnchorRow[]> {
  let q = db.selectFrom('check_anchors').selectAll().orderBy('hour', 'desc').limit(opts.limit);
  if (opts.before) q = q.where('hour', '<', opts.before);
  return (await q.execute()).map(anchorRow);
}

export async function anchorsAt(db: Executor, hours: Date[]): Promise<AnchorRow[]> {
  if (hours.length === 0) return [];
  const rows = await db
    .selectFrom('check_anchors')
    .selectAll()
    .where('hour', 'in', hours)
    .execute();
  return rows.map(anchorRow);
}

/** A subscription's signed rows in [from, to) (confirmation checks aside), at most `limit`. */
export async function signedRows(
  db: Executor,
  q: { subscriptionId: string; from: Date; to: Date; limit: number; region?: string },
) {
  let query = db
    .selectFrom('check_history')
    .select([
      'time',
      'region',
      'status',
      'http_status',
      'response_time_ms',
      'error_category',
      'batch_id',
      'leaf_index',
    ])
    .where('subscription_id', '=', q.subscriptionId)
    .where('time', '>=', q.from)
    .where('time', '<', q.to)
    .where('batch_id', 'is not', null)
    .where((eb) => eb.or([eb('confirmation', 'is', null), eb('confirmation', '=', false)]))
    .orderBy('time')
    .orderBy('region')
    .limit(q.limit);
  if (q.region !== undefined) query = query.where('region', '=', q.region);
  return query.execute();
}

/** How many of a subscription's rows in [from, to) have no batch (written before signing). */
export async function unsignedCount(
  db: Executor,
  q: { subscriptionId: string; from: Date; to: Date },
): Promise<number> {
  const row = await db
    .selectFrom('check_history')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('subscription_id', '=', q.subscriptionId)
    .where('time', '>=', q.from)
    .where('time', '<', q.to)
    .where('batch_id', 'is', null)
    .where((eb) => eb.or([eb('confirmation', 'is', null), eb('confirmation', '=', false)]))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface BatchRow {
  id: string;
  probe: string;
  region: string;
  root: Hex;
  signature: Hex;
  sealed_at: Date;
  /** the leaves, 32 bytes each (unpack() them) */
  leaves: Buffer;
  anchor_hour: Date | null;
  hour_path: Hex[] | null;
}

/** Stored batches by id, with their leaves, read 1,000 at a time. */
export async function batchesByIds(db: Executor, ids: readonly string[]): Promise<BatchRow[]> {
  const out: BatchRow[] = [];
  for (let i = 0; i < ids.length; i += 1_000) {
    const rows = await db
      .selectFrom('check_batches')
      .select([
        'id',
        'probe',
        'region',
        'root',
        'signature',
        'sealed_at',
        'leaves',
        'anchor_hour',
        'hour_path',
      ])
      .where('id', 'in', ids.slice(i, i + 1_000))
      .execute();
    for (const r of rows) {
      out.push({
        id: String(r.id),
        probe: r.probe,
        region: r.region,
        root: hex(r.root),
        signature: hex(r.signature),
        sealed_at: r.sealed_at,
        leaves: r.leaves,
        anchor_hour: r.anchor_hour,
        hour_path: r.hour_path ? unpack(r.hour_path) : null,
      });
    }
  }
  return out;
}

/** Deletes batches written before `before` (their rows are past every retention), at most `limit`. */
export async function deleteBatchesBefore(
  db: Executor,
  before: Date,
  limit: number,
): Promise<number> {
  const result = await sql`
    DELETE FROM check_batches WHERE id IN (
      SELECT id FROM check_batches WHERE created_at < ${before} ORDER BY created_at LIMIT ${limit})`.execute(
    db,
  );
  return Number(result.numAffectedRows ?? 0);
}
