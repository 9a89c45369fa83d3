import { isAlertable, slotOffsetMs, type MonitorState } from '@lighthouse/domain';
import type { Cluster } from './cluster';

// DESIGN invariants 1–4, checked on what the database holds and what the sinks accepted,
// for one scenario's stretch of time. Everything is read in one REPEATABLE READ snapshot.

export interface Window {
  /** the stretch checked: events (and API calls) from here … */
  from: number;
  /** … to here */
  until: number;
  /** slots from here to here: by the end every subscription had been checked again */
  slotsFrom: number;
  slotsUntil: number;
  /** when the fault began and when it was over (the service back, the dependency reachable) */
  faultStart: number;
  faultEnd: number;
  /** how long after `faultEnd` a slot may still be missing: one interval plus this */
  retryMs: number;
  /**
   * when, after the fault, every subscription had a slot decided within the last interval and
   * a little: the backlog worked off. Until then results may land out of order (each checker
   * works off its own part of the backlog) and a late one is ignored; after it, none may be.
   */
  caughtUpAt: number;
  /** whether a crash between a send and its record may repeat that send (DESIGN invariant 3) */
  repeatsAllowed: boolean;
  /** what the API may answer inside the fault: nothing (refused), or 503 naming a dependency */
  apiDown?: 'refused' | 'dependency';
}

export interface Measured {
  slots: number;
  slotsLost: number;
  /** rows of one region of a regional subscription's slots missing in the fault */
  regionSlotsLost: number;
  /** results recorded after a newer slot's, which (invariant 2) did not move the state */
  lateIgnored: number;
  duplicateRows: number;
  /** rows probed more than an interval after their slot, and the longest such wait, ms */
  checkedLate: number;
  maxLagMs: number;
  /** longest time without a row for any subscription, ms */
  maxGapMs: number;
  /** from the fault's end to the first slot checked after it, for the slowest subscription */
  resumedWithinMs: number;
  /** from the fault's end to the first probe that started after it, for the slowest subscription */
  probedAgainWithinMs: number;
  /** from the fault's end until every subscription was checked on time again (Window.caughtUpAt) */
  caughtUpWithinMs: number;
  events: number;
  alertsChecked: number;
  duplicateSends: number;
  /** state event → accepted by the sink, for events raised during the fault and its recovery */
  alertDelayMs: { p50: number; max: number; count: number };
  api: { calls: number; errors5xx: number; clear503: number; unanswered: number };
}

