import {
  MAX_PAGES_PER_USER,
  MAX_RECENT_INCIDENTS,
  PAGE_DAYS,
  RECENT_INCIDENT_DAYS,
  SLUG_PATTERN,
  createStatusPageSchema,
  updateStatusPageSchema,
  type MonitorState,
  type PublicDay,
  type PublicIncident,
  type PublicRegion,
  type PublicState,
  type PublicStatusPage,
  type StatusPage as StatusPageAnswer,
} from '@lighthouse/contracts';
import { audit, rollups, statusPages, users, type Executor, type StatusPage } from '@lighthouse/db';
import {
  UNIT_MS,
  addCounts,
  bucketEnd,
  bucketStart,
  emptyCounts,
  dueSlots,
  summarize,
  type BucketUnit,
} from '@lighthouse/domain';
import { AppError, type FieldIssue } from '@lighthouse/shared';
import { isDeepStrictEqual } from 'node:util';
import type { AppContext } from '../context';
import { parseWhole } from './subscriptions';

export interface OwnedStatusPage {
  page: StatusPage;
  subscriptionIds: string[];
}

const pageNotFound = (): AppError => AppError.notFound('status page');

function slugTaken(slug: string): AppError {
  return new AppError('conflict', `slug: "${slug}" is taken by another status page`, {
    details: { fields: [{ field: 'slug', message: 'is taken by another status page' }] },
  });
}

/** Runs `write`, answering 409 naming `slug` when the slug's unique constraint refuses it. */
async function guardSlug<T>(slug: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (slug !== undefined && statusPages.isSlugTaken(err)) throw slugTaken(slug);
    throw err;
  }
}

/**
 * The listed ids, lower-cased, once each, all live subscriptions of `owner`; a 400 naming each
 * entry that is not. Someone else's id reads exactly like an unknown one.
 */
async function checkSubscriptionIds(
  tx: Executor,
  owner: string,
  raw: readonly string[],
): Promise<string[]> {
  const ids = raw.map((id) => id.toLowerCase());
  const owned = await statusPages.ownedLiveSubscriptionIds(tx, owner, ids);
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    const field = `subscription_ids[${i}]`;
    if (seen.has(id)) issues.push({ field, message: 'is listed twice' });
    else if (!owned.has(id)) issues.push({ field, message: 'is not one of your subscriptions' });
    seen.add(id);
  });
  if (issues.length > 0) throw AppError.validation(issues);
  return ids;
}

const blankToNull = (text: string | null | undefined): string | null | undefined =>
  text === '' ? null : text;

export async function createPage({
  ctx,
  actor,
  body,
}: {
  ctx: AppContext;
  actor: audit.AuditActor;
  body: unknown;
}): Promise<OwnedStatusPage> {
  const owner = actor.address;
  const input = parseWhole(createStatusPageSchema, body);
  return ctx.db.transaction().execute(async (tx) => {
    // the lock makes concurrent creates count one after another
    await users.lockUser(tx, owner);
    const subscriptionIds = await checkSubscriptionIds(tx, owner, input.subscription_ids);
    const count = await statusPages.countOwnedPages(tx, owner);
    if (count >= MAX_PAGES_PER_USER) {
      throw new AppError(
        'conflict',
        `a wallet has at most ${MAX_PAGES_PER_USER} status pages and this one has ${count}: delete one first`,
        { details: { limit: MAX_PAGES_PER_USER } },
      );
    }
    const page = await guardSlug(input.slug, () =>
      statusPages.insertPage(tx, {
        user_address: owner,
        slug: input.slug,
        title: input.title,
        description: blankToNull(input.description) ?? null,
        published: input.published,
      }),
    );
    await statusPages.setPageSubscriptions(tx, page.id, subscriptionIds);
    await audit.recordAudit(tx, {
      ...actor,
      action: 'status_page.create',
      resourceType: 'status_page',
      resourceId: page.id,
      details: { subscription_ids: subscriptionIds },
    });
    return { page, subscriptionIds };
  });
}

