import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// What the scheduler's redrive needs to find work that Redis lost: when the alerter finished
// with a state event (null: not yet, so its job may be gone), and the deliveries still pending.
// Events already in the table were dealt with before this column existed: they count as
// handled when they were raised.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE state_events ADD COLUMN handled_at timestamptz`.execute(db);
  await sql`UPDATE state_events SET handled_at = created_at`.execute(db);
  await sql`CREATE INDEX state_events_unhandled ON state_events (published_at) WHERE handled_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_at) WHERE status = 'pending'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS alert_deliveries_pending`.execute(db);
  await sql`DROP INDEX IF EXISTS state_events_unhandled`.execute(db);
  await sql`ALTER TABLE state_events DROP COLUMN IF EXISTS handled_at`.execute(db);
}
