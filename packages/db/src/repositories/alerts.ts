import { sql } from 'kysely';
import type { Executor } from '../connection';
import type { MonitorState, StateEventKind } from '../schema';
import { eventCheck } from './results';
import { newestFirst, type Cursor } from './keyset';

export interface AlertEventContext {
  event_id: string;
  kind: StateEventKind;
  subscription_id: string;
  from_state: MonitorState;
  to_state: MonitorState;
  slot_time: Date;
  check: Record<string, unknown>;
  created_at: Date;
  name: string;
  tier: string;
  target_type: string;
  /** the masked view */
  target_config: Record<string, unknown>;
  alert_channels: { id: string; type: string; language: string | null; secret: string }[];
  language_preference: string;
  deleted: boolean;
  /** the subscription's state now, which may have moved on since the event */
  current_state: MonitorState;
  flapping_window_minutes: number;
  /** the end of the subscription's paid period now, which a renewal may have moved */
  expires_at: Date | null;
}

/** A state event with what an alert needs: its subscription, channels and owner's language. */
export async function loadEventContext(
  db: Executor,
  eventId: string,
): Promise<AlertEventContext | undefined> {
  const row = await db
    .selectFrom('state_events as e')
    .innerJoin('subscriptions as s', 's.id', 'e.subscription_id')
    .innerJoin('users as u', 'u.wallet_address', 's.user_address')
    .select([
      'e.id as event_id',
      'e.kind',
      'e.subscription_id',
      'e.from_state',
      'e.to_state',
      'e.slot_time',
      'e.check',
      'e.created_at',
      's.name',
      's.tier',
      's.target_type',
      's.target_config',
      's.alert_channels',
      's.deleted_at',
      's.state as current_state',
      's.flapping_window_minutes',
      's.expires_at',
      'u.language_preference',
    ])
    .where('e.id', '=', eventId)
    .executeTakeFirst();
  if (!row) return undefined;
  const { deleted_at, ...rest } = row;
  return { ...rest, deleted: deleted_at !== null };
}

/** How long the incident this recovery closes lasted, if it was one. */
export async function downtimeClosedBy(db: Executor, eventId: string): Promise<number | null> {
  const row = await db
    .selectFrom('incidents')
    .select(['started_at', 'resolved_at'])
    .where('closed_event_id', '=', eventId)
    .executeTakeFirst();
  return row?.resolved_at ? row.resolved_at.getTime() - row.started_at.getTime() : null;
}

/** When the subscription's open incident began, if it is down. */
export async function openIncidentStart(
  db: Executor,
  subscriptionId: string,
): Promise<Date | undefined> {
  const row = await db
    .selectFrom('incidents')
    .select('started_at')
    .where('subscription_id', '=', subscriptionId)
    .where('resolved_at', 'is', null)
    .executeTakeFirst();
  return row?.started_at;
}