async function ownedPage(
  db: Executor,
  owner: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StatusPage> {
  const page = await statusPages.findOwnedPage(db, owner, id, options);
  if (!page) throw pageNotFound();
  return page;
}

async function withSubscriptions(db: Executor, page: StatusPage): Promise<OwnedStatusPage> {
  const ids = await statusPages.pageSubscriptionIds(db, [page.id]);
  return { page, subscriptionIds: ids.get(page.id) ?? [] };
}

export async function getPage(
  ctx: AppContext,
  owner: string,
  id: string,
): Promise<OwnedStatusPage> {
  return withSubscriptions(ctx.db, await ownedPage(ctx.db, owner, id));
}

export async function listPages(
  ctx: AppContext,
  owner: string,
  options: Parameters<typeof statusPages.listOwnedPages>[2],
): Promise<{ items: OwnedStatusPage[]; next: { createdAt: string; id: string } | null }> {
  const { rows, next } = await statusPages.listOwnedPages(ctx.db, owner, options);
  const ids = await statusPages.pageSubscriptionIds(
    ctx.db,
    rows.map((p) => p.id),
  );
  return {
    items: rows.map((page) => ({ page, subscriptionIds: ids.get(page.id) ?? [] })),
    next,
  };
}

export async function updatePage({
  ctx,
  actor,
  id,
  body,
}: {
  ctx: AppContext;
  actor: audit.AuditActor;
  id: string;
  body: unknown;
}): Promise<OwnedStatusPage> {
  const owner = actor.address;
  return ctx.db.transaction().execute(async (tx) => {
    const before = await withSubscriptions(tx, await ownedPage(tx, owner, id, { forUpdate: true }));
    const input = parseWhole(updateStatusPageSchema, body);
    const subscriptionIds =
      input.subscription_ids === undefined
        ? undefined
        : await checkSubscriptionIds(tx, owner, input.subscription_ids);
    const page = await guardSlug(input.slug, () =>
      statusPages.updatePage(tx, id, {
        slug: input.slug,
        title: input.title,
        description: blankToNull(input.description),
        published: input.published,
      }),
    );
    if (subscriptionIds !== undefined) {
      await statusPages.setPageSubscriptions(tx, page.id, subscriptionIds);
    }
    const after = { page, subscriptionIds: subscriptionIds ?? before.subscriptionIds };
    await audit.recordAudit(tx, {
      ...actor,
      action: 'status_page.update',
      resourceType: 'status_page',
      resourceId: page.id,
      details: { fields: changedPageFields(before, after) },
    });
    return after;
  });
}

/** The fields an update changed, by name, for the audit log. */
function changedPageFields(before: OwnedStatusPage, after: OwnedStatusPage): string[] {
  const fields = (['slug', 'title', 'description', 'published'] as const).filter(
    (field) => before.page[field] !== after.page[field],
  );
  return isDeepStrictEqual(before.subscriptionIds, after.subscriptionIds)
    ? fields
    : [...fields, 'subscription_ids'];
}

export async function deletePage(
  ctx: AppContext,
  actor: audit.AuditActor,
  id: string,
): Promise<void> {
  await ctx.db.transaction().execute(async (tx) => {
    if (!(await statusPages.deleteOwnedPage(tx, actor.address, id))) throw pageNotFound();
    await audit.recordAudit(tx, {
      ...actor,
      action: 'status_page.delete',
      resourceType: 'status_page',
      resourceId: id,
    });
  });
}

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;

/** The owner's view of a page. */
export function pageJson({ page, subscriptionIds }: OwnedStatusPage): StatusPageAnswer {
  return {
    id: page.id,
    slug: page.slug,
    title: page.title,
    description: page.description,
    published: page.published,
    subscription_ids: subscriptionIds,
    /** where the public page answers, while published */
    urls: { html: `/status/${page.slug}`, json: `/v1/status/${page.slug}` },
    created_at: page.created_at.toISOString(),
    updated_at: page.updated_at.toISOString(),
  };
}

// ---------------------------------------------------------------- public views

/**
 * What the public sees of a subscription's state. `paused` means it is not being checked (paused
 * by its owner, or its paid period ran out); its history still shows.
 */
export function publicState(
  sub: statusPages.PublicSubscription,
  now: Date = new Date(),
): PublicState {
  const expired = sub.expires_at !== null && sub.expires_at.getTime() <= now.getTime();
  return sub.active && !expired ? sub.state : 'paused';
}

/** Worst first; a paused subscription is not being checked, so it does not count. */
const SEVERITY: Record<MonitorState, number> = { down: 3, degraded: 2, up: 1, unknown: 0 };

/** The worst state among the checked subscriptions; unknown when none is checked. */
export function overallState(states: readonly PublicState[]): MonitorState {
  let worst: MonitorState = 'unknown';
  for (const state of states) {
    if (state !== 'paused' && SEVERITY[state] > SEVERITY[worst]) worst = state;
  }
  return worst;
}

const statusPageNotFound = (): AppError => AppError.notFound('status page');

/** Each subscription's last PAGE_DAYS UTC days, today last: two queries for the whole page. */
async function dailyBars(
  db: Executor,
  subs: readonly statusPages.PublicSubscription[],
  now: Date,
): Promise<{ days: PublicDay[]; uptime: number | null }[]> {
  const day = UNIT_MS.day;
  const from = new Date(bucketStart(now, 'day').getTime() - (PAGE_DAYS - 1) * day);
  const to = new Date(from.getTime() + PAGE_DAYS * day);
  const ids = subs.map((s) => s.id);
  const [stats, logs] = await Promise.all([
    rollups.bucketStatsOf(db, ids, from, to, 'day', { histograms: false }),
    rollups.scheduleLogsOf(db, ids),
  ]);
  return subs.map((sub) => {
    const byStart = new Map((stats.get(sub.id) ?? []).map((b) => [b.time.getTime(), b]));
    const log = logs.get(sub.id) ?? [];
    const total = emptyCounts();
    const days: PublicDay[] = [];
    for (let i = 0; i < PAGE_DAYS; i++) {
      const start = new Date(from.getTime() + i * day);
      const counts = byStart.get(start.getTime()) ?? emptyCounts();
      addCounts(total, counts);
      // each region checks every slot, and each region's checks count
      const expected = dueSlots(counts, log, start, new Date(start.getTime() + day), {
        now,
        expiresAt: sub.expires_at,
        regions: sub.regions?.length ?? 1,
      });
      const summary = summarize(counts, expected);
      days.push({
        date: start.toISOString().slice(0, 10),
        uptime_pct: summary.uptime_pct,
        total_checks: summary.total_checks,
        coverage_pct: summary.coverage_pct,
      });
    }
    return { days, uptime: summarize(total, null).uptime_pct };
  });
}

/** A published page as the public sees it; 404 for an unknown or unpublished slug alike. */
export async function publicPage(ctx: AppContext, slug: string): Promise<PublicStatusPage> {
  if (!SLUG_PATTERN.test(slug)) throw statusPageNotFound();
  const page = await statusPages.findPublishedPage(ctx.db, slug);
  if (!page) throw statusPageNotFound();
  const now = new Date();
  const subs = await statusPages.publicSubscriptions(ctx.db, page.id);
  const ids = subs.map((s) => s.id);
  const [bars, regions, incidents] = await Promise.all([
    dailyBars(ctx.db, subs, now),
    statusPages.latestRegionStatuses(ctx.db, ids),
    statusPages.incidentsOf(ctx.db, ids, {
      resolvedSince: new Date(now.getTime() - RECENT_INCIDENT_DAYS * UNIT_MS.day),
      recentLimit: MAX_RECENT_INCIDENTS,
    }),
  ]);
  const names = new Map(subs.map((s) => [s.id, s.name]));
  const incidentJson = (i: statusPages.PublicIncident): PublicIncident => ({
    subscription: { id: i.subscription_id, name: names.get(i.subscription_id) ?? '' },
    started_at: i.started_at.toISOString(),
    resolved_at: iso(i.resolved_at),
    duration_seconds: Math.max(
      0,
      Math.round(((i.resolved_at ?? now).getTime() - i.started_at.getTime()) / 1000),
    ),
  });
  const subscriptions = subs.map((sub, i) => ({
    id: sub.id,
    name: sub.name,
    state: publicState(sub, now),
    last_check_at: iso(sub.last_check_at),
    uptime_90d_pct: bars[i]!.uptime,
    days: bars[i]!.days,
    regions: (regions.get(sub.id) ?? []).map((r): PublicRegion => ({
      region: r.region,
      status: r.status ?? 'unknown',
    })),
    sla_report_url: `/v1/subscriptions/${sub.id}/sla-report`,
  }));
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    updated_at: page.updated_at.toISOString(),
    generated_at: now.toISOString(),
    overall_state: overallState(subscriptions.map((s) => s.state)),
    subscriptions,
    incidents: {
      open: incidents.open.map(incidentJson),
      recent: incidents.recent.map(incidentJson),
    },
  };
}

