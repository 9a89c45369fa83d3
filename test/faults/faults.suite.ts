import { isAlertable, type MonitorState } from '@lighthouse/domain';
import { Redis } from 'ioredis';
import { EU, EU_CHECKER, sleep, startCluster, type Cluster } from './cluster';
import { checkInvariants, type Measured, type Window } from './invariants';
import { writeReport, type Outcome } from './report';

// The fault suite (`pnpm test:faults`): Lighthouse under load while its own parts fail, one
// fault at a time, each followed by a check of DESIGN invariants 1–4 over its stretch of time.

// 2,000 checks every interval: 1,800 subscriptions, of which 200 are checked from two regions
const LOAD = {
  subscriptions: 1_800,
  flippers: 100,
  intervalSeconds: 5,
  flipHalfPeriodMs: 30_000,
  regional: 200,
};
const INTERVAL = LOAD.intervalSeconds * 1000;
/** the checkers' and alerters' lock in this suite: a killed worker's jobs run again after it */
const LOCK_MS = 10_000 + 5_000;

/** each service's default SHUTDOWN_TIMEOUT_MS */
const SHUTDOWN_TIMEOUT_MS = { api: 10_000, scheduler: 10_000, checker: 15_000, alerter: 15_000 };

let cluster: Cluster;
const outcomes: Outcome[] = [];
/** where the next scenario's stretch begins: events, and slots */
let windowStart = 0;
let slotsStart = 0;

beforeAll(async () => {
  cluster = await startCluster(LOAD);
  // warm up: every subscription checked, the first alerts out
  windowStart = Date.now();
  slotsStart = windowStart + INTERVAL;
  await settle(slotsStart, 60_000);
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
  if (outcomes.length > 0) writeReport(outcomes, LOAD);
}, 60_000);

/**
 * Waits until every subscription has a row for a slot at or after `checkedSince`, and every
 * alertable event raised by then reached both sinks; returns that moment (or gives up and
 * returns it anyway, for the invariants to name what is missing).
 */
