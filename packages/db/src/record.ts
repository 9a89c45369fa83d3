import type { Db, Executor } from './connection';
import * as maintenance from './repositories/maintenance';
import * as records from './repositories/records';
import * as results from './repositories/results';
import type { CheckRow } from './repositories/results';
import {
  applyResult,
  awaitingConfirmation,
  classifyChanges,
  earlierChangesSince,
  inMaintenance,
  parseQuorum,
  slotVerdict,
  watchesFlapping,
  type CheckStatus,
  type MonitorSnapshot,
} from '@lighthouse/domain';

export interface RecordedEvent {
  id: string;
  subscription_id: string;
  to_state: string;
}

/** How multi-region slots are decided. */
export interface VerdictOptions {
  /**
   * A slot waits for its regions until its probe's timeout and this grace have passed (the
   * scheduler's VERDICT_GRACE_SECONDS). null: until every region reported, as the checkers
   * decide; the scheduler's settleOverdue decides the slots that wait longer.
   */
  graceMs: number | null;
  /** slots older than this are not waited for (ms) */
  lookbackMs?: number;
  now?: () => number;
}

export const DEFAULT_VERDICT_OPTIONS: VerdictOptions = { graceMs: null };

export interface RecordOptions extends VerdictOptions {
  /** the batch as its probe signed it, leaf i being rows[i] (verifiable records) */
  batch?: records.SignedBatch;
}
const LOOKBACK_MS = 6 * 3_600_000;

type PendingEvent = results.NewStateEvent & {
  row: EventRow;
  /** when the new state's run began: its first failed (or passing) check */
  since: Date;
};

/** The row a state event and an incident are told from: a region's, with the slot's verdict. */
type EventRow = Pick<
  CheckRow,
  'time' | 'status' | 'http_status' | 'response_time_ms' | 'error_message' | 'error_category'
>;

/** One slot as the state machine takes it: a verdict, or a slot that changes nothing. */
interface SlotStep {
  time: Date;
  /** in a maintenance window, or inconclusive: the slot is passed, the state holds */
  hold: boolean;
  status: CheckStatus;
  row: EventRow;
  /** every chosen region's report, for the event (multi-region monitors only) */
  regions?: {
    region: string;
    status: CheckStatus | 'missing';
    error: string | null;
    response_time_ms: number | null;
  }[];
}

/**
 * Writes a batch of results and everything they imply, in one transaction: its signed batch
 * (when given),
 * the rows (a slot and region that already has one is skipped; a slot inside a maintenance
 * window is marked), each subscription's state (slots applied in order; older slots and
 * slots in maintenance change nothing), a state event in the outbox for every transition
 * (marked when it starts or happens while flapping), and incidents opened or closed.
 *
 * A subscription checked from one region takes each row as its slot's verdict. One checked
 * from several takes a slot's verdict from all its regions' rows (slotVerdict): once every
 * region reported, or once the slot's deadline passed (settleOverdue, in the scheduler); a
 * slot still waiting holds back the slots after it, so that verdicts apply in slot order.
 */
export async function recordResults(
  db: Db,
  rows: CheckRow[],
  options: RecordOptions = DEFAULT_VERDICT_OPTIONS,
): Promise<RecordedEvent[]> {
  const { batch } = options;
  if (batch && batch.leafHashes.length !== rows.length) {
    throw new Error(`a signed batch of ${batch.leafHashes.length} leaves for ${rows.length} rows`);
  }
  return db.transaction().execute(async (tx) => {
    if (batch) {
      // a row already written (a retried slot) keeps its first batch; its leaf here is unused
      const batchId = await records.insertBatch(tx, batch);
      rows = rows.map((row, i) => ({ ...row, batch_id: batchId, leaf_index: i }));
    }
    const windows = await maintenance.windowsFor(tx, [
      ...new Set(rows.map((r) => r.subscription_id)),
    ]);
    const marked = rows.map((row) => {
      const list = windows.get(row.subscription_id);
      return list && inMaintenance(list, row.time) ? { ...row, maintenance: true } : row;
    });
    const inserted = await results.insertCheckRows(tx, marked);
    if (inserted.length === 0) return [];
    const fresh = new Set(inserted.map(results.rowKey));
    const written = marked.filter((r) => fresh.has(results.rowKey(r)));
    // a canary's steps go with its row: only for rows written now, never a second time
    await results.insertCanarySteps(
      tx,
      written.filter((r) => r.canary_steps),
    );
    const bySubscription = new Map<string, CheckRow[]>();
    for (const row of written) {
      const list = bySubscription.get(row.subscription_id) ?? [];
      list.push(row);
      bySubscription.set(row.subscription_id, list);
    }
    const monitors = await results.lockMonitors(tx, [...bySubscription.keys()]);
    return applySlots(tx, monitors, bySubscription, options);
  });
}

/**
 * Decides the slots of multi-region subscriptions whose deadline passed while a region had
 * not reported (a dark or partitioned region): the verdict from the regions that did. At
 * most `limit` subscriptions a call; returns their events, for the caller to publish.
 */