// ---------------------------------------------------------------- badges

export const PERIOD_PATTERN = /^(\d{1,3})([hd])$/;
const HOUR_MS = UNIT_MS.hour;
const MAX_PERIOD_HOURS = 365 * 24;
/** Up to this long, uptime badges add hours; longer periods add days. */
const HOURLY_UP_TO_HOURS = 48;

/** A badge period such as `30d` or `12h` in hours; a 400 naming `period` otherwise. */
export function parsePeriod(raw: unknown): { label: string; hours: number } {
  if (raw === undefined) return { label: '30d', hours: 30 * 24 };
  const match = typeof raw === 'string' ? PERIOD_PATTERN.exec(raw) : null;
  const n = match ? Number(match[1]) : 0;
  const hours = match?.[2] === 'd' ? n * 24 : n;
  if (!match || hours < 1 || hours > MAX_PERIOD_HOURS) {
    throw AppError.validation([
      { field: 'period', message: 'must be a number of hours or days such as 24h or 30d, 1h-365d' },
    ]);
  }
  return { label: raw as string, hours };
}

/**
 * A subscription a badge may show: live and listed on a published page. Anything else is the
 * same 404 (the route answers a malformed id with it too), so a badge never tells whether an id
 * exists.
 */
export async function badgeSubscription(
  ctx: AppContext,
  id: string,
): Promise<statusPages.PublicSubscription> {
  const sub = await statusPages.findPublishedSubscription(ctx.db, id);
  if (!sub) throw AppError.notFound('badge');
  return sub;
}

/**
 * Uptime over the whole UTC hours (periods up to 2 days) or days that overlap the last `hours`,
 * from rollups and the raw rows after them; null when nothing was checked.
 */
export async function periodUptime(
  db: Executor,
  subscriptionId: string,
  hours: number,
  now: Date = new Date(),
): Promise<number | null> {
  const unit: BucketUnit = hours <= HOURLY_UP_TO_HOURS ? 'hour' : 'day';
  const from = bucketStart(new Date(now.getTime() - hours * HOUR_MS), unit);
  const to = bucketEnd(now, unit);
  const buckets = await rollups.bucketStats(db, subscriptionId, from, to, unit, {
    histograms: false,
  });
  const total = emptyCounts();
  for (const b of buckets) addCounts(total, b);
  return summarize(total, null).uptime_pct;
}
