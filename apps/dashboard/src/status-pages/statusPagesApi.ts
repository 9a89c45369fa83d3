import {
  API_URL,
  apiRequest,
  listSubscriptions,
  type MonitorState,
  type Page,
  type Subscription,
} from '../api';

/*
 * The status page endpoints of the public REST API (services/api/src/routes/status-pages.ts),
 * and the rules the dashboard repeats so it can explain them before the API refuses.
 */

/** The same rule as the API's SLUG_PATTERN and the status_pages.slug check constraint. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const SLUG_RULE =
  '1–64 lower-case letters, digits and hyphens, not starting or ending with a hyphen';
export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 2000;
export const MAX_SUBSCRIPTIONS_PER_PAGE = 50;
export const MAX_PAGES_PER_USER = 20;

/** The owner's view of a status page (GET/POST/PATCH /v1/status-pages…). */
export interface StatusPage {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  published: boolean;
  /** in page order; deleted subscriptions drop out */
  subscription_ids: string[];
  urls: { html: string; json: string };
  created_at: string;
  updated_at: string;
}

export interface StatusPageInput {
  slug: string;
  title: string;
  description: string | null;
  subscription_ids: string[];
  published: boolean;
}

export type PublicState = MonitorState | 'paused';

/** What visitors see (GET /v1/status/:slug), the fields this dashboard shows. */
export interface PublicStatusPage {
  slug: string;
  title: string;
  description: string | null;
  generated_at: string;
  overall_state: MonitorState;
  subscriptions: {
    id: string;
    name: string;
    state: PublicState;
    last_check_at: string | null;
    uptime_90d_pct: number | null;
  }[];
  incidents: {
    open: { subscription: { id: string; name: string }; started_at: string }[];
    recent: unknown[];
  };
}

/** A bound on the pages a list follows, so a bad cursor loop cannot spin forever. */
const MAX_LIST_REQUESTS = 20;

async function collect<T>(
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
): Promise<{ items: T[]; complete: boolean }> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < MAX_LIST_REQUESTS; i++) {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) return { items, complete: true };
  }
  return { items, complete: false };
}

/** All of the user's status pages (at most 20 exist, so one request in practice). */
export async function listStatusPages(token: string, signal: AbortSignal): Promise<StatusPage[]> {
  const { items } = await collect((cursor) => {
    const query = new URLSearchParams({ limit: '50' });
    if (cursor) query.set('cursor', cursor);
    return apiRequest<Page<StatusPage>>(`/v1/status-pages?${query.toString()}`, {
      token,
      signal,
    });
  });
  return items;
}

const SUBSCRIPTIONS_PER_REQUEST = 100;

/**
 * The user's subscriptions, following the cursor for at most 20 requests of 100;
 * `complete` is false when there were more than that.
 */
export function listAllSubscriptions(
  token: string,
  signal: AbortSignal,
): Promise<{ items: Subscription[]; complete: boolean }> {
  return collect((cursor) =>
    listSubscriptions(token, { cursor, limit: SUBSCRIPTIONS_PER_REQUEST }, signal),
  );
}

export function getStatusPage(
  token: string,
  id: string,
  signal?: AbortSignal,
): Promise<StatusPage> {
  return apiRequest(`/v1/status-pages/${encodeURIComponent(id)}`, { token, signal });
}

export function createStatusPage(token: string, input: StatusPageInput): Promise<StatusPage> {
  return apiRequest('/v1/status-pages', { method: 'POST', token, body: input });
}

export function updateStatusPage(
  token: string,
  id: string,
  changes: Partial<StatusPageInput>,
): Promise<StatusPage> {
  return apiRequest(`/v1/status-pages/${encodeURIComponent(id)}`, {
    method: 'PATCH',
    token,
    body: changes,
  });
}

export function deleteStatusPage(token: string, id: string): Promise<void> {
  return apiRequest(`/v1/status-pages/${encodeURIComponent(id)}`, { method: 'DELETE', token });
}

/**
 * The public JSON of a published page, no token. `version` (the page's updated_at) only varies
 * the URL, so a copy the browser cached for up to 30 s is not shown after a save.
 */
export function getPublicStatusPage(
  slug: string,
  version: string,
  signal: AbortSignal,
): Promise<PublicStatusPage> {
  const query = new URLSearchParams({ v: version });
  return apiRequest(`/v1/status/${encodeURIComponent(slug)}?${query.toString()}`, { signal });
}

// ---------------------------------------------------------------- URLs visitors use

/** An absolute URL on the API's origin, for links and snippets used outside the dashboard. */
export function publicUrl(path: string): string {
  return new URL(path, API_URL || window.location.origin).href;
}

export function statusPageUrl(slug: string): string {
  return publicUrl(`/status/${encodeURIComponent(slug)}`);
}

export const UPTIME_PERIODS = ['24h', '7d', '30d', '90d'] as const;
export type UptimePeriod = (typeof UPTIME_PERIODS)[number];
/** The API's default period: its URL needs no query. */
export const DEFAULT_UPTIME_PERIOD: UptimePeriod = '30d';

export function badgeUrls(
  subscriptionId: string,
  period: UptimePeriod,
): { status: string; uptime: string } {
  const id = encodeURIComponent(subscriptionId);
  const query = period === DEFAULT_UPTIME_PERIOD ? '' : `?period=${period}`;
  return {
    status: publicUrl(`/badge/${id}/status.svg`),
    uptime: publicUrl(`/badge/${id}/uptime.svg${query}`),
  };
}

/**
 * Whether the dashboard may show the public HTML page in an iframe: the API answers it with
 * helmet's `X-Frame-Options: SAMEORIGIN` (and the dashboard's own CSP allows frames from 'self'
 * only), so only when the API is on the dashboard's origin.
 */
export function canFramePublicPage(): boolean {
  if (!API_URL) return true;
  try {
    return new URL(API_URL).origin === window.location.origin;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- helpers

/** A slug suggested from a title: "My API (EU)" → "my-api-eu". */
export function slugFromTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}

export { fieldErrorsOf } from '../api';

export function subscriptionName(sub: Pick<Subscription, 'id' | 'name'>): string {
  return sub.name.trim() || sub.id;
}
