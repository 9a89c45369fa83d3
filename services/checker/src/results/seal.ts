import { records, type CheckRow, type Db } from '@lighthouse/db';
import type { Logger } from '@lighthouse/shared';
import { createSealer, type Sealer } from '@lighthouse/verify';

/**
 * A batch of rows as they will be stored, and the batch its probe signed over them. A row is
 * signed as PostgreSQL will hold it: a response time in whole milliseconds (the column is an
 * integer; a probe may measure fractions), so that the stored row and its leaf agree.
 */
export function sealRows(
  sealer: Sealer,
  rows: readonly CheckRow[],
  now?: number,
): { rows: CheckRow[]; batch: records.SignedBatch } {
  const stored = rows.map((row) =>
    row.response_time_ms === null || Number.isInteger(row.response_time_ms)
      ? row
      : { ...row, response_time_ms: Math.max(0, Math.round(row.response_time_ms)) },
  );
  const batch = sealer.seal(
    stored.map((r) => ({
      subscription_id: r.subscription_id,
      time: r.time.toISOString(),
      region: r.region,
      status: r.status,
      http_status: r.http_status,
      response_time_ms: r.response_time_ms,
      error_category: r.error_category,
    })),
    now,
  );
  return { rows: stored, batch };
}

/**
 * The checker's sealer, its probe listed: retried while the database cannot be reached (a
 * checker may start before PostgreSQL answers), every few seconds for `attempts` tries; a key
 * that signs for another region is refused at once.
 */
export async function startSealer(deps: {
  db: Db;
  logger: Logger;
  privateKey: string;
  region: string;
  attempts?: number;
}): Promise<Sealer> {
  const attempts = deps.attempts ?? 60;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const sealer = await createSealer({
        privateKey: deps.privateKey,
        instanceId: await records.instanceId(deps.db),
        region: deps.region,
      });
      await records.registerProbe(deps.db, { address: sealer.address, region: deps.region });
      return sealer;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (attempt >= attempts || message.includes('CHECKER_SIGNING_KEY')) throw err;
      deps.logger.warn('probe key not registered yet; retrying', { attempt, err: message });
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 500 * attempt)));
    }
  }
}
