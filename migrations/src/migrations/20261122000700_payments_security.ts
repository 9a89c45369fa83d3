import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// x402 payments, expiry notices, scoped API keys and the audit log.

export async function up(db: Kysely<any>): Promise<void> {
  // A payment is recorded 'pending' before it is settled: the row claims the
  // authorization's nonce, so two requests carrying the same signed payment never
  // both settle. It turns 'settled' in the transaction that creates or extends the
  // subscription, or is deleted when settlement fails.
  await sql`
    ALTER TABLE payments
      ADD COLUMN status     text NOT NULL DEFAULT 'settled' CHECK (status IN ('pending', 'settled')),
      -- what was bought: a new subscription, a renewal, or a change of tier
      ADD COLUMN purpose    text NOT NULL DEFAULT 'create' CHECK (purpose IN ('create', 'renew', 'upgrade')),
      ADD COLUMN x402_version integer NOT NULL DEFAULT 2,
      ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
      ALTER COLUMN settled_at DROP NOT NULL,
      ALTER COLUMN settled_at DROP DEFAULT`.execute(db);
  await sql`CREATE INDEX payments_pending ON payments (created_at) WHERE status = 'pending'`.execute(
    db,
  );

  // 'expiring': a paid subscription's period ends soon (or has ended); raised by the
  // scheduler, delivered like any other event, never a change of state.
  await sql`ALTER TABLE state_events DROP CONSTRAINT state_events_kind_check`.execute(db);
  await sql`
    ALTER TABLE state_events ADD CONSTRAINT state_events_kind_check
      CHECK (kind IN ('transition', 'flapping', 'held', 'reminder', 'stable', 'expiring'))`.execute(
    db,
  );
  // one notice per subscription, period end and lead time (3 days, 1 day, 0 = expired)
  await sql`
    CREATE TABLE expiry_notices (
      subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      expires_at      timestamptz NOT NULL,
      days_before     integer NOT NULL CHECK (days_before >= 0),
      event_id        uuid REFERENCES state_events (id) ON DELETE SET NULL,
      created_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (subscription_id, expires_at, days_before)
    )`.execute(db);
  await sql`CREATE INDEX subscriptions_expiring ON subscriptions (expires_at) WHERE expires_at IS NOT NULL AND deleted_at IS NULL`.execute(
    db,
  );

  await sql`
    ALTER TABLE api_keys
      ADD COLUMN scope text NOT NULL DEFAULT 'read_write' CHECK (scope IN ('read', 'read_write'))`.execute(
    db,
  );

  // Append-only: who changed what, when, from where. Not tied to the rows it
  // describes by foreign keys, so deleting a subscription or key keeps its history.
  await sql`
    CREATE TABLE audit_log (
      id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      user_address  text NOT NULL,
      actor         text NOT NULL CHECK (actor IN ('session', 'api_key', 'system')),
      api_key_id    uuid,
      action        text NOT NULL,
      resource_type text NOT NULL,
      resource_id   text,
      details       jsonb NOT NULL DEFAULT '{}',
      ip            text
    )`.execute(db);
  await sql`CREATE INDEX audit_log_user ON audit_log (user_address, id DESC)`.execute(db);
  await sql`CREATE INDEX audit_log_resource ON audit_log (resource_type, resource_id, id DESC)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS audit_log`.execute(db);
  await sql`ALTER TABLE api_keys DROP COLUMN IF EXISTS scope`.execute(db);
  await sql`DROP INDEX IF EXISTS subscriptions_expiring`.execute(db);
  await sql`DROP TABLE IF EXISTS expiry_notices`.execute(db);
  await sql`DELETE FROM state_events WHERE kind = 'expiring'`.execute(db);
  await sql`ALTER TABLE state_events DROP CONSTRAINT state_events_kind_check`.execute(db);
  await sql`
    ALTER TABLE state_events ADD CONSTRAINT state_events_kind_check
      CHECK (kind IN ('transition', 'flapping', 'held', 'reminder', 'stable'))`.execute(db);
  await sql`DROP INDEX IF EXISTS payments_pending`.execute(db);
  await sql`DELETE FROM payments WHERE status = 'pending'`.execute(db);
  await sql`
    ALTER TABLE payments
      DROP COLUMN status,
      DROP COLUMN purpose,
      DROP COLUMN x402_version,
      DROP COLUMN created_at,
      ALTER COLUMN settled_at SET DEFAULT now()`.execute(db);
  await sql`UPDATE payments SET settled_at = now() WHERE settled_at IS NULL`.execute(db);
  await sql`ALTER TABLE payments ALTER COLUMN settled_at SET NOT NULL`.execute(db);
}
