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
