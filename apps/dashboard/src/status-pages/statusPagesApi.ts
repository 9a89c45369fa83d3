import type {
  Page,
  PublicStatusPage,
  StatusPage,
  StatusPageCreate,
  StatusPageUpdate,
  Subscription,
} from '@lighthouse/contracts';
import { API_URL, apiRequest, listSubscriptions } from '../api';

/*
 * The status page endpoints of the public REST API (services/api/src/routes/status-pages.ts).
 * The rules the dashboard explains before the API refuses (SLUG_PATTERN, MAX_TITLE…) are the
 * contract's.
 */
export {
  MAX_DESCRIPTION,
  MAX_PAGES_PER_USER,
  MAX_SUBSCRIPTIONS_PER_PAGE,
  MAX_TITLE,
  SLUG_PATTERN,
} from '@lighthouse/contracts';

/** The API's rule for a slug, in the dashboard's words. */
export const SLUG_RULE =
  '1–64 lower-case letters, digits and hyphens, not starting or ending with a hyphen';

/** What the editor sends: every field, so a new page and a change are built alike. */
export type StatusPageInput = Required<StatusPageCreate>;

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
  changes: StatusPageUpdate,
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
