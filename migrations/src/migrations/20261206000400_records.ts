import { sql, type Kysely } from 'kysely';

// Frozen: raw SQL only, no application code.
//
// Verifiable check records. Each checker signs every batch of results it writes: a Merkle root
// over the batch's rows under its probe key (check_batches, with the leaves, so that any row's
// proof can be rebuilt), and each row names its batch and its leaf. Each hour, the scheduler
// folds the hour's batches into one root (check_anchors), on an EVM chain when configured.
// The instance's id names its records: the signatures' EIP-712 salt, the anchors' instance.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE instance_identity (
      only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`INSERT INTO instance_identity DEFAULT VALUES`.execute(db);

  // every probe key that ever signed, with the period it was active (a rotated key stays)
  await sql`
    CREATE TABLE probes (
      address text PRIMARY KEY,
      region text NOT NULL,
      first_seen timestamptz NOT NULL DEFAULT now(),
      last_seen timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE check_batches (
      id bigserial PRIMARY KEY,
      probe text NOT NULL,
      region text NOT NULL,
      root bytea NOT NULL,
      signature bytea NOT NULL,
      -- what the probe signed (EIP-712), the batch's leaf in its hour's tree
      digest bytea NOT NULL,
      -- the leaves' hashes, 32 bytes each, in leaf order
      leaves bytea NOT NULL,
      sealed_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      -- set once the batch's hour is folded: the hour, and the batch's path to its root
      anchor_hour timestamptz,
      hour_path bytea
    )`.execute(db);
  await sql`
    CREATE INDEX check_batches_unanchored ON check_batches (created_at)
      WHERE anchor_hour IS NULL`.execute(db);
  await sql`CREATE INDEX check_batches_created ON check_batches (created_at)`.execute(db);

  await sql`
    CREATE TABLE check_anchors (
      hour timestamptz PRIMARY KEY,
      root bytea NOT NULL,
      batches integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      chain_id integer,
      contract text,
      tx_hash text,
      block_number bigint,
      published_at timestamptz,
      last_error text
    )`.execute(db);

  await sql`
    ALTER TABLE check_history
      ADD COLUMN batch_id bigint,
      ADD COLUMN leaf_index integer`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE check_history DROP COLUMN IF EXISTS batch_id, DROP COLUMN IF EXISTS leaf_index`.execute(
    db,
  );
  await sql`DROP TABLE IF EXISTS check_anchors`.execute(db);
  await sql`DROP TABLE IF EXISTS check_batches`.execute(db);
  await sql`DROP TABLE IF EXISTS probes`.execute(db);
  await sql`DROP TABLE IF EXISTS instance_identity`.execute(db);
}
