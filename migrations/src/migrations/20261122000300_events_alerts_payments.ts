import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.

export async function up(db: Kysely<any>): Promise<void> {
  // The outbox: written in the same transaction as the check row that changed the state.
  await sql`
    CREATE TABLE state_events (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      from_state      monitor_state NOT NULL,
      to_state        monitor_state NOT NULL,
      slot_time       timestamptz NOT NULL,
      "check"         jsonb NOT NULL DEFAULT '{}',
      created_at      timestamptz NOT NULL DEFAULT now(),
      published_at    timestamptz
    )`.execute(db);
  await sql`CREATE INDEX state_events_unpublished ON state_events (created_at) WHERE published_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX state_events_subscription ON state_events (subscription_id, created_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE incidents (
      id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id  uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      opened_event_id  uuid REFERENCES state_events (id) ON DELETE SET NULL,
      closed_event_id  uuid REFERENCES state_events (id) ON DELETE SET NULL,
      started_at       timestamptz NOT NULL,
      resolved_at      timestamptz,
      error_category   text,
      error_message    text
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX incidents_one_open ON incidents (subscription_id) WHERE resolved_at IS NULL`.execute(
    db,
  );
  await sql`CREATE INDEX incidents_subscription ON incidents (subscription_id, started_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE alerts (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      event_id        uuid NOT NULL UNIQUE REFERENCES state_events (id) ON DELETE CASCADE,
      subscription_id uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      alert_type      text NOT NULL,
      severity        text NOT NULL,
      message         text NOT NULL,
      channels_sent   text[] NOT NULL DEFAULT '{}',
      delivery_status text NOT NULL DEFAULT 'pending'
                      CHECK (delivery_status IN ('pending', 'sent', 'partial', 'failed', 'suppressed')),
      retry_count     integer NOT NULL DEFAULT 0,
      language        text NOT NULL DEFAULT 'en',
      created_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX alerts_subscription ON alerts (subscription_id, created_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE alert_deliveries (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      alert_id        uuid NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
      channel_id      text NOT NULL,
      channel_type    text NOT NULL,
      status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
      attempts        integer NOT NULL DEFAULT 0,
      last_error      text,
      last_attempt_at timestamptz,
      delivered_at    timestamptz,
      created_at      timestamptz NOT NULL DEFAULT now(),
      UNIQUE (alert_id, channel_id)
    )`.execute(db);

  await sql`
    CREATE TABLE payments (
      id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_address    text NOT NULL REFERENCES users (wallet_address),
      subscription_id uuid REFERENCES subscriptions (id) ON DELETE SET NULL,
      tier            text NOT NULL,
      network         text NOT NULL,
      asset           text NOT NULL,
      pay_to          text NOT NULL,
      payer           text NOT NULL,
      amount_atomic   numeric(78, 0) NOT NULL,
      amount_usdc     numeric(20, 6) NOT NULL,
      nonce           text NOT NULL UNIQUE,
      valid_before    timestamptz,
      tx_hash         text,
      settled_via     text NOT NULL,
      period_days     integer NOT NULL,
      settled_at      timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX payments_user ON payments (user_address, settled_at DESC)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS payments`.execute(db);
  await sql`DROP TABLE IF EXISTS alert_deliveries`.execute(db);
  await sql`DROP TABLE IF EXISTS alerts`.execute(db);
  await sql`DROP TABLE IF EXISTS incidents`.execute(db);
  await sql`DROP TABLE IF EXISTS state_events`.execute(db);
}
