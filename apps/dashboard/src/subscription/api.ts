import { apiRequest, type MonitorState, type Page, type Subscription } from '../api';

/** GET /v1/subscriptions/:id: the fields this page shows on top of the list's. */
export interface SubscriptionDetail extends Subscription {
  target_config: Record<string, unknown>;
  tier: string;
  check_frequency_seconds: number;
  alert_channels: { id: string; type: string; language: string | null }[];
  active: boolean;
  state_changed_at: string | null;
  next_check_at: string | null;
  expires_at: string | null;
  flapping_since: string | null;
}

const base = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;

export function getSubscription(
  token: string,
  id: string,
  signal?: AbortSignal,
): Promise<SubscriptionDetail> {
  return apiRequest(base(id), { token, signal });
}

export function setPaused(token: string, id: string, paused: boolean): Promise<SubscriptionDetail> {
  return apiRequest(`${base(id)}/${paused ? 'pause' : 'resume'}`, { method: 'POST', token });
}

export function deleteSubscription(token: string, id: string): Promise<void> {
  return apiRequest(base(id), { method: 'DELETE', token });
}

export interface TestAlertResult {
  channel_id: string;
  type: string;
  ok: boolean;
  error: string | null;
}

export function sendTestAlert(token: string, id: string): Promise<{ results: TestAlertResult[] }> {
  return apiRequest(`${base(id)}/test-alert`, { method: 'POST', token });
}

/** The figures of a stretch of time; `uptime_pct` is 0-100, null when nothing was checked. */
export interface MetricsSummary {
  total_checks: number;
  uptime_pct: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
  p99_latency_ms: number | null;
  coverage_pct: number | null;
}

export type Bucket = '1h' | '1d';

export interface Metrics extends MetricsSummary {
  from: string;
  to: string;
  bucket: Bucket;
  /** one entry per UTC bucket that has begun, empty ones included; `time` is its start */
  series: ({ time: string } & MetricsSummary)[];
}

export function getMetrics(
  token: string,
  id: string,
  query: { from: Date; bucket: Bucket },
  signal?: AbortSignal,
): Promise<Metrics> {
  const params = new URLSearchParams({ from: query.from.toISOString(), bucket: query.bucket });
  return apiRequest(`${base(id)}/metrics?${params.toString()}`, { token, signal });
}

export interface Check {
  /** the slot the check was for */
  time: string;
  status: Exclude<MonitorState, 'unknown'>;
  http_status: number | null;
  response_time_ms: number | null;
  error_category: string | null;
  error_message: string | null;
  maintenance: boolean;
  /** what an EVM check measured: a balance in whole units, a block height, a contract value */
  value: number | null;
  /** the exact reading where a number cannot hold it (a contract call's decoded result) */
  value_text: string | null;
}

export interface Incident {
  id: string;
  started_at: string;
  resolved_at: string | null;
  open: boolean;
  /** up to now while open */
  duration_seconds: number;
  error_category: string | null;
  error_message: string | null;
}

export interface AlertDelivery {
  channel_id: string;
  channel_type: string;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  last_error: string | null;
  last_attempt_at: string | null;
  delivered_at: string | null;
}

export interface Alert {
  id: string;
  /** the new state (up, down, degraded) or the event (reminder, flapping, stable, expiring) */
  alert_type: string;
  severity: string;
  message: string;
  delivery_status: 'pending' | 'sent' | 'partial' | 'failed' | 'suppressed';
  suppressed_reason: 'maintenance' | 'flapping' | null;
  created_at: string;
  deliveries: AlertDelivery[];
}

export type PageFetcher<T> = (
  token: string,
  cursor: string | null,
  signal?: AbortSignal,
) => Promise<Page<T>>;

function listPath(id: string, list: string, limit: number, cursor: string | null): string {
  const query = new URLSearchParams({ limit: String(limit) });
  if (cursor) query.set('cursor', cursor);
  return `${base(id)}/${list}?${query.toString()}`;
}

/** Newest first, each page `limit` long; the cursor continues after the last one shown. */
export const listChecks =
  (id: string): PageFetcher<Check> =>
  (token, cursor, signal) =>
    apiRequest(listPath(id, 'checks', 25, cursor), { token, signal });

export const listIncidents =
  (id: string): PageFetcher<Incident> =>
  (token, cursor, signal) =>
    apiRequest(listPath(id, 'incidents', 20, cursor), { token, signal });

export const listAlerts =
  (id: string): PageFetcher<Alert> =>
  (token, cursor, signal) =>
    apiRequest(listPath(id, 'alerts', 20, cursor), { token, signal });
