import { audit, heartbeats, subscriptions, type Executor } from '@lighthouse/db';
import { fieldIssues } from '@lighthouse/domain';
import { AppError, hashToken, newToken } from '@lighthouse/shared';
import { z } from 'zod';
import type { AppContext } from '../context';

/** Push tokens look like API keys: `lhp_` and 256 random bits in base64url. */
export const PUSH_TOKEN_PREFIX = 'lhp';
const PUSH_TOKEN = /^lhp_[A-Za-z0-9_-]{43}$/;
/** The most of a ping's message that is kept (it becomes the check's error and the alert's). */
export const MAX_PING_MESSAGE = 500;

/**
 * Issues a push token for a heartbeat subscription, replacing any earlier one (which stops
 * working at once). Only its hash is stored: the token is shown once, by the caller.
 */
export async function issuePushToken(db: Executor, subscriptionId: string): Promise<string> {
  const token = newToken(PUSH_TOKEN_PREFIX);
  await heartbeats.setToken(db, subscriptionId, hashToken(token));
  return token;
}

/** A new push URL for the caller's heartbeat subscription; the old one answers 404 from now. */
export async function rotatePushToken(
  ctx: AppContext,
  actor: audit.AuditActor,
  id: string,
): Promise<string> {
  return ctx.db.transaction().execute(async (tx) => {
    const current = await subscriptions.findOwnedSubscription(tx, actor.address, id, {
      forUpdate: true,
    });
    if (!current) throw AppError.notFound('subscription');
    if (current.target_type !== 'heartbeat') {
      throw new AppError(
        'conflict',
        `only heartbeat subscriptions have a push URL (this one is ${current.target_type})`,
      );
    }
    const token = await issuePushToken(tx, id);
    await audit.recordAudit(tx, {
      ...actor,
      action: 'subscription.push_token.rotate',
      resourceType: 'subscription',
      resourceId: id,
    });
    return token;
  });
}

const pingSchema = z.object({
  status: z
    .string({ error: 'must be up or down' })
    .transform((s) => s.trim().toLowerCase())
    .pipe(z.enum(['up', 'down'], { error: 'must be up or down' }))
    .default('up'),
  message: z
    .string({ error: 'must be a string' })
    .max(100_000, 'must be at most 100000 characters')
    .optional(),
});

export interface Ping {
  status: heartbeats.PingStatus;
  message: string | null;
}

/**
 * What a ping says, from the query string and the body (JSON or form; the body wins): an
 * optional status (up, the default, or down) and message (on one line, cut to
 * {@link MAX_PING_MESSAGE} characters). Other fields are ignored, so a job may post what it has.
 */
export function parsePing(query: unknown, body: unknown): Ping {
  if (Array.isArray(body)) {
    throw AppError.validation([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const pick = (source: unknown): Record<string, unknown> => {
    if (source === null || typeof source !== 'object') return {};
    const { status, message } = source as Record<string, unknown>;
    return {
      ...(status === undefined ? {} : { status }),
      ...(message === undefined ? {} : { message }),
    };
  };
  const result = pingSchema.safeParse({ ...pick(query), ...pick(body) });
  if (!result.success) throw AppError.validation(fieldIssues(result.error));
  const line = (result.data.message ?? '').replace(/\s+/g, ' ').trim();
  return {
    status: result.data.status,
    message: line === '' ? null : line.slice(0, MAX_PING_MESSAGE),
  };
}

/** Records a ping for a push token; 404 when no live heartbeat subscription has it. */
export async function recordPing(ctx: AppContext, token: string, ping: Ping): Promise<void> {
  const unknown = () => AppError.notFound('push URL');
  if (!PUSH_TOKEN.test(token)) throw unknown();
  const id = await heartbeats.recordPing(ctx.db, hashToken(token), ping);
  if (id === undefined) throw unknown();
}
