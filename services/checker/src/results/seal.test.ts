import { createSealer, leafHash } from '@lighthouse/verify';
import { Wallet } from 'ethers';
import { randomUUID } from 'node:crypto';
import type { CheckRow } from '@lighthouse/db';
import { sealRows } from './seal';

const row = (response_time_ms: number | null): CheckRow => ({
  time: new Date('2026-12-01T12:00:00.000Z'),
  subscription_id: randomUUID(),
  status: 'up',
  http_status: 200,
  response_time_ms,
  timings: { total: 1 },
  error_category: null,
  error_message: null,
  body_excerpt: 'ok',
  schedule_lag_ms: 3,
  region: 'local',
});

describe('sealRows', () => {
  it('signs each row as it will be stored: whole milliseconds, leaf i for row i', async () => {
    const sealer = await createSealer({
      privateKey: Wallet.createRandom().privateKey,
      instanceId: randomUUID(),
      region: 'local',
    });
    const input = [row(12.5), row(7), row(null), row(0.4)];
    const { rows, batch } = sealRows(sealer, input, 1_765_000_000_000);
    expect(rows.map((r) => r.response_time_ms)).toEqual([13, 7, null, 0]);
    // everything else of a row is kept as it was
    expect(rows[1]).toBe(input[1]);
    expect(rows[0]).toMatchObject({ body_excerpt: 'ok', timings: { total: 1 } });
    expect(batch.leafHashes).toEqual(
      rows.map((r) => leafHash({ ...r, time: r.time.toISOString() }, sealer.address)),
    );
    expect(batch).toMatchObject({ leaves: 4, region: 'local', sealed_at: 1_765_000_000_000 });
  });
});
