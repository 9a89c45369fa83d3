import {
  AUDIT_RESOURCE_TYPES,
  type AuditEntry,
  type AuditResourceType,
  type Page,
} from '@lighthouse/contracts';
import { audit } from '@lighthouse/db';
import { AppError } from '@lighthouse/shared';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { principalOf, requireAuth } from '../http/auth';
import { parseInput } from '../http/validate';
import { listQuerySchema } from './subscriptions';

export const auditQuerySchema = listQuerySchema.extend({
  resource_type: z
    .string()
    .regex(/^[a-z_]{1,64}$/, `must be a resource type such as ${AUDIT_RESOURCE_TYPES.join(', ')}`)
    .optional(),
  resource_id: z.string().min(1, 'must not be empty').max(200).optional(),
});

/** The caller's audit log: who changed what in this wallet's account, newest first. */
export function auditRoutes(ctx: AppContext): Router {
  const router = Router();

  router.get('/v1/audit-log', requireAuth(ctx), async (req, res) => {
    const query = parseInput(auditQuerySchema, req.query);
    const before = query.cursor === undefined ? undefined : audit.decodeCursor(query.cursor);
    if (query.cursor !== undefined && !before) {
      throw AppError.validation([{ field: 'cursor', message: 'is not a cursor from this list' }]);
    }
    const page = await audit.listAudit(ctx.db, principalOf(res).address, {
      limit: query.limit,
      before,
      resourceType: query.resource_type,
      resourceId: query.resource_id,
    });
    res.json({
      items: page.rows.map(auditJson),
      next_cursor: page.next === null ? null : audit.encodeCursor(page.next),
    } satisfies Page<AuditEntry>);
  });

  return router;
}

/** Entries are written by the services with the contract's resource types and object details. */
function auditJson(row: audit.AuditRow): AuditEntry {
  return {
    id: row.id,
    at: row.at.toISOString(),
    actor: row.actor,
    api_key_id: row.api_key_id,
    action: row.action,
    resource_type: row.resource_type as AuditResourceType,
    resource_id: row.resource_id,
    details: row.details as AuditEntry['details'],
    ip: row.ip,
  };
}