export async function settleOverdue(
  db: Db,
  options: VerdictOptions & { graceMs: number; limit: number },
): Promise<{ subscriptions: number; events: RecordedEvent[] }> {
  const now = options.now?.() ?? Date.now();
  const overdue = {
    graceMs: options.graceMs,
    floor: new Date(now - (options.lookbackMs ?? LOOKBACK_MS)),
    limit: options.limit,
  };
  // one query, and no transaction, while there is nothing to decide (the usual case)
  if ((await results.overdueSlots(db, overdue)).length === 0) {
    return { subscriptions: 0, events: [] };
  }
  return db.transaction().execute(async (tx) => {
    const ids = await results.overdueSlots(tx, overdue);
    if (ids.length === 0) return { subscriptions: 0, events: [] };
    // a subscription a checker is writing now is left to the next sweep (or to that checker)
    const monitors = await results.lockMonitors(tx, ids, { skipLocked: true });
    const events = await applySlots(tx, monitors, new Map(), options);
    return { subscriptions: ids.length, events };
  });
}

/** A single-region subscription's rows, each its slot's verdict, oldest first. */
function singleRegionSteps(rows: CheckRow[]): SlotStep[] {
  return rows
    .sort((a, b) => a.time.getTime() - b.time.getTime())
    .map((row) => ({ time: row.time, hold: row.maintenance === true, status: row.status, row }));
}

/**
 * A multi-region subscription's slots after its last applied one, each with its verdict, oldest
 * first, up to the first slot still waiting for a region.
 */
function multiRegionSteps(
  monitor: results.MonitorRow,
  rows: results.RegionRow[],
  options: VerdictOptions,
): SlotStep[] {
  const regions = monitor.regions ?? [];
  const quorum = parseQuorum(monitor.quorum);
  const waitMs =
    options.graceMs === null
      ? Number.POSITIVE_INFINITY
      : (monitor.timeout_ms ?? results.DEFAULT_TIMEOUT_MS) + options.graceMs;
  const now = options.now?.() ?? Date.now();
  const bySlot = new Map<number, results.RegionRow[]>();
  for (const row of rows) {
    const list = bySlot.get(row.time.getTime()) ?? [];
    list.push(row);
    bySlot.set(row.time.getTime(), list);
  }
  const steps: SlotStep[] = [];
  for (const [time, reports] of [...bySlot.entries()].sort((a, b) => a[0] - b[0])) {
    const verdict = slotVerdict({
      regions,
      quorum,
      reports,
      deadlinePassed: now >= time + waitMs,
    });
    if (verdict.kind === 'pending') break;
    const byRegion = new Map(verdict.reports.map((r) => [r.region, r]));
    const listed = [...new Set(regions)].sort().map((region) => {
      const r = byRegion.get(region);
      return {
        region,
        status: r?.status ?? ('missing' as const),
        error: r?.error_message ?? null,
        response_time_ms: r?.response_time_ms ?? null,
      };
    });
    const slot = new Date(time);
    if (verdict.kind === 'inconclusive' || reports.some((r) => r.maintenance)) {
      const row = verdict.reports[0] ?? reports[0]!;
      steps.push({ time: slot, hold: true, status: row.status, row, regions: listed });
      continue;
    }
    const status = verdict.kind;
    // the event tells of a region that saw what the verdict says: the first down one, say
    const row =
      verdict.reports.find((r) => r.status === status) ??
      verdict.reports.find((r) => r.status !== 'up') ??
      verdict.reports[0]!;
    steps.push({ time: slot, hold: false, status, row: { ...row, status }, regions: listed });
  }
  return steps;
}

/**
 * Applies the slots of locked monitors: `fresh` holds the rows just written for single-region
 * monitors; multi-region monitors read their undecided slots' rows from every region.
 */