async function settle(checkedSince: number, timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const until = Date.now() - 2_000;
    const unchecked = await cluster.pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM subscriptions s WHERE NOT EXISTS
         (SELECT 1 FROM check_history h WHERE h.subscription_id = s.id AND h.time >= $1)`,
      [new Date(checkedSince)],
    );
    const events = await cluster.pg.query<{
      id: string;
      from_state: MonitorState;
      to_state: MonitorState;
    }>(
      `SELECT id, from_state::text, to_state::text FROM state_events
        WHERE kind = 'transition' AND created_at >= $1 AND created_at <= $2`,
      [new Date(windowStart), new Date(until)],
    );
    const acked = new Set(cluster.sink.acks.map((a) => `${a.eventId}/${a.channel}`));
    const waiting = events.rows.filter(
      (e) =>
        isAlertable({ from: e.from_state, to: e.to_state }) &&
        !(acked.has(`${e.id}/a`) && acked.has(`${e.id}/b`)),
    ).length;
    if ((Number(unchecked.rows[0]!.n) === 0 && waiting === 0) || Date.now() > end) return until;
    await sleep(1_000);
  }
}

/** how far behind its slots a subscription may be when the checks have caught up: an interval and 3 s */
const CAUGHT_UP_MS = INTERVAL + 3_000;

/**
 * Waits until every active subscription has had a slot decided within CAUGHT_UP_MS, twice in a
 * row: the backlog a fault left is worked off. Returns that moment, or Infinity if it did not
 * come within `timeoutMs` (a violation).
 */
async function caughtUp(timeoutMs: number): Promise<number> {
  const end = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < end) {
    const behind = await cluster.pg.query<{ n: string }>(
      `SELECT count(*) AS n FROM subscriptions
        WHERE active AND deleted_at IS NULL
          AND (last_scheduled_at IS NULL OR last_scheduled_at < now() - make_interval(secs => $1))`,
      [CAUGHT_UP_MS / 1000],
    );
    streak = Number(behind.rows[0]!.n) === 0 ? streak + 1 : 0;
    if (streak === 2) return Date.now();
    await sleep(500);
  }
  return Number.POSITIVE_INFINITY;
}

interface Scenario {
  fault: string;
  userSees: string;
  window: Omit<
    Window,
    'from' | 'until' | 'slotsFrom' | 'slotsUntil' | 'faultStart' | 'faultEnd' | 'caughtUpAt'
  >;
  /** the fault; resolves when it is over (the process back, the dependency reachable) */
  run(): Promise<void>;
  /** extra time after the fault for work that waits out a lock */
  settleAfterMs?: number;
  settleTimeoutMs?: number;
}

async function runScenario(s: Scenario): Promise<Measured> {
  const from = windowStart;
  const faultStart = Date.now();
  await s.run();
  const faultEnd = Date.now();
  // counted from the fault's end, while any wait for a lock runs
  const caught = caughtUp(120_000);
  if (s.settleAfterMs) await sleep(s.settleAfterMs);
  const caughtUpAt = await caught;
  // every slot before this one is due a row once each subscription has one after it; the next
  // scenario's slots begin here, with the backlog of this one's fault worked off
  const slotsUntil = Math.max(faultEnd + INTERVAL, Date.now());
  const until = await settle(slotsUntil, s.settleTimeoutMs ?? 90_000);
  const { measured, violations } = await checkInvariants(cluster, {
    ...s.window,
    from,
    until,
    slotsFrom: slotsStart,
    slotsUntil,
    faultStart,
    faultEnd,
    caughtUpAt,
  });
  if (caughtUpAt === Number.POSITIVE_INFINITY)
    violations.push('the checks did not catch up within 120 s of the fault');
  // nothing crashed on its own: every process the suite did not stop still runs
  for (const m of cluster.services.values())
    if (m.process.child.exitCode !== null || m.process.child.signalCode !== null)
      violations.push(
        `${m.name} exited (${m.process.child.exitCode ?? m.process.child.signalCode}):\n${m.process.output().slice(-3000)}`,
      );
  windowStart = until;
  slotsStart = slotsUntil;
  outcomes.push({
    fault: s.fault,
    userSees: s.userSees,
    faultMs: faultEnd - faultStart,
    measured,
    violations,
  });
  process.stdout.write(
    `fault suite: ${s.fault}: ${JSON.stringify(measured)}${violations.length ? `\n  ${violations.join('\n  ')}` : ''}\n`,
  );
  expect(violations).toEqual([]);
  return measured;
}

const restartAfter = (name: string, ms: number) => async () => {
  await cluster.kill(name);
  await sleep(ms);
  await cluster.start(name);
};

it('keeps its invariants under steady load (the baseline)', async () => {
  await sleep(10_000);
  await runScenario({
    fault: 'none (steady load)',
    userSees: 'every slot checked, every alert delivered once',
    window: { retryMs: 0, repeatsAllowed: false },
    run: async () => {},
  });
}, 120_000);

it('survives SIGKILL of a checker under load', async () => {
  await runScenario({
    fault: 'SIGKILL of a checker (restarted after 3 s)',
    userSees:
      'nothing lost: the other checkers go on; its slots in flight run again once their lock lapses',
    window: { retryMs: LOCK_MS, repeatsAllowed: false },
    run: restartAfter('checker-1', 3_000),
    settleAfterMs: LOCK_MS,
  });
}, 180_000);

it("keeps a dark region's slots missing, never down, while its only checker is gone", async () => {
  const measured = await runScenario({
    fault: `SIGKILL of the ${EU} region's only checker, started again after 35 s`,
    userSees: `${EU} goes dark (a warning, lighthouse_region_dark): its slots are missing, nothing is down or alerted; once back, it is checked again within an interval`,
    window: { retryMs: LOCK_MS, repeatsAllowed: false },
    run: restartAfter(EU_CHECKER, 35_000),
    settleAfterMs: LOCK_MS,
  });
  expect(measured.regionSlotsLost).toBeGreaterThan(0);
  const schedulers = ['scheduler-0', 'scheduler-1'].map((n) => cluster.services.get(n)!);
  const logs = schedulers.map((m) => m.process.output()).join('\n');
  expect(logs).toMatch(new RegExp(`"message":"region dark[^"]*".*"region":"${EU}"`));
  expect(logs).toMatch(new RegExp(`"message":"region back[^"]*".*"region":"${EU}"`));
}, 240_000);

it('survives SIGKILL of a scheduler under load', async () => {
  await runScenario({
    fault: 'SIGKILL of a scheduler (restarted after 3 s)',
    userSees: 'nothing: the other scheduler claims every due slot',
    window: { retryMs: 0, repeatsAllowed: false },
    run: restartAfter('scheduler-0', 3_000),
  });
}, 180_000);

it('survives SIGKILL of an alerter under load', async () => {
  await runScenario({
    fault: 'SIGKILL of an alerter (restarted after 3 s)',
    userSees:
      'every alert arrives; one in flight may arrive twice, with the same event id; some late by the lock',
    window: { retryMs: 0, repeatsAllowed: true },
    run: restartAfter('alerter-0', 3_000),
    settleAfterMs: LOCK_MS,
  });
}, 180_000);

