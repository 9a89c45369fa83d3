import { maintenance, results, type CheckRow, type Db } from '@lighthouse/db';
import {
  applyResult,
  awaitingConfirmation,
  classifyChanges,
  earlierChangesSince,
  inMaintenance,
  watchesFlapping,
  type MonitorSnapshot,
} from '@lighthouse/domain';

export interface RecordedEvent {
  id: string;
  subscription_id: string;
  to_state: string;
}

type PendingEvent = results.NewStateEvent & {
  row: CheckRow;
  /** when the new state's run began: its first failed (or passing) check */
  since: Date;
};

/**
 * Writes a batch of results and everything they imply, in one transaction:
 * the rows (a slot that already has one is skipped; a slot inside a maintenance
 * window is marked), each subscription's state (slots applied in order; older
 * slots and slots in maintenance change nothing), a state event in the outbox for
 * every transition (marked when it starts or happens while flapping), and
 * incidents opened or closed.
 */
export async function recordResults(db: Db, rows: CheckRow[]): Promise<RecordedEvent[]> {
  return db.transaction().execute(async (tx) => {
    const windows = await maintenance.windowsFor(tx, [
      ...new Set(rows.map((r) => r.subscription_id)),
    ]);
    const marked = rows.map((row) => {
      const list = windows.get(row.subscription_id);
      return list && inMaintenance(list, row.time) ? { ...row, maintenance: true } : row;
    });
    const inserted = await results.insertCheckRows(tx, marked);
    if (inserted.length === 0) return [];
    const fresh = new Set(inserted.map((r) => `${r.subscription_id}|${r.time.getTime()}`));
    // a canary's steps go with its row: only for slots written now, never a second time
    await results.insertCanarySteps(
      tx,
      marked.filter((r) => r.canary_steps && fresh.has(`${r.subscription_id}|${r.time.getTime()}`)),
    );
    const bySubscription = new Map<string, CheckRow[]>();
    for (const row of marked) {
      if (!fresh.has(`${row.subscription_id}|${row.time.getTime()}`)) continue;
      const list = bySubscription.get(row.subscription_id) ?? [];
      list.push(row);
      bySubscription.set(row.subscription_id, list);
    }
    const monitors = await results.lockMonitors(tx, [...bySubscription.keys()]);

    const applied: {
      monitor: results.MonitorRow;
      snapshot: MonitorSnapshot;
      changedAt: Date | null;
      events: PendingEvent[];
      counted: boolean;
    }[] = [];
    for (const monitor of monitors) {
      const list = (bySubscription.get(monitor.id) ?? []).sort(
        (a, b) => a.time.getTime() - b.time.getTime(),
      );
      let snapshot: MonitorSnapshot = monitor;
      let changedAt: Date | null = null;
      // whether the newest result counted (a result in maintenance asks for no confirmation)
      let counted = false;
      const events: PendingEvent[] = [];
      for (const row of list) {
        if (row.maintenance) {
          // Stored and marked, but the state holds: the first slot after the window
          // goes on from here. Later results for earlier slots still change nothing.
          const last = snapshot.last_scheduled_at;
          if (!last || row.time.getTime() > last.getTime()) {
            snapshot = { ...snapshot, last_scheduled_at: row.time };
            counted = false;
          }
          continue;
        }
        const {
          next,
          transition,
          applied: fresh,
        } = applyResult(snapshot, monitor, {
          status: row.status,
          slot: row.time,
        });
        if (!fresh) continue;
        snapshot = next;
        counted = true;
        if (transition) {
          changedAt = row.time;
          const since = next.streak_since ?? row.time;
          events.push({
            subscription_id: monitor.id,
            from_state: transition.from,
            to_state: transition.to,
            slot_time: row.time,
            check: { ...results.eventCheck(row), since: since.toISOString() },
            row,
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
  });
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
