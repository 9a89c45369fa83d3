import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { CheckersTable } from '../schema';
import type { Selectable } from 'kysely';

export type CheckerRow = Selectable<CheckersTable>;

export interface CheckerBeat {
  name: string;
  host: string;
  version: string;
  region: string | null;
  startedAt: Date;
  checksTotal: number;
  errorsTotal: number;
  checksPerSecond: number;
  /** how often it beats */
  heartbeatMs: number;
}

/** A checker is live while it has missed fewer than three beats (and at least 30 s). */
export function isLive(
  row: Pick<CheckerRow, 'last_seen_at' | 'heartbeat_ms'>,
  now: number,
): boolean {
  return now - row.last_seen_at.getTime() < Math.max(30_000, 3 * row.heartbeat_ms);
}

/** A checker says it is alive, with what it has done since it started. */
export async function beat(db: Executor, beat: CheckerBeat): Promise<void> {
  await db
    .insertInto('checkers')
    .values({
      name: beat.name,
      host: beat.host,
      version: beat.version,
      region: beat.region,
      started_at: beat.startedAt,
      last_seen_at: sql<Date>`now()`,
      checks_total: beat.checksTotal,
      errors_total: beat.errorsTotal,
      checks_per_second: beat.checksPerSecond,
      heartbeat_ms: beat.heartbeatMs,
    })
    .onConflict((oc) =>
      oc.column('name').doUpdateSet((eb) => ({
        host: eb.ref('excluded.host'),
        version: eb.ref('excluded.version'),
        region: eb.ref('excluded.region'),
        started_at: eb.ref('excluded.started_at'),
        last_seen_at: eb.ref('excluded.last_seen_at'),
        checks_total: eb.ref('excluded.checks_total'),
        errors_total: eb.ref('excluded.errors_total'),
        checks_per_second: eb.ref('excluded.checks_per_second'),
        heartbeat_ms: eb.ref('excluded.heartbeat_ms'),
      })),
    )
    .execute();
}

/** Every checker seen within `days`, the most recently seen first. */
export async function listCheckers(db: Executor, days = 7): Promise<CheckerRow[]> {
  return db
    .selectFrom('checkers')
    .selectAll()
    .where('last_seen_at', '>', sql<Date>`now() - make_interval(days => ${days})`)
    .orderBy('last_seen_at', 'desc')
    .orderBy('name')
    .execute();
}

