import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Alert rules beyond thresholds: reminders while down, flapping detection, and
// maintenance windows. Checks that run inside a window are stored and marked;
// they do not move the subscription's state, so no incident opens and no alert fires.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    ALTER TABLE subscriptions
      -- while down, tell again every N minutes; NULL: never
      ADD COLUMN reminder_interval_minutes integer
        CHECK (reminder_interval_minutes BETWEEN 1 AND 10080),
      -- this many state changes within the window make the subscription flapping; NULL: off
      ADD COLUMN flapping_threshold integer CHECK (flapping_threshold BETWEEN 2 AND 100),
      ADD COLUMN flapping_window_minutes integer NOT NULL DEFAULT 30
        CHECK (flapping_window_minutes BETWEEN 1 AND 1440),
      -- set while flapping: alerts are held until a whole window passes without a change
      ADD COLUMN flapping_since timestamptz,
      -- when the last reminder was raised
      ADD COLUMN reminded_at timestamptz`.execute(db);
  // what the scheduler's alert-rules loop scans every few seconds
  await sql`
    CREATE INDEX subscriptions_reminders ON subscriptions (id)
      WHERE state = 'down' AND reminder_interval_minutes IS NOT NULL`.execute(db);
  await sql`CREATE INDEX subscriptions_flapping ON subscriptions (id) WHERE flapping_since IS NOT NULL`.execute(
    db,
  );

  // What an event is for the alerter: a state change ('transition'), the change that
  // started flapping ('flapping'), a change while flapping ('held'), a reminder while
  // down ('reminder'), or the end of flapping ('stable'). Only the first three change state.
  await sql`
    ALTER TABLE state_events
      ADD COLUMN kind text NOT NULL DEFAULT 'transition'
        CHECK (kind IN ('transition', 'flapping', 'held', 'reminder', 'stable'))`.execute(db);
  await sql`
    ALTER TABLE alerts
      -- why an alert was recorded but not sent: 'maintenance' or 'flapping'
      ADD COLUMN suppressed_reason text`.execute(db);

  // NULL (not false) for checks outside windows: adding it costs no rewrite, also on
  // compressed hypertable chunks.
  await sql`ALTER TABLE check_history ADD COLUMN maintenance boolean`.execute(db);

  await sql`
    CREATE TABLE maintenance_windows (
      id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      subscription_id  uuid NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
      name             text NOT NULL DEFAULT '',
      -- one-off: the window; recurring: the occurrences that count (ends_at optional)
      starts_at        timestamptz NOT NULL,
      ends_at          timestamptz,
      -- recurring: when each occurrence starts, read in timezone, and how long it lasts
      cron             text,
      duration_seconds integer CHECK (duration_seconds > 0),
      timezone         text NOT NULL DEFAULT 'UTC',
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now(),
      CHECK (ends_at IS NULL OR ends_at > starts_at),
      CHECK ((cron IS NULL AND ends_at IS NOT NULL AND duration_seconds IS NULL)
          OR (cron IS NOT NULL AND duration_seconds IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX maintenance_windows_subscription ON maintenance_windows (subscription_id)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP TABLE IF EXISTS maintenance_windows`.execute(db);
  await sql`ALTER TABLE check_history DROP COLUMN IF EXISTS maintenance`.execute(db);
  await sql`ALTER TABLE alerts DROP COLUMN IF EXISTS suppressed_reason`.execute(db);
  await sql`ALTER TABLE state_events DROP COLUMN IF EXISTS kind`.execute(db);
  await sql`DROP INDEX IF EXISTS subscriptions_flapping`.execute(db);
  await sql`DROP INDEX IF EXISTS subscriptions_reminders`.execute(db);
  await sql`
    ALTER TABLE subscriptions
      DROP COLUMN IF EXISTS reminded_at,
      DROP COLUMN IF EXISTS flapping_since,
      DROP COLUMN IF EXISTS flapping_window_minutes,
      DROP COLUMN IF EXISTS flapping_threshold,
      DROP COLUMN IF EXISTS reminder_interval_minutes`.execute(db);
}
