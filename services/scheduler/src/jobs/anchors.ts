import { records, type Db } from '@lighthouse/db';
import type { Logger } from '@lighthouse/shared';
import {
  buildTreeYielding,
  pathInTree,
  publishAnchor,
  type AnchorChain,
  wasmKeccak,
  type Hex,
} from '@lighthouse/verify';
import { sql } from 'kysely';
import type { SchedulerMetrics } from '../metrics';

const HOUR_MS = 3_600_000;
/**
 * batches folded into one hour at most, a few hundred MB of tree at worst (a big instance writes
 * about 120,000 an hour; a backlog beyond it goes into the hours after)
 */
const MAX_BATCHES = 500_000;
/** the advisory lock that makes one scheduler fold an hour */
const ANCHOR_LOCK = 0x4c48_4152; // "LHAR"

export interface AnchorDeps {
  db: Db;
  logger: Logger;
  metrics: SchedulerMetrics;
  /** an hour is folded this long after it ends (batches still committing) */
  graceMs: number;
  /** when set, each folded hour is published on chain */
  chain?: AnchorChain;
  now?: () => number;
}

/**
 * One round of anchoring: folds the last complete hour's batches (and any written earlier and
 * not folded yet) into one root, stores it with each batch's path, then publishes the hours
 * not on chain yet when a chain is configured. Any number of schedulers may run it: an
 * advisory lock lets one fold, and an hour is stored once.
 */
export async function anchorRound(deps: AnchorDeps): Promise<void> {
  const hour = await foldHour(deps);
  if (hour) {
    deps.metrics.anchors.inc({ outcome: 'stored' });
    deps.logger.info('hour anchored', {
      hour: hour.hour.toISOString(),
      root: hour.root,
      batches: hour.batches,
    });
  }
  if (deps.chain) await publishPending({ ...deps, chain: deps.chain });
}

/** Folds the hour that ended at least `graceMs` ago, unless it is stored already. */
export async function foldHour(
  deps: Pick<AnchorDeps, 'db' | 'graceMs' | 'now'>,
): Promise<{ hour: Date; root: Hex; batches: number } | null> {
  const now = deps.now?.() ?? Date.now();
  const end = new Date(Math.floor((now - deps.graceMs) / HOUR_MS) * HOUR_MS);
  const hour = new Date(end.getTime() - HOUR_MS);
  if (await records.hasAnchor(deps.db, hour)) return null;
  return deps.db.transaction().execute(async (tx) => {
    const { rows } = await sql<{ locked: boolean }>`
      SELECT pg_try_advisory_xact_lock(${ANCHOR_LOCK}) AS locked`.execute(tx);
    if (!rows[0]?.locked) return null;
    const batches = await records.unanchoredBatches(tx, end, MAX_BATCHES);
    if (batches.length === 0) return null;
    const tree = await buildTreeYielding(
      batches.map((b) => b.digest),
      { keccak: await wasmKeccak() },
    );
    const root = tree[0]!;
    const saved = await records.saveAnchor(tx, {
      hour,
      root,
      batches: batches.map((b, i) => ({ id: b.id, path: pathInTree(tree, batches.length, i) })),
    });
    return saved ? { hour, root, batches: batches.length } : null;
  });
}

/** Publishes the stored hours that are not on chain yet, oldest first, a few a round. */
async function publishPending(deps: AnchorDeps & { chain: AnchorChain }): Promise<void> {
  for (const anchor of await records.unpublishedAnchors(deps.db, 5)) {
    try {
      const receipt = await publishAnchor(deps.chain, {
        instanceId: await records.instanceId(deps.db),
        hour: anchor.hour,
        root: anchor.root,
      });
      await records.markPublished(deps.db, anchor.hour, {
        chain_id: receipt.chain_id,
        contract: deps.chain.contract,
        tx_hash: 'tx_hash' in receipt ? receipt.tx_hash : null,
        block_number: 'block_number' in receipt ? receipt.block_number : null,
      });
      deps.metrics.anchors.inc({ outcome: 'published' });
      deps.logger.info('hour published on chain', {
        hour: anchor.hour.toISOString(),
        ...('tx_hash' in receipt ? { tx_hash: receipt.tx_hash } : { already: true }),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await records.markPublishFailed(deps.db, anchor.hour, message);
      deps.metrics.anchors.inc({ outcome: 'failed' });
      deps.logger.warn('anchor not published; the next round tries again', {
        hour: anchor.hour.toISOString(),
        err: message,
      });
      return;
    }
  }
}