/** The subscription's newest check, as a state event's `check` carries it. */
export async function latestCheck(
  db: Executor,
  subscriptionId: string,
): Promise<Record<string, unknown> | undefined> {
  const row = await db
    .selectFrom('check_history')
    .select([
      'time',
      'status',
      'http_status',
      'response_time_ms',
      'error_message',
      'error_category',
    ])
    .where('subscription_id', '=', subscriptionId)
    .orderBy('time', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? eventCheck(row) : undefined;
}

export interface NewAlert {
  event_id: string;
  subscription_id: string;
  alert_type: string;
  severity: string;
  message: string;
  language: string;
  /** recorded, not sent: no deliveries follow */
  suppressed_reason?: 'maintenance' | 'flapping';
}

/** Creates the alert for an event once; a second call returns the existing id. */
export async function ensureAlert(db: Executor, alert: NewAlert): Promise<string> {
  const { suppressed_reason, ...rest } = alert;
  const inserted = await db
    .insertInto('alerts')
    .values(
      suppressed_reason
        ? { ...rest, suppressed_reason, delivery_status: 'suppressed' as const }
        : rest,
    )
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return inserted.id;
  const existing = await db
    .selectFrom('alerts')
    .select('id')
    .where('event_id', '=', alert.event_id)
    .executeTakeFirstOrThrow();
  return existing.id;
}

/** One delivery per (alert, channel), created once; returns those not yet finished. */
export async function ensureDeliveries(
  db: Executor,
  alertId: string,
  channels: { id: string; type: string }[],
): Promise<{ id: string }[]> {
  if (channels.length > 0) {
    await db
      .insertInto('alert_deliveries')
      .values(channels.map((c) => ({ alert_id: alertId, channel_id: c.id, channel_type: c.type })))
      .onConflict((oc) => oc.columns(['alert_id', 'channel_id']).doNothing())
      .execute();
  }
  return db
    .selectFrom('alert_deliveries')
    .select('id')
    .where('alert_id', '=', alertId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Deliveries still pending more than `afterMs` after they were created, within the last day,
 * oldest first (or, given `ids`, those of them that still are): the ones whose job Redis may
 * have lost, or BullMQ given up on while the database could not record an attempt.
 */
export async function stalePending(
  db: Executor,
  options: { afterMs: number; limit: number; ids?: string[] },
): Promise<string[]> {
  if (options.ids?.length === 0) return [];
  let query = db
    .selectFrom('alert_deliveries')
    .select('id')
    .where('status', '=', 'pending')
    .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${options.afterMs / 1000})`)
    .where('created_at', '>', sql<Date>`now() - interval '1 day'`);
  if (options.ids) query = query.where('id', 'in', options.ids);
  const rows = await query.orderBy('created_at').limit(options.limit).execute();
  return rows.map((r) => r.id);
}

export interface DeliveryContext {
  id: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  channel_id: string;
  channel_type: string;
  alert_id: string;
  event_id: string;
  language: string;
}

export async function loadDelivery(
  db: Executor,
  deliveryId: string,
): Promise<DeliveryContext | undefined> {
  return db
    .selectFrom('alert_deliveries as d')
    .innerJoin('alerts as a', 'a.id', 'd.alert_id')
    .select([
      'd.id',
      'd.status',
      'd.attempts',
      'd.channel_id',
      'd.channel_type',
      'd.alert_id',
      'a.event_id',
      'a.language',
    ])
    .where('d.id', '=', deliveryId)
    .executeTakeFirst();
}

/** Records one attempt; `final` marks the delivery sent or failed and settles the alert's status. */
export async function recordAttempt(
  db: Executor,
  delivery: { id: string; alert_id: string; channel_type: string },
  outcome: { status: 'pending' | 'sent' | 'failed'; error: string | null },
): Promise<void> {
  await db
    .updateTable('alert_deliveries')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      status: outcome.status,
      last_error: outcome.error,
      last_attempt_at: sql<Date>`now()`,
      delivered_at: outcome.status === 'sent' ? sql<Date>`now()` : null,
    }))
    .where('id', '=', delivery.id)
    .where('status', '=', 'pending')
    .execute();
  // the alert's summary follows its deliveries
  await sql`
    UPDATE alerts AS a SET
      retry_count = agg.retries,
      channels_sent = agg.sent,
      delivery_status = CASE
        WHEN agg.pending > 0 THEN 'pending'
        WHEN agg.failed = 0 THEN 'sent'
        WHEN agg.sent_n = 0 THEN 'failed'
        ELSE 'partial' END
    FROM (
      SELECT
        coalesce(sum(greatest(attempts - 1, 0)), 0)::int AS retries,
        coalesce(array_agg(channel_type) FILTER (WHERE status = 'sent'), '{}') AS sent,
        count(*) FILTER (WHERE status = 'sent') AS sent_n,
        count(*) FILTER (WHERE status = 'failed') AS failed,
        count(*) FILTER (WHERE status = 'pending') AS pending
      FROM alert_deliveries WHERE alert_id = ${delivery.alert_id}
    ) AS agg
    WHERE a.id = ${delivery.alert_id}`.execute(db);
}

export interface AlertWithDeliveries {
  id: string;
  event_id: string;
  alert_type: string;
  severity: string;
  message: string;
  channels_sent: string[];
  delivery_status: string;
  retry_count: number;
  language: string;
  created_at: Date;
  suppressed_reason: string | null;
  deliveries: {
    channel_id: string;
    channel_type: string;
    status: string;
    attempts: number;
    last_error: string | null;
    last_attempt_at: Date | null;
    delivered_at: Date | null;
  }[];
}

/** A subscription's alerts, newest first, keyset-paginated, each with its deliveries. */
export async function listAlerts(
  db: Executor,
  subscriptionId: string,
  options: { limit: number; before?: Cursor | undefined },
): Promise<{ rows: AlertWithDeliveries[]; next: Cursor | null }> {
  const { rows: page, next } = await newestFirst(
    db.selectFrom('alerts').selectAll().where('subscription_id', '=', subscriptionId),
    { limit: options.limit, cursor: options.before },
  );
  const deliveries =
    page.length === 0
      ? []
      : await db
          .selectFrom('alert_deliveries')
          .select([
            'alert_id',
            'channel_id',
            'channel_type',
            'status',
            'attempts',
            'last_error',
            'last_attempt_at',
            'delivered_at',
          ])
          .where(
            'alert_id',
            'in',
            page.map((a) => a.id),
          )
          .orderBy('created_at')
          .execute();
  return {
    rows: page.map((a) => ({
      ...a,
      deliveries: deliveries
        .filter((d) => d.alert_id === a.id)
        .map(({ alert_id: _alertId, ...d }) => d),
    })),
    next,
  };
}
