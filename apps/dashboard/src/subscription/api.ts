import type {
  Alert,
  Check,
  Incident,
  Metrics,
  MetricsBucket,
  Page,
  Subscription,
  TestAlertResults,
} from '@lighthouse/contracts';
import { apiRequest } from '../api';

const base = (id: string) => `/v1/subscriptions/${encodeURIComponent(id)}`;

export function getSubscription(
  token: string,
  id: string,
  signal?: AbortSignal,
): Promise<Subscription> {
  return apiRequest(base(id), { token, signal });
}

export function setPaused(token: string, id: string, paused: boolean): Promise<Subscription> {
  return apiRequest(`${base(id)}/${paused ? 'pause' : 'resume'}`, { method: 'POST', token });
}

export function deleteSubscription(token: string, id: string): Promise<void> {
  return apiRequest(base(id), { method: 'DELETE', token });
}

export function sendTestAlert(token: string, id: string): Promise<TestAlertResults> {
  return apiRequest(`${base(id)}/test-alert`, { method: 'POST', token });
}

/** All regions' figures together, or one region's. */
export function getMetrics(
  token: string,
  id: string,
  query: { from: Date; bucket: MetricsBucket; region?: string },
  signal?: AbortSignal,
): Promise<Metrics> {
  const params = new URLSearchParams({ from: query.from.toISOString(), bucket: query.bucket });
  if (query.region !== undefined) params.set('region', query.region);
  return apiRequest(`${base(id)}/metrics?${params.toString()}`, { token, signal });
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
