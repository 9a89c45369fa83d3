import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** numeric columns come back as strings from pg. */
type Numeric = ColumnType<string, string | number | undefined, string | number>;

export type MonitorState = 'unknown' | 'up' | 'down' | 'degraded';
export type CheckStatus = 'up' | 'down' | 'degraded';

export interface StoredChannel {
  id: string;
  type: string;
  language: string | null;
  /** masked view, safe to return */
  config: Record<string, unknown>;
  /** the full config, sealed with the encryption key */
  secret: string;
}

export interface UsersTable {
  wallet_address: string;
  email: string | null;
  language_preference: Generated<string>;
  created_at: DefaultedTimestamp;
  total_spent_usdc: Numeric;
}

export interface AuthNoncesTable {
  nonce: string;
  created_at: DefaultedTimestamp;
  used_at: Timestamp | null;
}

export interface SessionsTable {
  id: Generated<string>;
  user_address: string;
  token_hash: Buffer;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export interface ApiKeysTable {
  id: Generated<string>;
  user_address: string;
  name: string;
  prefix: string;
  key_hash: Buffer;
  /** 'read' keys may only read; 'read_write' keys may change everything a session can */
  scope: Generated<ApiKeyScope>;
  created_at: DefaultedTimestamp;
  last_used_at: Timestamp | null;
}

export type ApiKeyScope = 'read' | 'read_write';

export interface SubscriptionsTable {
  id: Generated<string>;
  user_address: string;
  name: string;
  target_type: string;
  target_config: ColumnType<Record<string, unknown>, string, string>;
  target_secret: string;
  tier: string;
  check_frequency_seconds: number;
  alert_channels: ColumnType<StoredChannel[], string | undefined, string>;
  failure_threshold: Generated<number>;
  recovery_threshold: Generated<number>;
  state: Generated<MonitorState>;
  state_changed_at: Timestamp | null;
  consecutive_failures: Generated<number>;
  consecutive_successes: Generated<number>;
  last_scheduled_at: Timestamp | null;
  last_check_at: Timestamp | null;
  next_check_at: Timestamp;
  active: Generated<boolean>;
  expires_at: Timestamp | null;
  payment_tx: string | null;
  payment_chain: string | null;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
  deleted_at: Timestamp | null;
  /** while down, alert again every N minutes; null: never */
  reminder_interval_minutes: number | null;
  /** state changes within the window that make it flapping; null: detection off */
  flapping_threshold: number | null;
  flapping_window_minutes: Generated<number>;
  /** set while flapping: alerts are held until a window passes without a change */
  flapping_since: Timestamp | null;
  reminded_at: Timestamp | null;
  /** after a failed check (or, while down, a passing one) below its threshold: check again this soon */
  retry_interval_seconds: Generated<number>;
  /** the slot of the first result of the current run of failures or successes */
  streak_since: Timestamp | null;
  /** next_check_at is a confirmation check (a retry after a failure), not a slot of the grid */
  confirming: Generated<boolean>;
  /** the regions it is checked from; null: the instance's default region (DEFAULT_REGION) */
  regions: string[] | null;
  /** how many of the regions must agree on a verdict: any, majority, all, or a number */
  quorum: Generated<string>;
  /** 'probe': a single paid check (POST /v1/probe), written deleted, never a state or an alert */
  kind: Generated<SubscriptionKind>;
}

export type SubscriptionKind = 'monitor' | 'probe';

/** The account that owns a self-hosted instance (one row at most). */
export interface InstanceOwnerTable {
  singleton: Generated<boolean>;
  user_address: string;
  created_at: DefaultedTimestamp;
}

/** One-time sign-in links (self-hosted); only the token's hash is kept. */
export interface SignInLinksTable {
  token_hash: Buffer;
  user_address: string;
  created_at: DefaultedTimestamp;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

/** A wallet that signs in to another account (the owner's, on a self-hosted instance). */
export interface UserWalletsTable {
  wallet_address: string;
  user_address: string;
  created_at: DefaultedTimestamp;
}

/** What each checker process last reported of itself (its heartbeat). */
export interface CheckersTable {
  name: string;
  host: string;
  version: string;
  region: string | null;
  started_at: Timestamp;
  last_seen_at: Timestamp;
  checks_total: ColumnType<string, string | number | bigint, string | number | bigint>;
  errors_total: ColumnType<string, string | number | bigint, string | number | bigint>;
  checks_per_second: number;
  heartbeat_ms: Generated<number>;
}

export interface CheckHistoryTable {
  time: Timestamp;
  subscription_id: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: ColumnType<Record<string, number> | null, string | null, string | null>;
  error_category: string | null;
  error_message: string | null;
  body_excerpt: string | null;
  schedule_lag_ms: number | null;
  /** the checker's region (CHECKER_REGION): a slot has one row per region */
  region: Generated<string>;
  /** true when the check ran inside a maintenance window; null otherwise */
  maintenance: boolean | null;
  /** the number a check measured: a balance in whole units, a block height, a contract value */
  value: number | null;
  /** the exact reading where a double cannot hold it: a contract call's decoded result */
  value_text: string | null;
  /** true for a confirmation check (a retry after a failure): stored, not counted in rollups */
  confirmation: boolean | null;
  /** the signed batch the row was written in (check_batches), and its leaf there */
  batch_id: ColumnType<string | null, string | number | null | undefined, never>;
  leaf_index: number | null;
}

/** The instance's id: names its check records (EIP-712 salt, anchors). One row. */
export interface InstanceIdentityTable {
  only_row: Generated<boolean>;
  id: Generated<string>;
  created_at: DefaultedTimestamp;
}

/** Every probe signing key, with its region and the period it was active. */
export interface ProbesTable {
  address: string;
  region: string;
  first_seen: DefaultedTimestamp;
  last_seen: DefaultedTimestamp;
}

/** A batch of results as its probe signed it. */
export interface CheckBatchesTable {
  id: ColumnType<string, never, never>;
  probe: string;
  region: string;
  root: Buffer;
  signature: Buffer;
  /** what the probe signed (EIP-712): the batch's leaf in its hour's tree */
  digest: Buffer;
  /** the leaves' hashes, 32 bytes each, in leaf order */
  leaves: Buffer;
  sealed_at: Timestamp;
  created_at: DefaultedTimestamp;
  anchor_hour: Timestamp | null;
  hour_path: Buffer | null;
}

/** An hour's root over its batches; on chain when tx_hash is set. */
export interface CheckAnchorsTable {
  hour: Timestamp;
  root: Buffer;
  batches: number;
  created_at: DefaultedTimestamp;
  chain_id: number | null;
  contract: string | null;
  tx_hash: string | null;
  block_number: ColumnType<string | null, number | null, number | null>;
  published_at: Timestamp | null;
  last_error: string | null;
}

export interface RollupTable {
  subscription_id: string;
  bucket: Timestamp;
  /** the region whose rows these are: all regions' figures are the sums of theirs */
  region: Generated<string>;
  total_count: Generated<number>;
  up_count: Generated<number>;
  down_count: Generated<number>;
  degraded_count: Generated<number>;
  latency_count: Generated<number>;
  latency_sum: ColumnType<string, string | number | bigint | undefined, string | number | bigint>;
  latency_min: number | null;
  latency_max: number | null;
  latency_histogram: number[];
}

export interface RollupWatermarksTable {
  name: string;
  watermark: Timestamp;
  updated_at: DefaultedTimestamp;
}

export interface CanaryResultsTable {
  subscription_id: string;
  time: Timestamp;
  region: Generated<string>;
  step_index: number;
  step_name: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: ColumnType<Record<string, number> | null, string | null, string | null>;
  error_message: string | null;
  error_category: string | null;
}

/** A heartbeat subscription's push URL (its token's SHA-256) and the last ping it received. */
export interface HeartbeatsTable {
  subscription_id: string;
  token_hash: Buffer;
  created_at: DefaultedTimestamp;
  token_rotated_at: Timestamp | null;
  last_ping_at: Timestamp | null;
  last_status: 'up' | 'down' | null;
  last_message: string | null;
  ping_count: ColumnType<string, string | number | undefined, string | number>;
}

export interface StateEventsTable {
  id: Generated<string>;
  subscription_id: string;
  from_state: MonitorState;
  to_state: MonitorState;
  slot_time: Timestamp;
  check: ColumnType<Record<string, unknown>, string | undefined, string>;
  created_at: DefaultedTimestamp;
  published_at: Timestamp | null;
  kind: Generated<StateEventKind>;
  /** when the alerter finished with it; null while its alert job may still be needed */
  handled_at: Timestamp | null;
}

/**
 * What a state event is: a state change ('transition'), the change that started flapping
 * ('flapping'), a change while flapping ('held'), a reminder while down ('reminder'), the
 * end of flapping ('stable'), or a notice that the paid period ends soon or has ended
 * ('expiring', with an expiry_notices row). Only the first three change the state.
 */
export type StateEventKind =
  'transition' | 'flapping' | 'held' | 'reminder' | 'stable' | 'expiring';

export interface IncidentsTable {
  id: Generated<string>;
  subscription_id: string;
  opened_event_id: string | null;
  closed_event_id: string | null;
  started_at: Timestamp;
  resolved_at: Timestamp | null;
  error_category: string | null;
  error_message: string | null;
}

export interface AlertsTable {
  id: Generated<string>;
  event_id: string;
  subscription_id: string;
  alert_type: string;
  severity: string;
  message: string;
  channels_sent: Generated<string[]>;
  delivery_status: Generated<'pending' | 'sent' | 'partial' | 'failed' | 'suppressed'>;
  retry_count: Generated<number>;
  language: Generated<string>;
  created_at: DefaultedTimestamp;
  /** why the alert was recorded but not sent */
  suppressed_reason: 'maintenance' | 'flapping' | null;
}

export interface AlertDeliveriesTable {
  id: Generated<string>;
  alert_id: string;
  channel_id: string;
  channel_type: string;
  status: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
  created_at: DefaultedTimestamp;
}

export interface PaymentsTable {
  id: Generated<string>;
  user_address: string;
  subscription_id: string | null;
  tier: string;
  network: string;
  asset: string;
  pay_to: string;
  payer: string;
  amount_atomic: Numeric;
  amount_usdc: Numeric;
  nonce: string;
  valid_before: Timestamp | null;
  tx_hash: string | null;
  settled_via: string;
  period_days: number;
  /** 'pending' claims the nonce while settlement runs; 'settled' once it went through */
  status: Generated<'pending' | 'settled'>;
  purpose: Generated<PaymentPurpose>;
  x402_version: Generated<number>;
  created_at: DefaultedTimestamp;
  settled_at: Timestamp | null;
}

export type PaymentPurpose = 'create' | 'renew' | 'upgrade' | 'probe';

export interface ExpiryNoticesTable {
  subscription_id: string;
  expires_at: Timestamp;
  /** 3 and 1 before the end, 0 once it has passed */
  days_before: number;
  event_id: string | null;
  created_at: DefaultedTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: DefaultedTimestamp;
  user_address: string;
  /** x402: a wallet that paid without signing in (POST /v1/probe) */
  actor: 'session' | 'api_key' | 'system' | 'x402';
  api_key_id: string | null;
  /** e.g. subscription.create, api_key.revoke, payment.settle */
  action: string;
  resource_type: string;
  resource_id: string | null;
  details: ColumnType<unknown, string | undefined, string>;
  ip: string | null;
}

export interface ScheduleChangesTable {
  subscription_id: string;
  changed_at: Timestamp;
  scheduled: boolean;
  check_frequency_seconds: number;
}

export interface MaintenanceWindowsTable {
  id: Generated<string>;
  subscription_id: string;
  name: Generated<string>;
  starts_at: Timestamp;
  ends_at: Timestamp | null;
  cron: string | null;
  duration_seconds: number | null;
  timezone: Generated<string>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface RollupDirtyHoursTable {
  subscription_id: string;
  hour: Timestamp;
}

export interface StatusPagesTable {
  id: Generated<string>;
  user_address: string;
  slug: string;
  title: string;
  description: string | null;
  published: Generated<boolean>;
  created_at: DefaultedTimestamp;
  updated_at: DefaultedTimestamp;
}

export interface StatusPageSubscriptionsTable {
  page_id: string;
  subscription_id: string;
  position: number;
}

export interface Database {
  users: UsersTable;
  auth_nonces: AuthNoncesTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  subscriptions: SubscriptionsTable;
  check_history: CheckHistoryTable;
  check_rollups_hourly: RollupTable;
  check_rollups_daily: RollupTable;
  rollup_watermarks: RollupWatermarksTable;
  canary_results: CanaryResultsTable;
  heartbeats: HeartbeatsTable;
  state_events: StateEventsTable;
  incidents: IncidentsTable;
  alerts: AlertsTable;
  alert_deliveries: AlertDeliveriesTable;
  payments: PaymentsTable;
  schedule_changes: ScheduleChangesTable;
  maintenance_windows: MaintenanceWindowsTable;
  rollup_dirty_hours: RollupDirtyHoursTable;
  status_pages: StatusPagesTable;
  status_page_subscriptions: StatusPageSubscriptionsTable;
  expiry_notices: ExpiryNoticesTable;
  audit_log: AuditLogTable;
  instance_owner: InstanceOwnerTable;
  sign_in_links: SignInLinksTable;
  user_wallets: UserWalletsTable;
  checkers: CheckersTable;
  instance_identity: InstanceIdentityTable;
  probes: ProbesTable;
  check_batches: CheckBatchesTable;
  check_anchors: CheckAnchorsTable;
}

export type User = Selectable<UsersTable>;
export type Session = Selectable<SessionsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type Subscription = Selectable<SubscriptionsTable>;
export type NewSubscription = Insertable<SubscriptionsTable>;
export type SubscriptionUpdate = Updateable<SubscriptionsTable>;
export type MaintenanceWindow = Selectable<MaintenanceWindowsTable>;
export type StatusPage = Selectable<StatusPagesTable>;
