import { z } from 'zod';
import { day, page, time, uuid } from './common';
import { MONITOR_STATES, PUBLIC_STATES } from './enums';
import {
  MAX_DESCRIPTION,
  MAX_RECENT_INCIDENTS,
  MAX_SUBSCRIPTIONS_PER_PAGE,
  MAX_TITLE,
  PAGE_DAYS,
  RECENT_INCIDENT_DAYS,
  SLUG_PATTERN,
} from './limits';

const SLUG_RULE =
  'must be 1-64 lower-case letters, digits and hyphens, not starting or ending with a hyphen';

const fields = {
  slug: z.string({ error: SLUG_RULE }).regex(SLUG_PATTERN, SLUG_RULE),
  title: z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, 'must not be empty')
    .max(MAX_TITLE, `must be at most ${MAX_TITLE} characters`),
  /** null or blank: no description */
  description: z
    .string({ error: 'must be a string or null' })
    .trim()
    .max(MAX_DESCRIPTION, `must be at most ${MAX_DESCRIPTION} characters`)
    .nullable(),
  subscription_ids: z
    .array(z.uuid('must be a subscription id'), { error: 'must be a list of subscription ids' })
    .min(1, 'must list at least one subscription')
    .max(
      MAX_SUBSCRIPTIONS_PER_PAGE,
      `must list at most ${MAX_SUBSCRIPTIONS_PER_PAGE} subscriptions`,
    ),
  published: z.boolean({ error: 'must be true or false' }),
};

/** POST /v1/status-pages */
export const createStatusPageSchema = z.strictObject({
  slug: fields.slug,
  title: fields.title,
  description: fields.description.optional(),
  subscription_ids: fields.subscription_ids,
  published: fields.published.default(true),
});
export type StatusPageCreate = z.input<typeof createStatusPageSchema>;

/** PATCH /v1/status-pages/:id: any field; subscription_ids replaces the list. */
export const updateStatusPageSchema = z.strictObject({
  slug: fields.slug.optional(),
  title: fields.title.optional(),
  description: fields.description.optional(),
  subscription_ids: fields.subscription_ids.optional(),
  published: fields.published.optional(),
});
export type StatusPageUpdate = z.input<typeof updateStatusPageSchema>;

/** The owner's view of a page. */
export const statusPage = z.object({
  id: uuid,
  slug: z.string(),
  title: z.string(),
  description: z.string().nullable(),
  published: z.boolean(),
  subscription_ids: z
    .array(uuid)
    .meta({ description: 'in page order; deleted subscriptions drop out' }),
  urls: z
    .object({ html: z.string(), json: z.string() })
    .meta({ description: 'where the public page answers while published' }),
  created_at: time,
  updated_at: time,
});
export type StatusPage = z.output<typeof statusPage>;

export const statusPagePage = page(statusPage);

const publicState = z.enum(PUBLIC_STATES).meta({
  description: 'paused: not being checked (paused by its owner, or its paid period ran out)',
});

export const publicDay = z.object({
  date: day,
  uptime_pct: z.number().nullable().meta({ description: 'null: nothing checked' }),
  total_checks: z.int(),
  coverage_pct: z
    .number()
    .nullable()
    .meta({ description: 'checks made out of due; null: none was due' }),
});
export type PublicDay = z.output<typeof publicDay>;

export const publicIncident = z.object({
  subscription: z.object({ id: uuid, name: z.string() }),
  started_at: time,
  resolved_at: time.nullable(),
  duration_seconds: z.int().meta({ description: 'so far, for an open incident' }),
});
export type PublicIncident = z.output<typeof publicIncident>;

export const publicRegion = z.object({
  region: z.string(),
  status: z.enum(MONITOR_STATES).meta({
    description:
      'what the region found at the latest slot (or, still at work on it, at the slot before); unknown: no result from it lately',
  }),
});
export type PublicRegion = z.output<typeof publicRegion>;

export const publicSubscription = z.object({
  id: uuid,
  name: z.string(),
  state: publicState,
  last_check_at: time.nullable(),
  uptime_90d_pct: z.number().nullable(),
  days: z.array(publicDay).meta({
    description: `the last ${PAGE_DAYS} UTC days, today last; every region's checks count`,
  }),
  regions: z.array(publicRegion).meta({
    description:
      'for a subscription checked from more than one region: each region’s result, in the order they were chosen; empty for one region',
  }),
  sla_report_url: z.string().meta({
    description:
      'its last 30 days as a verifiable SLA report: every check signed by its probe, for lighthouse-verify',
  }),
});
export type PublicSubscription = z.output<typeof publicSubscription>;

/** A published page: only what its owner chose to show, never a target, channel or owner. */
export const publicStatusPage = z
  .object({
    slug: z.string(),
    title: z.string(),
    description: z.string().nullable(),
    updated_at: time,
    generated_at: time,
    overall_state: z.enum(MONITOR_STATES).meta({
      description:
        'the worst state of the checked subscriptions (down > degraded > up > unknown); paused ones do not count',
    }),
    subscriptions: z.array(publicSubscription),
    incidents: z.object({
      open: z.array(publicIncident),
      recent: z.array(publicIncident).meta({
        description: `resolved in the last ${RECENT_INCIDENT_DAYS} days, newest first, at most ${MAX_RECENT_INCIDENTS}`,
      }),
    }),
  })
  .meta({
    description:
      'a published page: only the name, state and history of the subscriptions it lists, never a target, channel or owner',
  });
export type PublicStatusPage = z.output<typeof publicStatusPage>;
