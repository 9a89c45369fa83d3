import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// The number a check measured, beside its status, for checks that compare with their own
// history: a balance in whole units (its burn rate), a block height (is it advancing), a
// contract value (has it changed). Nullable, with no default, so adding them rewrites
// nothing: not the partitions, not TimescaleDB's compressed chunks.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE check_history
      ADD COLUMN value      double precision,
      ADD COLUMN value_text text`.execute(db);
  await sql`
    COMMENT ON COLUMN check_history.value IS
      'the number a check measured: a balance in whole units, a block height, a contract value'`.execute(
    db,
  );
  await sql`
    COMMENT ON COLUMN check_history.value_text IS
      'the exact reading where a double cannot hold it: a contract call''s decoded result as text'`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE check_history
      DROP COLUMN IF EXISTS value_text,
      DROP COLUMN IF EXISTS value`.execute(db);
}
