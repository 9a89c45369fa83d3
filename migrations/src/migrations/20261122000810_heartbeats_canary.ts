import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Heartbeat (push) checks and per-step detail of canary (multi-step) checks.

export async function up(db: Kysely<any>): Promise<void> {
  // One secret push URL per heartbeat subscription. Only the SHA-256 of its token is kept
  // (the token is shown once, like an API key); rotating replaces the hash. The last ping is
  // all the checker reads: at each slot it compares it with the interval plus the grace.
  await sql`
    CREATE TABLE heartbeats (
      subscription_id  uuid PRIMARY KEY REFERENCES subscriptions (id) ON DELETE CASCADE,
      token_hash       bytea NOT NULL UNIQUE,
      created_at       timestamptz NOT NULL DEFAULT now(),
      token_rotated_at timestamptz,
      last_ping_at     timestamptz,
      last_status      text CHECK (last_status IN ('up', 'down')),
      last_message     text,
      ping_count       bigint NOT NULL DEFAULT 0,
      CHECK ((last_ping_at IS NULL) = (last_status IS NULL))
    )`.execute(db);

  // why a step failed (dns, connect, timeout, status, assertion, ...), as check_history has it
  await sql`ALTER TABLE canary_results ADD COLUMN error_category text`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE canary_results DROP COLUMN IF EXISTS error_category`.execute(db);
  await sql`DROP TABLE IF EXISTS heartbeats`.execute(db);
}