it('survives SIGKILL of the API under load', async () => {
  await runScenario({
    fault: 'SIGKILL of the API (restarted after 3 s)',
    userSees: 'the API refuses connections until it is back; checks and alerts go on',
    window: { retryMs: 0, repeatsAllowed: false, apiDown: 'refused' },
    run: restartAfter('api', 3_000),
  });
}, 180_000);

it('survives Redis losing its data (FLUSHALL and a restart)', async () => {
  await runScenario({
    fault: 'Redis FLUSHALL, then its process restarted empty (with deliveries waiting to retry)',
    userSees:
      'slots queued at that moment are lost (at most one per subscription); alerts and deliveries queued are found again in PostgreSQL and sent within the redrive delay',
    window: { retryMs: 15_000, repeatsAllowed: true, apiDown: 'dependency' },
    run: async () => {
      // a channel failing for a moment leaves delivery jobs waiting in Redis to be retried
      cluster.setSink('a', 'fail');
      await sleep(6_000);
      const redis = new Redis(cluster.redis.url);
      await redis.flushall();
      redis.disconnect();
      await cluster.redis.restart();
      cluster.setSink('a', 'ok');
    },
    settleTimeoutMs: 120_000,
  });
  // the deliveries that were waiting in Redis came back through the scheduler's redrive
  const schedulers = ['scheduler-0', 'scheduler-1'].map((n) => cluster.services.get(n)!);
  expect(schedulers.map((m) => m.process.output()).join('\n')).toMatch(
    /"message":"jobs redriven".*"queue":"deliveries"/,
  );
}, 240_000);

it('survives PostgreSQL terminating every connection', async () => {
  await runScenario({
    fault: 'pg_terminate_backend of every Lighthouse connection',
    userSees: 'a few requests answer 503 naming the database; checks in flight run again',
    window: { retryMs: 15_000, repeatsAllowed: true, apiDown: 'dependency' },
    run: async () => {
      await cluster.pg.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
    },
  });
}, 240_000);

it('survives the database unreachable for 20 s', async () => {
  const readiness: number[] = [];
  await runScenario({
    fault: 'PostgreSQL unreachable for 20 s (connections reset, new ones refused)',
    userSees:
      'the API answers 503 naming the database; /health of every service is 503; slots of those 20 s are skipped, then checking resumes within an interval',
    window: { retryMs: 15_000, repeatsAllowed: true, apiDown: 'dependency' },
    run: async () => {
      await cluster.dbProxy.cut();
      await sleep(10_000);
      readiness.push(await cluster.health('checker-0'), await cluster.health('scheduler-0'));
      await sleep(10_000);
      await cluster.dbProxy.restore();
    },
    settleTimeoutMs: 120_000,
  });
  expect(readiness).toEqual([503, 503]);
  expect(await cluster.health('checker-0')).toBe(200);
}, 240_000);

it('delivers every alert once a channel that failed for a minute recovers', async () => {
  await runScenario({
    fault: 'one webhook answering 500 and another timing out, for 60 s',
    userSees:
      'alerts to those channels are retried with backoff and arrive once each after the channel recovers',
    window: { retryMs: 0, repeatsAllowed: false },
    run: async () => {
      cluster.setSink('a', 'fail');
      cluster.setSink('b', 'hang');
      await sleep(60_000);
      cluster.setSink('a', 'ok');
      cluster.setSink('b', 'ok');
    },
    settleTimeoutMs: 180_000,
  });
}, 360_000);

it('drains on SIGTERM under load: every service exits 0 in time, and comes back whole', async () => {
  const exits: Record<string, { code: number | null; ms: number }> = {};
  await runScenario({
    fault: 'SIGTERM to every service under load, then all started again',
    userSees:
      'each service finishes its work in flight and exits 0; after the restart every subscription is checked within an interval',
    window: { retryMs: 0, repeatsAllowed: false, apiDown: 'refused' },
    run: async () => {
      const names = [...cluster.services.keys()];
      await Promise.all(
        names.map(async (n) => {
          exits[n] = await cluster.terminate(n);
        }),
      );
      const redis = new Redis(cluster.redis.url);
      const active = await Promise.all(
        ['checks', `checks-${EU}`, 'alerts', 'deliveries'].map((q) =>
          redis.llen(`faults:${q}:active`),
        ),
      );
      redis.disconnect();
      expect(active).toEqual([0, 0, 0, 0]);
      await Promise.all(names.map((n) => cluster.start(n)));
    },
  });
  for (const [name, exit] of Object.entries(exits)) {
    expect({ name, code: exit.code }).toEqual({ name, code: 0 });
    expect(exit.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS[cluster.services.get(name)!.kind]);
  }
}, 240_000);
