import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Regions: each checker belongs to one (CHECKER_REGION, default 'local'), a subscription is
// checked from the regions it chose, and a slot's verdict needs a quorum of them. A slot now
// has one row per region: check_history's key gains the region (rows written before, with
// no region, become 'local'), and so does canary_results'. A subscription's `regions` is
// NULL for "the instance's default region" (DEFAULT_REGION), so that changing the default
// moves every subscription that never chose.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`UPDATE check_history SET region = 'local' WHERE region IS NULL`.execute(db);
  await sql`
    ALTER TABLE check_history
      ALTER COLUMN region SET DEFAULT 'local',
      ALTER COLUMN region SET NOT NULL`.execute(db);
  await sql`ALTER TABLE check_history DROP CONSTRAINT check_history_pkey`.execute(db);
  await sql`ALTER TABLE check_history ADD PRIMARY KEY (subscription_id, time, region)`.execute(db);

  await sql`
    ALTER TABLE canary_results
      ADD COLUMN region text NOT NULL DEFAULT 'local'`.execute(db);
  await sql`ALTER TABLE canary_results DROP CONSTRAINT canary_results_pkey`.execute(db);
  await sql`
    ALTER TABLE canary_results ADD PRIMARY KEY (subscription_id, time, region, step_index)`.execute(
    db,
  );

  await sql`
    ALTER TABLE subscriptions
      -- NULL: the instance's default region
      ADD COLUMN regions text[]
        CHECK (regions IS NULL OR cardinality(regions) BETWEEN 1 AND 32),
      -- how many of the regions must agree: any, majority, all, or a number of them
      ADD COLUMN quorum text NOT NULL DEFAULT 'majority'
        CHECK (quorum IN ('any', 'majority', 'all') OR quorum ~ '^[1-9][0-9]?$')`.execute(db);
  // The verdict sweep and the scheduler's region watch look only at subscriptions that name
  // their regions. Keyed by id, not by last_scheduled_at: every result moves that column, and
  // an index on it would make every subscription's update a non-HOT one (each of its indexes
  // written again).
  await sql`
    CREATE INDEX subscriptions_named_regions ON subscriptions (id)
      WHERE regions IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX IF EXISTS subscriptions_named_regions`.execute(db);
  await sql`ALTER TABLE subscriptions DROP COLUMN IF EXISTS quorum, DROP COLUMN IF EXISTS regions`.execute(
    db,
  );
  // one row per slot again: the first region's by name
  await sql`
    DELETE FROM canary_results c USING canary_results k
     WHERE c.subscription_id = k.subscription_id AND c.time = k.time
       AND c.step_index = k.step_index AND c.region > k.region`.execute(db);
  await sql`ALTER TABLE canary_results DROP CONSTRAINT canary_results_pkey`.execute(db);
  await sql`ALTER TABLE canary_results DROP COLUMN region`.execute(db);
  await sql`ALTER TABLE canary_results ADD PRIMARY KEY (subscription_id, time, step_index)`.execute(
    db,
  );
  await sql`
    DELETE FROM check_history c USING check_history k
     WHERE c.subscription_id = k.subscription_id AND c.time = k.time
       AND c.region > k.region`.execute(db);
  await sql`ALTER TABLE check_history DROP CONSTRAINT check_history_pkey`.execute(db);
  await sql`ALTER TABLE check_history ADD PRIMARY KEY (subscription_id, time)`.execute(db);
  await sql`
    ALTER TABLE check_history
      ALTER COLUMN region DROP NOT NULL,
      ALTER COLUMN region DROP DEFAULT`.execute(db);
}