interface Row {
  subscription_id: string;
  t: number;
  /** when its probe started: the slot plus its schedule lag */
  probed: number;
  status: string;
  region: string;
}
interface Event {
  id: string;
  subscription_id: string;
  from_state: MonitorState;
  to_state: MonitorState;
  slot: number;
  created: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export async function checkInvariants(
  cluster: Cluster,
  w: Window,
): Promise<{ measured: Measured; violations: string[] }> {
  const { pg, load } = cluster;
  const interval = load.intervalSeconds * 1000;
  const violations: string[] = [];
  const say = (v: string) => {
    if (violations.length < 40) violations.push(v);
  };

  await pg.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  let rows: Row[], events: Event[], states: Map<string, string>, duplicateRows: number;
  let lag: { late: string; max: number | null };
  try {
    rows = (
      await pg.query<Row>(
        `SELECT subscription_id, (extract(epoch FROM time) * 1000)::float8 AS t,
                (extract(epoch FROM time) * 1000 + coalesce(schedule_lag_ms, 0))::float8 AS probed,
                status::text, region
           FROM check_history WHERE time >= $1 ORDER BY subscription_id, time, region`,
        [new Date(w.slotsFrom - 2 * interval)],
      )
    ).rows;
    events = (
      await pg.query<Event>(
        `SELECT id, subscription_id, from_state::text, to_state::text,
                (extract(epoch FROM slot_time) * 1000)::float8 AS slot,
                (extract(epoch FROM created_at) * 1000)::float8 AS created
           FROM state_events WHERE kind = 'transition' ORDER BY subscription_id, slot_time`,
      )
    ).rows;
    // the newest row of each subscription, however old, next to its state
    const last = await pg.query<{ id: string; state: string; status: string | null }>(
      `SELECT s.id, s.state::text, h.status::text
         FROM subscriptions s
         LEFT JOIN LATERAL (SELECT status FROM check_history
                             WHERE subscription_id = s.id ORDER BY time DESC LIMIT 1) h ON true`,
    );
    states = new Map(last.rows.map((r) => [r.id, r.state]));
    for (const r of last.rows)
      if (r.status !== null && r.status !== r.state)
        say(`subscription ${r.id} is ${r.state} but its newest slot says ${r.status}`);
    lag = (
      await pg.query<{ late: string; max: number | null }>(
        `SELECT count(*) FILTER (WHERE schedule_lag_ms > $3) AS late, max(schedule_lag_ms) AS max
           FROM check_history WHERE time >= $1 AND time <= $2`,
        [new Date(w.slotsFrom), new Date(w.slotsUntil), interval],
      )
    ).rows[0]!;
    duplicateRows = Number(
      (
        await pg.query<{ n: string }>(
          `SELECT count(*) AS n FROM (SELECT 1 FROM check_history
             GROUP BY subscription_id, time, region HAVING count(*) > 1) d`,
        )
      ).rows[0]!.n,
    );
  } finally {
    await pg.query('COMMIT');
  }
  if (duplicateRows > 0) say(`${duplicateRows} slots have more than one row in a region`);

  const lossFrom = w.faultStart - interval;
  const lossUntil = w.faultEnd + interval + w.retryMs;
  const inFault = (t: number) => t >= lossFrom && t <= lossUntil;
  // results of the backlog may land out of order until it is worked off
  const inRecovery = (t: number) => t >= lossFrom && t <= Math.max(lossUntil, w.caughtUpAt);
  const { slotsFrom, slotsUntil } = w;

  const rowsOf = new Map<string, Row[]>();
  for (const r of rows) {
    const list = rowsOf.get(r.subscription_id) ?? [];
    list.push(r);
    rowsOf.set(r.subscription_id, list);
  }
  const eventsOf = new Map<string, Event[]>();
  for (const e of events) {
    const list = eventsOf.get(e.subscription_id) ?? [];
    list.push(e);
    eventsOf.set(e.subscription_id, list);
  }

  let slots = 0;
  let slotsLost = 0;
  let regionSlotsLost = 0;
  let lateIgnored = 0;
  let maxGapMs = 0;
  let resumedWithinMs = 0;
  let probedAgainWithinMs = 0;
  const regions = new Map(cluster.subscriptions.map((s) => [s.id, s.regions]));
  for (const { id } of cluster.subscriptions) {
    const mine = rowsOf.get(id) ?? [];
    const have = new Set(mine.map((r) => r.t));
    // invariant 4: every slot on the subscription's grid has a row, but in the fault
    const offset = slotOffsetMs(id, interval);
    const first = offset + Math.ceil((slotsFrom - offset) / interval) * interval;
    for (let t = first; t <= slotsUntil; t += interval) {
      slots += 1;
      if (have.has(t)) continue;
      if (inFault(t)) slotsLost += 1;
      else say(`subscription ${id} has no row for slot ${new Date(t).toISOString()}`);
    }
    // a subscription checked from several regions has a row from each of them, but in the
    // fault (where a region that was the fault may miss them all)
    for (const region of regions.get(id) ?? ['local']) {
      const seen = new Set(mine.filter((r) => r.region === region).map((r) => r.t));
      for (let t = first; t <= slotsUntil; t += interval) {
        if (seen.has(t) || !have.has(t)) continue;
        if (inFault(t)) regionSlotsLost += 1;
        else say(`subscription ${id} has no ${region} row for slot ${new Date(t).toISOString()}`);
      }
    }
    // checked again within one interval plus the retry time (invariant 4)
    const next = mine.find((r) => r.t >= w.faultEnd);
    if (!next) say(`subscription ${id} was not checked after the fault`);
    else resumedWithinMs = Math.max(resumedWithinMs, next.t - w.faultEnd);
    const probes = mine.map((r) => r.probed).filter((p) => p >= w.faultEnd);
    if (probes.length > 0)
      probedAgainWithinMs = Math.max(probedAgainWithinMs, Math.min(...probes) - w.faultEnd);
    const inWindow = mine.filter((r) => r.t >= slotsFrom && r.t <= slotsUntil);
    for (let k = 1; k < inWindow.length; k += 1)
      maxGapMs = Math.max(maxGapMs, inWindow[k]!.t - inWindow[k - 1]!.t);

    // invariants 2 and 3: the transitions form one chain that ends in the state, each
    // justified by its slot's row; a row that disagrees with the chain is a late result
    const chain = eventsOf.get(id) ?? [];
    chain.forEach((e, k) => {
      const before = k === 0 ? 'unknown' : chain[k - 1]!.to_state;
      if (e.from_state !== before || e.to_state === e.from_state)
        say(`subscription ${id}: event ${e.id} ${e.from_state}→${e.to_state} follows ${before}`);
      if (k > 0 && e.slot <= chain[k - 1]!.slot) say(`subscription ${id}: two events at one slot`);
    });
    const byTime = new Map(mine.map((r) => [r.t, r.status]));
    for (const e of chain)
      if (e.slot >= slotsFrom - 2 * interval && byTime.get(e.slot) !== e.to_state)
        say(`subscription ${id}: event ${e.id} to ${e.to_state} has no ${e.to_state} row`);
    const state = states.get(id);
    const end = chain.length > 0 ? chain[chain.length - 1]!.to_state : 'unknown';
    if (state !== end) say(`subscription ${id} is ${state} but its events end in ${end}`);
    let k = -1;
    for (const r of mine) {
      while (k + 1 < chain.length && chain[k + 1]!.slot <= r.t) k += 1;
      const implied = k >= 0 ? chain[k]!.to_state : 'unknown';
      if (r.t < slotsFrom || r.status === implied) continue;
      if (inRecovery(r.t)) lateIgnored += 1;
      else
        say(
          `subscription ${id}: slot ${new Date(r.t).toISOString()} says ${r.status} but no event moved it from ${implied}`,
        );
    }
  }

  // invariant 3: every alertable transition reached both channels, repeats only after a crash
  const acks = new Map<string, number[]>();
  for (const a of cluster.sink.acks) {
    const key = `${a.eventId}/${a.channel}`;
    acks.set(key, [...(acks.get(key) ?? []), a.at]);
  }
  let alertsChecked = 0;
  let duplicateSends = 0;
  const delays: number[] = [];
  for (const e of events) {
    if (e.created < w.from || e.created > w.until) continue;
    if (!isAlertable({ from: e.from_state, to: e.to_state })) continue;
    alertsChecked += 1;
    let firstAt = 0;
    for (const channel of ['a', 'b'] as const) {
      const got = acks.get(`${e.id}/${channel}`) ?? [];
      if (got.length === 0)
        say(`event ${e.id} (${e.from_state}→${e.to_state}) never reached ${channel}`);
      if (got.length > 1) duplicateSends += got.length - 1;
      firstAt = Math.max(firstAt, got[0] ?? 0);
    }
    if (firstAt > 0 && e.created >= w.faultStart && e.created <= lossUntil)
      delays.push(firstAt - e.created);
  }
  if (resumedWithinMs > interval + w.retryMs)
    say(`a subscription was first checked ${resumedWithinMs} ms after the fault ended`);
  if (duplicateSends > 0 && !w.repeatsAllowed)
    say(`${duplicateSends} alerts were sent twice to one channel without a crash`);
  delays.sort((a, b) => a - b);

  // the API: no 5xx but clear 503s while a dependency is away; unanswered only while it is down
  let errors5xx = 0;
  let clear503 = 0;
  let unanswered = 0;
  let calls = 0;
  for (const c of cluster.api.calls) {
    if (c.at < w.from || c.at > w.until) continue;
    calls += 1;
    const during = c.at >= w.faultStart - 1_000 && c.at <= w.faultEnd + 5_000;
    if (c.status === 0) {
      unanswered += 1;
      if (!(during && w.apiDown === 'refused'))
        say(`${c.method} ${c.path} got no answer (${c.error}) at ${new Date(c.at).toISOString()}`);
    } else if (c.status === 503 && (c.path === '/health' || c.code === 'dependency_unavailable')) {
      clear503 += 1;
      if (!(during && w.apiDown === 'dependency'))
        say(`${c.method} ${c.path} answered 503 outside a dependency outage`);
    } else if (c.status >= 500) {
      errors5xx += 1;
      say(`${c.method} ${c.path} answered ${c.status} ${c.code ?? ''}`);
    }
  }

  return {
    measured: {
      slots,
      slotsLost,
      regionSlotsLost,
      lateIgnored,
      duplicateRows,
      checkedLate: Number(lag.late),
      maxLagMs: lag.max ?? 0,
      maxGapMs,
      resumedWithinMs,
      probedAgainWithinMs,
      caughtUpWithinMs: Math.max(0, w.caughtUpAt - w.faultEnd),
      events: events.filter((e) => e.created >= w.from && e.created <= w.until).length,
      alertsChecked,
      duplicateSends,
      alertDelayMs: { p50: percentile(delays, 0.5), max: delays.at(-1) ?? 0, count: delays.length },
      api: { calls, errors5xx, clear503, unanswered },
    },
    violations,
  };
}
