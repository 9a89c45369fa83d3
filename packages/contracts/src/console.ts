import { z } from 'zod';
import { page, time, wholeList } from './common';
import { MODES, MONITOR_STATES, QUEUE_JOB_STATES } from './enums';
import { payment } from './payments';
import { subscription } from './subscriptions';

// The operator console: `/v1/admin/*`, for the owner of a self-hosted instance and the wallets
// in LIGHTHOUSE_ADMIN_WALLETS.

/** Jobs per state in one queue, as BullMQ counts them. */
export const queueCounts = z.partialRecord(z.enum(QUEUE_JOB_STATES), z.int());
export type QueueCounts = z.output<typeof queueCounts>;

export const timescaleJob = z.object({
  job_id: z.int(),
  proc_name: z.string().meta({ description: 'e.g. policy_compression, policy_retention' }),
  hypertable: z
    .string()
    .nullable()
    .meta({ description: "schema.table; null for TimescaleDB's own jobs" }),
  last_run_status: z
    .enum(['success', 'failed'])
    .nullable()
    .meta({ description: 'null while it has never finished a run' }),
  job_status: z.string().nullable().meta({ description: 'Scheduled, Running or Paused' }),
  last_run_started_at: time.nullable(),
  last_successful_finish: time.nullable(),
  next_start: time.nullable().meta({ description: 'null while paused' }),
  total_runs: z.int(),
  total_failures: z.int(),
  consecutive_failures: z.int().nullable().meta({
    description: 'failed runs since the last success; null where TimescaleDB does not say',
  }),
});
export type TimescaleJob = z.output<typeof timescaleJob>;

export const overview = z.object({
  mode: z.enum(MODES),
  version: z.string(),
  health: z
    .object({ status: z.enum(['ok', 'unavailable']) })
    .catchall(z.string())
    .meta({ description: 'as /health answers: each dependency connected or disconnected' }),
  subscriptions: z.object({
    total: z.int(),
    active: z.int().meta({ description: 'checked: not paused, not expired' }),
    paused: z.int(),
    expired: z.int().meta({ description: 'a paid period has passed' }),
    by_state: z.record(z.enum(MONITOR_STATES), z.int()),
  }),
  queues: z
    .record(z.string(), queueCounts.nullable())
    .meta({ description: 'per queue, jobs by state (null when Redis did not answer)' }),
  bull_board_url: z.string(),
  checkers: z.object({ live: z.int(), known: z.int() }),
  pending_payments: z.int(),
  storage: z
    .object({
      engine: z.enum(['timescaledb', 'postgresql']),
      timescaledb_version: z.string().nullable(),
      jobs: z.array(timescaleJob),
    })
    .meta({
      description:
        "how check_history is stored, and TimescaleDB's background jobs (compression and other policies) with how each last ran, from timescaledb_information.job_stats; jobs is empty on plain PostgreSQL, which has none",
    }),
});
export type Overview = z.output<typeof overview>;

/** One account, with its subscription and payment counts. */
export const consoleUser = z.object({
  address: z.string(),
  created_at: time,
  language: z.string(),
  subscriptions: z.int().meta({ description: 'live (not deleted) subscriptions' }),
  active_subscriptions: z.int(),
  payments: z.int().meta({ description: 'settled payments' }),
  total_spent_usdc: z.string().meta({ description: 'decimal USDC' }),
  wallets: z.array(z.string()).meta({ description: 'the wallets that sign in to this account' }),
});
export type ConsoleUser = z.output<typeof consoleUser>;

export const consoleUserPage = page(consoleUser);

/** Anyone's subscription: the owner's view of it (which names the owner, user_address). */
export const consoleSubscriptionPage = page(subscription);

/** Anyone's payment, with the account that paid. */
export const consolePayment = payment.extend({ user_address: z.string() });
export type ConsolePayment = z.output<typeof consolePayment>;

export const consolePaymentPage = page(consolePayment);

/** One checker of the fleet, from its heartbeat. */
export const checker = z.object({
  name: z.string(),
  host: z.string(),
  version: z.string(),
  region: z.string().nullable(),
  started_at: time,
  last_seen_at: time,
  live: z
    .boolean()
    .meta({ description: 'heard from within three of its heartbeats (at least 30 s)' }),
  checks_total: z.int(),
  errors_total: z.int(),
  checks_per_second: z.number(),
});
export type Checker = z.output<typeof checker>;

export const checkerList = wholeList(checker);

/** A region as the operator sees it: dark ones included. */
export const consoleRegion = z.object({
  region: z.string(),
  checkers: z.int().meta({ description: 'checkers heard from within the last week' }),
  live_checkers: z.int(),
  checks_per_second: z.number(),
  last_seen_at: time.nullable(),
  subscriptions: z.int().meta({ description: 'subscriptions checked from it' }),
  default: z.boolean(),
  dark: z.boolean().meta({
    description:
      'no checker heard from for REGION_DARK_AFTER_SECONDS: its slots are missing (never down), and no subscription may newly choose it',
  }),
});
export type ConsoleRegion = z.output<typeof consoleRegion>;
export const consoleRegionList = wholeList(consoleRegion);
