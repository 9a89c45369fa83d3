import type { Db } from '@lighthouse/db';
import { isTargetType, type TargetTypeName } from '@lighthouse/domain';
import type { SecretBox } from '@lighthouse/shared';

export interface CheckTarget {
  id: string;
  type: TargetTypeName;
  /** the full, unsealed target config */
  config: Record<string, unknown>;
  /** false when paused, deleted or expired: the slot is dropped */
  checkable: boolean;
}

interface Entry {
  at: number;
  value: Promise<CheckTarget | undefined>;
}

/**
 * Loads the subscriptions that jobs name, many per query (requests within one
 * event-loop turn are batched), and keeps each for `ttlMs` so a checker does not
 * read and decrypt the same row for every slot. Changes reach checks within the TTL.
 */
export function createTargetLoader(deps: {
  db: Db;
  secrets: SecretBox;
  ttlMs: number;
  maxEntries?: number;
}) {
  const { db, secrets, ttlMs, maxEntries = 200_000 } = deps;
  const cache = new Map<string, Entry>();
  let pending = new Map<
    string,
    { resolve: (t: CheckTarget | undefined) => void; reject: (e: unknown) => void }[]
  >();
  let scheduled = false;

  async function flush(): Promise<void> {
    const batch = pending;
    pending = new Map();
    scheduled = false;
    try {
      const rows = await db
        .selectFrom('subscriptions')
        .select([
          'id',
          'target_type',
          'target_secret',
          'active',
          'deleted_at',
          'expires_at',
          'kind',
        ])
        .where('id', 'in', [...batch.keys()])
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      const now = Date.now();
      for (const [id, waiters] of batch) {
        const row = byId.get(id);
        let target: CheckTarget | undefined;
        if (row && isTargetType(row.target_type)) {
          target = {
            id,
            type: row.target_type,
            config: secrets.openJson<Record<string, unknown>>(row.target_secret),
            checkable:
              row.active &&
              // a paid probe is written deleted, out of every list; its slots still run
              (row.deleted_at === null || row.kind === 'probe') &&
              (row.expires_at === null || row.expires_at.getTime() > now),
          };
        }
        for (const w of waiters) w.resolve(target);
      }
    } catch (err) {
      for (const waiters of batch.values()) for (const w of waiters) w.reject(err);
    }
  }

  function enqueueRead(id: string): Promise<CheckTarget | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = pending.get(id) ?? [];
      waiters.push({ resolve, reject });
      pending.set(id, waiters);
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
  }

  return {
    load(id: string): Promise<CheckTarget | undefined> {
      const now = Date.now();
      const hit = cache.get(id);
      if (hit && now - hit.at < ttlMs) return hit.value;
      if (cache.size >= maxEntries) cache.clear();
      const value = enqueueRead(id);
      cache.set(id, { at: now, value });
      // a failed read is not cached
      value.catch(() => cache.delete(id));
      return value;
    },
  };
}

export type TargetLoader = ReturnType<typeof createTargetLoader>;
