import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE users (
      wallet_address      text PRIMARY KEY CHECK (wallet_address ~ '^0x[0-9a-f]{40}$'),
      email               text,
      language_preference text NOT NULL DEFAULT 'en',
      created_at          timestamptz NOT NULL DEFAULT now(),
      total_spent_usdc    numeric(20, 6) NOT NULL DEFAULT 0
    )`.execute(db);

  await sql`
    CREATE TABLE auth_nonces (
      nonce      text PRIMARY KEY,
      created_at timestamptz NOT NULL DEFAULT now(),
      used_at    timestamptz
    )`.execute(db);
  await sql`CREATE INDEX auth_nonces_created_at ON auth_nonces (created_at)`.execute(db);

  await sql`
    CREATE TABLE sessions (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_address text NOT NULL REFERENCES users (wallet_address) ON DELETE CASCADE,
      token_hash   bytea NOT NULL UNIQUE,
      created_at   timestamptz NOT NULL DEFAULT now(),
      expires_at   timestamptz NOT NULL,
      revoked_at   timestamptz
    )`.execute(db);
  await sql`CREATE INDEX sessions_user_address ON sessions (user_address)`.execute(db);

  await sql`
    CREATE TABLE api_keys (
      id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_address text NOT NULL REFERENCES users (wallet_address) ON DELETE CASCADE,
      name         text NOT NULL,
      prefix       text NOT NULL,
      key_hash     bytea NOT NULL UNIQUE,
      created_at   timestamptz NOT NULL DEFAULT now(),
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX api_keys_user_address ON api_keys (user_address, created_at DESC)`.execute(
    db,
  );

  await sql`CREATE TYPE monitor_state AS ENUM ('unknown', 'up', 'down', 'degraded')`.execute(db);
  await sql`CREATE TYPE check_status AS ENUM ('up', 'down', 'degraded')`.execute(db);

  await sql`
    CREATE TABLE subscriptions (
      id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_address            text NOT NULL REFERENCES users (wallet_address),
      name                    text NOT NULL,
      target_type             text NOT NULL,
      -- what the API may show: secrets masked
      target_config           jsonb NOT NULL,
      -- the full target config, AES-256-GCM sealed
      target_secret           text NOT NULL,
      tier                    text NOT NULL,
      check_frequency_seconds integer NOT NULL CHECK (check_frequency_seconds > 0),
      -- [{id, type, language, config (masked), secret (sealed config)}]
      alert_channels          jsonb NOT NULL DEFAULT '[]',
      failure_threshold       integer NOT NULL DEFAULT 2 CHECK (failure_threshold BETWEEN 1 AND 100),
      recovery_threshold      integer NOT NULL DEFAULT 1 CHECK (recovery_threshold BETWEEN 1 AND 100),
      state                   monitor_state NOT NULL DEFAULT 'unknown',
      state_changed_at        timestamptz,
      consecutive_failures    integer NOT NULL DEFAULT 0,
      consecutive_successes   integer NOT NULL DEFAULT 0,
      -- the newest slot whose result was applied to the state
      last_scheduled_at       timestamptz,
      last_check_at           timestamptz,
      next_check_at           timestamptz NOT NULL,
      active                  boolean NOT NULL DEFAULT true,
      expires_at              timestamptz,
      payment_tx              text,
      payment_chain           text,
      created_at              timestamptz NOT NULL DEFAULT now(),
      updated_at              timestamptz NOT NULL DEFAULT now(),
      deleted_at              timestamptz
    )`.execute(db);
  await sql`
    CREATE INDEX subscriptions_due ON subscriptions (next_check_at)
      WHERE active AND deleted_at IS NULL`.execute(db);
  await sql`
    CREATE INDEX subscriptions_owner ON subscriptions (user_address, created_at DESC, id DESC)
      WHERE deleted_at IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS subscriptions`.execute(db);
  await sql`DROP TYPE IF EXISTS check_status`.execute(db);
  await sql`DROP TYPE IF EXISTS monitor_state`.execute(db);
  await sql`DROP TABLE IF EXISTS api_keys`.execute(db);
  await sql`DROP TABLE IF EXISTS sessions`.execute(db);
  await sql`DROP TABLE IF EXISTS auth_nonces`.execute(db);
  await sql`DROP TABLE IF EXISTS users`.execute(db);
}
