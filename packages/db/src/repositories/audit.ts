import type { Selectable } from 'kysely';
import type { Executor } from '../connection';
import type { AuditLogTable } from '../schema';
import { keysetPage } from './keyset';

export type AuditRow = Selectable<AuditLogTable>;

/** Who made a change: a wallet through its session or one of its API keys, or the system. */
export interface AuditActor {
  address: string;
  actor: AuditLogTable['actor'];
  /** the key used, when actor is 'api_key' */
  apiKeyId: string | null;
  ip: string | null;
}

export interface AuditEntry extends AuditActor {
  /** `<resource>.<verb>`, e.g. subscription.update, api_key.revoke, payment.settle */
  action: string;
  resourceType: string;
  resourceId?: string | null;
  /** field names and ids only: never a secret, token, channel URL or target URL */
  details?: Record<string, unknown>;
}

/** Appends one entry. Pass the transaction that makes the change, so both commit or neither. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      user_address: entry.address,
      actor: entry.actor,
      api_key_id: entry.apiKeyId,
      action: entry.action,
      resource_type: entry.resourceType,
      resource_id: entry.resourceId ?? null,
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip,
    })
    .execute();
}

/** Ids only grow, so the last id shown is the whole cursor. */
export function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify(['audit', id])).toString('base64url');
}

/** Returns undefined for anything that is not a cursor of this list. */
export function decodeCursor(raw: string): string | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      value[0] === 'audit' &&
      typeof value[1] === 'string' &&
      /^[1-9]\d{0,18}$/.test(value[1])
    ) {
      return value[1];
    }
  } catch {
    // fall through
  }
  return undefined;
}

/** An owner's entries, newest first, keyset-paginated on id; `before` is a previous page's cursor. */
export async function listAudit(
  db: Executor,
  userAddress: string,
  options: { limit: number; before?: string; resourceType?: string; resourceId?: string },
): Promise<{ rows: AuditRow[]; next: string | null }> {
  let query = db.selectFrom('audit_log').selectAll().where('user_address', '=', userAddress);
  if (options.resourceType !== undefined) {
    query = query.where('resource_type', '=', options.resourceType);
  }
  if (options.resourceId !== undefined) query = query.where('resource_id', '=', options.resourceId);
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(options.limit + 1)
    .execute();
  const { page, next } = keysetPage(rows, options.limit, (last) => last.id);
  return { rows: page, next };
}
