/*
 * The API's limits and rules that a client explains before the API refuses. Plain values
 * without zod, like enums.ts, so a client that needs only these bundles nothing else.
 */

// ---------------------------------------------------------------- status pages

/** The same rule as the status_pages.slug check constraint. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
export const MAX_TITLE = 200;
export const MAX_DESCRIPTION = 2000;
export const MAX_PAGES_PER_USER = 20;
export const MAX_SUBSCRIPTIONS_PER_PAGE = 50;
/** A public page shows this many UTC days of each subscription, today last. */
export const PAGE_DAYS = 90;
/** A public page lists incidents resolved this many days back, at most MAX_RECENT_INCIDENTS. */
export const RECENT_INCIDENT_DAYS = 30;
export const MAX_RECENT_INCIDENTS = 20;