async function applySlots(
  tx: Executor,
  monitors: results.MonitorRow[],
  fresh: Map<string, CheckRow[]>,
  options: VerdictOptions,
): Promise<RecordedEvent[]> {
  const multi = monitors.filter((m) => (m.regions?.length ?? 1) > 1);
  const now = options.now?.() ?? Date.now();
  const regionRows = await results.rowsAfter(
    tx,
    multi.map((m) => ({ id: m.id, since: m.last_scheduled_at })),
    new Date(now - (options.lookbackMs ?? LOOKBACK_MS)),
  );
  const rowsOf = new Map<string, results.RegionRow[]>();
  for (const row of regionRows) {
    const list = rowsOf.get(row.subscription_id) ?? [];
    list.push(row);
    rowsOf.set(row.subscription_id, list);
  }

  const applied: {
    monitor: results.MonitorRow;
    snapshot: MonitorSnapshot;
    changedAt: Date | null;
    events: PendingEvent[];
    counted: boolean;
  }[] = [];
  for (const monitor of monitors) {
    const steps =
      (monitor.regions?.length ?? 1) > 1
        ? multiRegionSteps(monitor, rowsOf.get(monitor.id) ?? [], options)
        : singleRegionSteps(fresh.get(monitor.id) ?? []);
    let snapshot: MonitorSnapshot = monitor;
    let changedAt: Date | null = null;
    // whether the newest result counted (a result in maintenance asks for no confirmation)
    let counted = false;
    const events: PendingEvent[] = [];
    for (const step of steps) {
      if (step.hold) {
        // Stored (and marked, in maintenance), but the state holds: the next slot goes on
        // from here. Later results for earlier slots still change nothing.
        const last = snapshot.last_scheduled_at;
        if (!last || step.time.getTime() > last.getTime()) {
          snapshot = { ...snapshot, last_scheduled_at: step.time };
          counted = false;
        }
        continue;
      }
      const {
        next,
        transition,
        applied: isNew,
      } = applyResult(snapshot, monitor, { status: step.status, slot: step.time });
      if (!isNew) continue;
      snapshot = next;
      counted = true;
      if (transition) {
        changedAt = step.time;
        const since = next.streak_since ?? step.time;
        events.push({
          subscription_id: monitor.id,
          from_state: transition.from,
          to_state: transition.to,
          slot_time: step.time,
          check: {
            ...results.eventCheck(step.row),
            since: since.toISOString(),
            ...(step.regions === undefined ? {} : { regions: step.regions }),
          },
          row: step.row,
          since,
        });
      }
    }
    applied.push({ monitor, snapshot, changedAt, events, counted });
  }

  const flappingStarted = await markFlapping(tx, applied);

  const updates: results.MonitorUpdate[] = [];
  const checkedAt = new Date();
  for (const { monitor, snapshot, changedAt, counted } of applied) {
    if (snapshot === monitor || !snapshot.last_scheduled_at) continue;
    const confirm = counted && awaitingConfirmation(snapshot, monitor);
    updates.push({
      id: monitor.id,
      state: snapshot.state,
      consecutive_failures: snapshot.consecutive_failures,
      consecutive_successes: snapshot.consecutive_successes,
      last_scheduled_at: snapshot.last_scheduled_at,
      last_check_at: checkedAt,
      state_changed_at: changedAt,
      flapping_started: flappingStarted.get(monitor.id) ?? null,
      streak_since: snapshot.streak_since ?? null,
      retry_at: confirm
        ? new Date(checkedAt.getTime() + monitor.retry_interval_seconds * 1000)
        : null,
    });
  }
  await results.updateMonitors(tx, updates);

  const events = applied.flatMap((a) => a.events);
  const ids = await results.insertStateEvents(tx, events);
  const recorded: RecordedEvent[] = [];
  for (const [i, event] of events.entries()) {
    const id = ids[i];
    if (id === undefined) continue;
    recorded.push({ id, subscription_id: event.subscription_id, to_state: event.to_state });
    if (event.to_state === 'down') {
      await results.openIncident(tx, {
        subscription_id: event.subscription_id,
        event_id: id,
        // the down period began with its first failed check, not the one that confirmed it
        started_at: event.since,
        error_category: event.row.error_category,
        error_message: event.row.error_message,
      });
    } else if (event.from_state === 'down') {
      await results.closeIncident(tx, event.subscription_id, id, event.since);
    }
  }
  return recorded;
}

/**
 * Sets each event's kind as classifyChanges (@lighthouse/domain) says: 'held' while flapping,
 * 'flapping' (carrying the count) for the change that starts it. Reads the earlier changes it
 * needs; returns when each subscription that started flapping in this batch started.
 */
async function markFlapping(
  tx: Parameters<typeof results.recentChanges>[0],
  applied: { monitor: results.MonitorRow; events: PendingEvent[] }[],
): Promise<Map<string, Date>> {
  const started = new Map<string, Date>();
  const watched = applied.filter((a) => a.events.length > 0 && watchesFlapping(a.monitor));
  const needed = watched.flatMap(({ monitor, events }) => {
    const since = earlierChangesSince(monitor, events[0]!.slot_time);
    return since ? [{ id: monitor.id, since: since.getTime() }] : [];
  });
  const recent =
    needed.length === 0
      ? new Map<string, Date[]>()
      : await results.recentChanges(
          tx,
          needed.map((n) => n.id),
          new Date(Math.min(...needed.map((n) => n.since))),
        );
  for (const { monitor, events } of watched) {
    const classified = classifyChanges(
      monitor,
      recent.get(monitor.id) ?? [],
      events.map((e) => e.slot_time),
    );
    for (const [i, verdict] of classified.verdicts.entries()) {
      const event = events[i]!;
      if (verdict.kind === 'transition') continue;
      event.kind = verdict.kind;
      if (verdict.kind === 'flapping') {
        const { transitions, window_minutes } = verdict;
        event.check = { ...event.check, flapping: { transitions, window_minutes } };
      }
    }
    if (classified.started) started.set(monitor.id, classified.started);
  }
  return started;
}
