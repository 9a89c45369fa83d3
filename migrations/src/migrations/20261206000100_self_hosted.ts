import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Self-hosted mode and the operator console: the instance's owner (an account made at the
// first start, signed in with one-time links rather than a wallet), wallets linked to an
// account, the checkers' heartbeats, and retries that confirm a failure (or a recovery)
// after retry_interval_seconds instead of the next slot.

export async function up(db: Kysely<any>): Promise<void> {
  // one row at most: the account that owns a self-hosted instance
  await sql`
    CREATE TABLE instance_owner (
      singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      user_address text NOT NULL REFERENCES users (wallet_address),
      created_at   timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  // one-time sign-in links; only the token's hash is kept
  await sql`
    CREATE TABLE sign_in_links (
      token_hash   bytea PRIMARY KEY,
      user_address text NOT NULL REFERENCES users (wallet_address) ON DELETE CASCADE,
      created_at   timestamptz NOT NULL DEFAULT now(),
      expires_at   timestamptz NOT NULL,
      used_at      timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sign_in_links_user ON sign_in_links (user_address)`.execute(db);

  // a wallet that signs in to another account (the owner's wallet on a self-hosted instance)
  await sql`
    CREATE TABLE user_wallets (
      wallet_address text PRIMARY KEY CHECK (wallet_address ~ '^0x[0-9a-f]{40}$'),
      user_address   text NOT NULL REFERENCES users (wallet_address) ON DELETE CASCADE,
      created_at     timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX user_wallets_user ON user_wallets (user_address)`.execute(db);

  // what each checker process last said of itself
  await sql`
    CREATE TABLE checkers (
      name              text PRIMARY KEY,
      host              text NOT NULL,
      version           text NOT NULL,
      region            text,
      started_at        timestamptz NOT NULL,
      last_seen_at      timestamptz NOT NULL,
      checks_total      bigint NOT NULL DEFAULT 0,
      errors_total      bigint NOT NULL DEFAULT 0,
      checks_per_second double precision NOT NULL DEFAULT 0,
      -- how often it beats: it is gone once three beats are missed
      heartbeat_ms      integer NOT NULL DEFAULT 10000
    )`.execute(db);

  await sql`
    ALTER TABLE subscriptions
      ADD COLUMN retry_interval_seconds integer NOT NULL DEFAULT 20
        CHECK (retry_interval_seconds BETWEEN 5 AND 3600),
      -- the slot of the first result of the current run of failures (or successes)
      ADD COLUMN streak_since timestamptz,
      -- next_check_at is a confirmation check (a retry), not a slot of the grid
      ADD COLUMN confirming boolean NOT NULL DEFAULT false`.execute(db);
  // A confirmation check (a retry after a failure) is stored, and moves the state, but is no
  // slot of the schedule: rollups do not count it, so coverage stays checked out of due.
  // Nullable, no default: adding it rewrites nothing.
  await sql`ALTER TABLE check_history ADD COLUMN confirmation boolean`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE check_history DROP COLUMN IF EXISTS confirmation`.execute(db);
  await sql`
    ALTER TABLE subscriptions
      DROP COLUMN IF EXISTS confirming,
      DROP COLUMN IF EXISTS streak_since,
      DROP COLUMN IF EXISTS retry_interval_seconds`.execute(db);
  await sql`DROP TABLE IF EXISTS checkers`.execute(db);
  await sql`DROP TABLE IF EXISTS user_wallets`.execute(db);
  await sql`DROP TABLE IF EXISTS sign_in_links`.execute(db);
  await sql`DROP TABLE IF EXISTS instance_owner`.execute(db);
}
