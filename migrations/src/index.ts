import { Kysely, Migrator, PostgresDialect, type Migration, type MigrationResultSet } from 'kysely';
import { Pool } from 'pg';
import * as core from './migrations/20261122000100_core';
import * as checkHistory from './migrations/20261122000200_check_history';
import * as eventsAlertsPayments from './migrations/20261122000300_events_alerts_payments';
import * as scheduleChanges from './migrations/20261122000400_schedule_changes';
import * as alertRules from './migrations/20261122000500_alert_rules';
import * as timeseries from './migrations/20261122000600_timeseries';
import * as paymentsSecurity from './migrations/20261122000700_payments_security';
import * as checkValues from './migrations/20261122000800_check_values';
import * as heartbeatsCanary from './migrations/20261122000810_heartbeats_canary';
import * as redrive from './migrations/20261122000900_redrive';
import * as selfHosted from './migrations/20261206000100_self_hosted';
import * as regions from './migrations/20261206000200_regions';
import * as rollupRegions from './migrations/20261206000300_rollup_regions';
import * as records from './migrations/20261206000400_records';
import * as paidProbes from './migrations/20261206000500_paid_probes';

// Which storage engine check_history gets, decided before anything loads TimescaleDB: for the
// tests, and for tools that want to know what a fresh database would become.
export {
  decideTimescale,
  preloadedLibraries,
  timescaleProbeSql,
  type TimescaleDecision,
  type TimescaleProbe,
} from './migrations/20261122000200_check_history';

/** Every migration, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '20261122000100_core': core,
  '20261122000200_check_history': checkHistory,
  '20261122000300_events_alerts_payments': eventsAlertsPayments,
  '20261122000400_schedule_changes': scheduleChanges,
  '20261122000500_alert_rules': alertRules,
  '20261122000600_timeseries': timeseries,
  '20261122000700_payments_security': paymentsSecurity,
  '20261122000800_check_values': checkValues,
  '20261122000810_heartbeats_canary': heartbeatsCanary,
  '20261122000900_redrive': redrive,
  '20261206000100_self_hosted': selfHosted,
  '20261206000200_regions': regions,
  '20261206000300_rollup_regions': rollupRegions,
  '20261206000400_records': records,
  '20261206000500_paid_probes': paidProbes,
};

export function createMigrator(db: Kysely<any>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'lighthouse_migrations',
    migrationLockTableName: 'lighthouse_migrations_lock',
  });
}

export type Direction = 'latest' | 'down' | 'reset';

export interface MigrationOutcome {
  applied: { name: string; direction: 'Up' | 'Down' }[];
}

function unwrap(set: MigrationResultSet): MigrationOutcome {
  const applied = (set.results ?? [])
    .filter((r) => r.status === 'Success')
    .map((r) => ({ name: r.migrationName, direction: r.direction }));
  if (set.error) {
    const failed = set.results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = set.error instanceof Error ? set.error.message : JSON.stringify(set.error);
    throw new Error(`migration ${failed ?? '(setup)'} failed: ${reason}`, { cause: set.error });
  }
  return { applied };
}

/** latest: apply all pending; down: undo the newest; reset: undo all. */
export async function migrate(
  db: Kysely<any>,
  direction: Direction = 'latest',
): Promise<MigrationOutcome> {
  const migrator = createMigrator(db);
  switch (direction) {
    case 'latest':
      return unwrap(await migrator.migrateToLatest());
    case 'down':
      return unwrap(await migrator.migrateDown());
    case 'reset': {
      const applied: MigrationOutcome['applied'] = [];
      for (;;) {
        const step = unwrap(await migrator.migrateDown());
        if (step.applied.length === 0) return { applied };
        applied.push(...step.applied);
      }
    }
  }
}

export interface MigrateOptions {
  /** each NOTICE or WARNING the server sends while migrating (e.g. which engine check_history got, and why) */
  onNotice?: (message: string) => void;
}

/** Connects, migrates, disconnects. */
export async function migrateUrl(
  url: string,
  direction: Direction = 'latest',
  options: MigrateOptions = {},
): Promise<MigrationOutcome> {
  const pool = new Pool({ connectionString: url, max: 1 });
  const { onNotice } = options;
  if (onNotice) {
    pool.on('connect', (client) => {
      client.on('notice', (notice) => {
        // not DEBUG or LOG lines, which a server with a low client_min_messages also sends
        if (notice.severity === 'NOTICE' || notice.severity === 'WARNING') {
          onNotice(notice.message ?? '');
        }
      });
    });
  }
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await migrate(db, direction);
  } finally {
    await db.destroy();
  }
}