/** Forgets checkers not seen for `days`: names of stopped processes do not pile up. */
export async function forgetCheckers(db: Executor, days: number): Promise<number> {
  const result = await db
    .deleteFrom('checkers')
    .where('last_seen_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A region as the operator sees it: its checkers, and whether it went dark. */
export interface RegionStatus {
  region: string;
  /** checkers heard from within the last week */
  checkers: number;
  /** checkers that beat lately (isLive) */
  live_checkers: number;
  /** the live checkers' checks per second, summed */
  checks_per_second: number;
  /** the newest beat of any of its checkers; null: none heard from */
  last_seen_at: Date | null;
  /** subscriptions checked from it (those that name no region count for the default one) */
  subscriptions: number;
  /** used, and no checker heard from for `darkAfterMs`: its slots are missing (never down) */
  dark: boolean;
}

/**
 * Every region that has checkers or subscriptions, by name: the default region always. A
 * region none of whose checkers was heard from for `darkAfterMs` is dark; one never heard
 * from is dark once `darkAfterMs` has passed since `watchingSince` (a scheduler's start).
 *
 * With `named: true` (the scheduler's watch, every few seconds) only the subscriptions that name
 * their regions are counted, through the subscriptions_named_regions index: the default
 * region's count is left at 0, and it is always watched. Counting every subscription reads the
 * whole table, which the console may do on a visit but a loop must not.
 */
export async function regionStatus(
  db: Executor,
  options: { defaultRegion: string; darkAfterMs: number; watchingSince?: Date; named?: boolean },
): Promise<RegionStatus[]> {
  // one after another: a scheduler's pool is small, and its enqueue round must not wait for it
  const rows = await listCheckers(db);
  const used = options.named
    ? await sql<{ region: string; n: number }>`
        SELECT r AS region, count(*)::integer AS n
          FROM subscriptions s, unnest(s.regions) AS r
         WHERE s.regions IS NOT NULL AND s.deleted_at IS NULL
         GROUP BY r`.execute(db)
    : await sql<{ region: string; n: number }>`
        SELECT r AS region, count(*)::integer AS n
          FROM subscriptions s,
               unnest(coalesce(s.regions, ARRAY[${options.defaultRegion}]::text[])) AS r
         WHERE s.deleted_at IS NULL
         GROUP BY r`.execute(db);
  const clock = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  const now = clock.rows[0]!.now.getTime();
  const regions = new Map<string, RegionStatus>();
  const entry = (region: string): RegionStatus => {
    let status = regions.get(region);
    if (status === undefined) {
      status = {
        region,
        checkers: 0,
        live_checkers: 0,
        checks_per_second: 0,
        last_seen_at: null,
        subscriptions: 0,
        dark: false,
      };
      regions.set(region, status);
    }
    return status;
  };
  entry(options.defaultRegion);
  for (const row of rows) {
    const status = entry(row.region ?? 'local');
    status.checkers += 1;
    // live, and not silent for darkAfterMs (shorter than isLive's 30 s in tests)
    if (isLive(row, now) && now - row.last_seen_at.getTime() < options.darkAfterMs) {
      status.live_checkers += 1;
      status.checks_per_second += row.checks_per_second;
    }
    if (status.last_seen_at === null || row.last_seen_at > status.last_seen_at) {
      status.last_seen_at = row.last_seen_at;
    }
  }
  for (const { region, n } of used.rows) entry(region).subscriptions = n;
  const since = options.watchingSince?.getTime() ?? Number.NEGATIVE_INFINITY;
  for (const status of regions.values()) {
    const heard = Math.max(status.last_seen_at?.getTime() ?? Number.NEGATIVE_INFINITY, since);
    // a region nothing is checked from (a retired one) is idle, not dark
    const used = status.subscriptions > 0 || status.region === options.defaultRegion;
    status.dark = used && now - heard >= options.darkAfterMs;
    status.checks_per_second = Math.round(status.checks_per_second * 100) / 100;
  }
  return [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
}

/** A region some checker beat from within the window: what GET /v1/regions lists. */
export interface LiveRegion {
  region: string;
  /** checkers that beat lately (isLive) */
  live_checkers: number;
  checks_per_second: number;
  last_seen_at: Date;
}

/**
 * The regions with a checker heard from within `withinMs` (not dark), by name. Reads the
 * checkers table only: cheap enough for every subscription that chooses regions.
 */
export async function liveRegions(db: Executor, withinMs: number): Promise<LiveRegion[]> {
  const rows = await db
    .selectFrom('checkers')
    .selectAll()
    .select(sql<Date>`now()`.as('now'))
    .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${withinMs / 1000})`)
    .execute();
  const regions = new Map<string, LiveRegion>();
  for (const row of rows) {
    const name = row.region ?? 'local';
    const region = regions.get(name) ?? {
      region: name,
      live_checkers: 0,
      checks_per_second: 0,
      last_seen_at: row.last_seen_at,
    };
    if (isLive(row, row.now.getTime())) {
      region.live_checkers += 1;
      region.checks_per_second =
        Math.round((region.checks_per_second + row.checks_per_second) * 100) / 100;
    }
    if (row.last_seen_at > region.last_seen_at) region.last_seen_at = row.last_seen_at;
    regions.set(name, region);
  }
  return [...regions.values()].sort((a, b) => a.region.localeCompare(b.region));
}
