import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Coverage needs to know which slots were expected: a subscription's interval and
// whether it was being checked, over time. A trigger logs each change of those,
// so that "no row for a slot" can be told apart from "paused" and Lighthouse's own
// downtime never counts as the target's uptime.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE schedule_changes (
      subscription_id         uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      changed_at              timestamptz NOT NULL,
      -- checked from changed_at on: active and not deleted (expiry is read from expires_at)
      scheduled               boolean NOT NULL,
      check_frequency_seconds integer NOT NULL,
      PRIMARY KEY (subscription_id, changed_at)
    )`.execute(db);
  await sql`
    CREATE FUNCTION lighthouse_log_schedule_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT'
         OR NEW.active IS DISTINCT FROM OLD.active
         OR NEW.deleted_at IS DISTINCT FROM OLD.deleted_at
         OR NEW.check_frequency_seconds IS DISTINCT FROM OLD.check_frequency_seconds THEN
        INSERT INTO schedule_changes (subscription_id, changed_at, scheduled, check_frequency_seconds)
        VALUES (NEW.id, clock_timestamp(), NEW.active AND NEW.deleted_at IS NULL, NEW.check_frequency_seconds)
        ON CONFLICT (subscription_id, changed_at) DO UPDATE
          SET scheduled = EXCLUDED.scheduled, check_frequency_seconds = EXCLUDED.check_frequency_seconds;
      END IF;
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER subscriptions_schedule_changes
      AFTER INSERT OR UPDATE OF active, deleted_at, check_frequency_seconds ON subscriptions
      FOR EACH ROW EXECUTE FUNCTION lighthouse_log_schedule_change()`.execute(db);
  await sql`
    INSERT INTO schedule_changes (subscription_id, changed_at, scheduled, check_frequency_seconds)
    SELECT id, created_at, active AND deleted_at IS NULL, check_frequency_seconds FROM subscriptions`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TRIGGER IF EXISTS subscriptions_schedule_changes ON subscriptions`.execute(db);
  await sql`DROP FUNCTION IF EXISTS lighthouse_log_schedule_change()`.execute(db);
  await sql`DROP TABLE IF EXISTS schedule_changes`.execute(db);
}
