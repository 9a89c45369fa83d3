import { z } from 'zod';
import { page, time, uuid } from './common';
import { CHECK_STATUSES } from './enums';

const latency = z.number().nullable();

/** The figures of a stretch of time: the whole range of an answer, or one of its buckets. */
export const metricsSummary = z.object({
  total_checks: z.int(),
  up_checks: z.int(),
  down_checks: z.int(),
  degraded_checks: z.int(),
  uptime_pct: z.number().nullable().meta({
    description: 'up and degraded over checked, in %; null when nothing was checked',
  }),
  avg_latency_ms: latency,
  min_latency_ms: latency,
  max_latency_ms: latency,
  p50_latency_ms: latency,
  p95_latency_ms: latency.meta({
    description:
      'estimated from the latency histogram of the rollups, within 5 % of the exact value',
  }),
  p99_latency_ms: latency,
  expected_checks: z.int().nullable().meta({
    description:
      'checks that were due: the slots while the subscription was scheduled (paused time is not due), once per region it is checked from (once for one region’s figures)',
  }),
  coverage_pct: z.number().nullable().meta({
    description:
      'checked over due, in %, at most 100; 0 for a stretch without checks; null when nothing was due',
  }),
});
export type MetricsSummary = z.output<typeof metricsSummary>;

export const METRICS_BUCKETS = ['1h', '1d'] as const;
export type MetricsBucket = (typeof METRICS_BUCKETS)[number];

export const metrics = metricsSummary
  .extend({
    subscription_id: uuid,
    from: time.meta({ description: 'the requested from, floored to the bucket' }),
    to: time.meta({ description: 'the requested to, ceiled to the bucket' }),
    bucket: z.enum(METRICS_BUCKETS),
    region: z.string().nullable().meta({
      description:
        'the region the figures are of (the request’s region); null: all regions together',
    }),
    regions: z.array(z.string()).meta({
      description:
        'the regions with checks in the range, by name: all of them, also when region picks one',
    }),
    series: z.array(
      metricsSummary.extend({ time: time.meta({ description: 'start of the bucket' }) }),
    ),
  })
  .meta({
    description:
      'figures for the whole range (the merge of its buckets) and one entry per UTC bucket that has begun, empty ones included; of one region, or of all regions together (each region’s checks count: a slot checked from 3 regions is 3 checks, and 3 are due)',
  });
export type Metrics = z.output<typeof metrics>;

const timings = z.record(z.string(), z.number()).nullable();

/** One step of a canary check; `step` counts from 1, as check errors name steps. */
export const canaryStep = z.object({
  step: z.int().min(1).meta({ description: 'counted from 1, as errors name it' }),
  name: z.string(),
  status: z.enum(['up', 'down']),
  http_status: z.int().nullable(),
  response_time_ms: z.int().nullable(),
  timings,
  error_category: z.string().nullable(),
  error_message: z.string().nullable(),
});
export type CanaryStep = z.output<typeof canaryStep>;

export const check = z.object({
  time: time.meta({ description: 'the slot the check was for' }),
  status: z.enum(CHECK_STATUSES),
  http_status: z.int().nullable(),
  response_time_ms: z.int().nullable(),
  timings,
  error_category: z.string().nullable(),
  error_message: z.string().nullable(),
  schedule_lag_ms: z.int().nullable(),
  region: z.string().meta({
    description: 'the region of the checker that made it: a slot has one check per region',
  }),
  maintenance: z.boolean().meta({ description: 'the slot fell in a maintenance window' }),
  confirmation: z.boolean().meta({
    description:
      'a confirmation check: made retry_interval_seconds after a failure (or, while down, a success) to confirm it; it moves the state but is no slot of the schedule, so metrics do not count it',
  }),
  value: z.number().nullable().meta({
    description:
      'the number the check measured: a balance in whole units, a block height, a contract value',
  }),
  value_text: z.string().nullable().meta({
    description:
      'the exact reading where a number cannot hold it: a contract call’s decoded result',
  }),
  steps: z.array(canaryStep).optional().meta({
    description:
      'canary checks only: the steps as far as the flow got, in order (it stops at the first failing step)',
  }),
});
export type Check = z.output<typeof check>;

export const checkPage = page(check);

export const incident = z.object({
  id: uuid,
  started_at: time,
  resolved_at: time.nullable(),
  open: z.boolean(),
  duration_seconds: z.int().meta({ description: 'up to now while open' }),
  error_category: z.string().nullable(),
  error_message: z.string().nullable(),
});
export type Incident = z.output<typeof incident>;

export const incidentPage = page(incident);
