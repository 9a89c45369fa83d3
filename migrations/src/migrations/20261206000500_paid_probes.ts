import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Single checks sold over x402 (POST /v1/probe). A paid probe is a subscription of kind
// 'probe': written deleted (no list, quota, schedule or status page sees it), checked once
// from each region it names, its rows signed like any other's, and never a state or an alert.
// Its payment is one of purpose 'probe', and its audit entries name the actor 'x402': a wallet
// that paid without signing in.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE subscriptions
      ADD COLUMN kind text NOT NULL DEFAULT 'monitor' CHECK (kind IN ('monitor', 'probe'))`.execute(
    db,
  );
  await sql`ALTER TABLE payments DROP CONSTRAINT payments_purpose_check`.execute(db);
  await sql`
    ALTER TABLE payments ADD CONSTRAINT payments_purpose_check
      CHECK (purpose IN ('create', 'renew', 'upgrade', 'probe'))`.execute(db);
  await sql`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check`.execute(db);
  await sql`
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check
      CHECK (actor IN ('session', 'api_key', 'system', 'x402'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DELETE FROM audit_log WHERE actor = 'x402'`.execute(db);
  await sql`ALTER TABLE audit_log DROP CONSTRAINT audit_log_actor_check`.execute(db);
  await sql`
    ALTER TABLE audit_log ADD CONSTRAINT audit_log_actor_check
      CHECK (actor IN ('session', 'api_key', 'system'))`.execute(db);
  await sql`DELETE FROM payments WHERE purpose = 'probe'`.execute(db);
  await sql`ALTER TABLE payments DROP CONSTRAINT payments_purpose_check`.execute(db);
  await sql`
    ALTER TABLE payments ADD CONSTRAINT payments_purpose_check
      CHECK (purpose IN ('create', 'renew', 'upgrade'))`.execute(db);
  await sql`DELETE FROM subscriptions WHERE kind = 'probe'`.execute(db);
  await sql`ALTER TABLE subscriptions DROP COLUMN kind`.execute(db);
}
