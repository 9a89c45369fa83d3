import { results, type CheckRow, type Db } from '@lighthouse/db';
import { applyResult, type MonitorSnapshot } from '@lighthouse/domain';

export interface RecordedEvent {
  id: string;
  subscription_id: string;
  to_state: string;
}

/**
 * Writes a batch of results and everything they imply, in one transaction:
 * the rows (a slot that already has one is skipped), each subscription's state
 * (slots applied in order; older slots change nothing), a state event in the
 * outbox for every transition, and incidents opened or closed.
 */
export async function recordResults(db: Db, rows: CheckRow[]): Promise<RecordedEvent[]> {
  return db.transaction().execute(async (tx) => {
    const inserted = await results.insertCheckRows(tx, rows);
    if (inserted.length === 0) return [];
    const fresh = new Set(inserted.map((r) => `${r.subscription_id}|${r.time.getTime()}`));
    const bySubscription = new Map<string, CheckRow[]>();
    for (const row of rows) {
      if (!fresh.has(`${row.subscription_id}|${row.time.getTime()}`)) continue;
      const list = bySubscription.get(row.subscription_id) ?? [];
      list.push(row);
      bySubscription.set(row.subscription_id, list);
    }
    const monitors = await results.lockMonitors(tx, [...bySubscription.keys()]);

    const updates: results.MonitorUpdate[] = [];
    const events: (results.NewStateEvent & { row: CheckRow })[] = [];
    const checkedAt = new Date();
    for (const monitor of monitors) {
      const list = (bySubscription.get(monitor.id) ?? []).sort(
        (a, b) => a.time.getTime() - b.time.getTime(),
      );
      let snapshot: MonitorSnapshot = monitor;
      let changedAt: Date | null = null;
      for (const row of list) {
        const { next, transition, applied } = applyResult(snapshot, monitor, {
          status: row.status,
          slot: row.time,
        });
        if (!applied) continue;
        snapshot = next;
        if (transition) {
          changedAt = row.time;
          events.push({
            subscription_id: monitor.id,
            from_state: transition.from,
            to_state: transition.to,
            slot_time: row.time,
            check: {
              time: row.time.toISOString(),
              status: row.status,
              http_status: row.http_status,
              response_time_ms: row.response_time_ms,
              error: row.error_message,
              error_category: row.error_category,
            },
            row,
          });
        }
      }
      if (snapshot === monitor || !snapshot.last_scheduled_at) continue;
      updates.push({
        id: monitor.id,
        state: snapshot.state,
        consecutive_failures: snapshot.consecutive_failures,
        consecutive_successes: snapshot.consecutive_successes,
        last_scheduled_at: snapshot.last_scheduled_at,
        last_check_at: checkedAt,
        state_changed_at: changedAt,
      });
    }
    await results.updateMonitors(tx, updates);

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
          started_at: event.slot_time,
          error_category: event.row.error_category,
          error_message: event.row.error_message,
        });
      } else if (event.from_state === 'down') {
        await results.closeIncident(tx, event.subscription_id, id, event.slot_time);
      }
    }
    return recorded;
  });
}
