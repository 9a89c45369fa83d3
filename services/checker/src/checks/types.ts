import type { CheckStatus, heartbeats, values } from '@lighthouse/db';
import type { TargetAccess } from '@lighthouse/net';

/** Why a check failed; `null` on success. */
export type ErrorCategory =
  'dns' | 'connect' | 'tls' | 'timeout' | 'status' | 'assertion' | 'blocked' | 'internal';

/** Milliseconds spent in each phase of a probe; phases that did not happen are absent. */
export interface Timings {
  dns?: number;
  tcp?: number;
  tls?: number;
  first_byte?: number;
  download?: number;
  total: number;
}

export interface CheckResult {
  status: CheckStatus;
  response_time_ms: number | null;
  http_status: number | null;
  timings: Timings | null;
  error_category: ErrorCategory | null;
  /** short, one line, never containing a secret from the target config */
  error_message: string | null;
  /** first bytes of the body, kept only when the check failed */
  body_excerpt: string | null;
  /** the number the check measured, stored for later checks: a balance in whole units, a block height, a contract value */
  value?: number | null;
  /** the exact reading where a double cannot hold it (a contract call's decoded result) */
  value_text?: string | null;
  /** days until the server certificate expires (https, tcp with tls, tls) */
  tls_days_left?: number;
  /** the server certificate a tls check saw */
  certificate?: CertificateSummary;
  /** a canary's steps as far as the flow got, in order; stored with the check row */
  steps?: StepResult[];
  /**
   * Set when the slot has nothing to judge yet (a heartbeat before its first deadline): no
   * row is written and the state holds. The reason, for the job's log line.
   */
  skip?: string;
}

/** One step of a multi-step (canary) check. */
export interface StepResult {
  /** the step's position in the config's `steps` (0-based) */
  index: number;
  name: string;
  status: CheckStatus;
  http_status: number | null;
  response_time_ms: number | null;
  timings: Timings | null;
  error_category: ErrorCategory | null;
  error_message: string | null;
}

/** What a tls check reports about the certificate the server presented. */
export interface CertificateSummary {
  /** `CN=example.com` (else the organisation) */
  subject: string;
  issuer: string;
  /** ISO 8601 */
  valid_from: string;
  valid_to: string;
  /** whether the chain verified against the trusted roots and matched the server name */
  authorized: boolean;
  /** node's reason when not authorized, e.g. CERT_HAS_EXPIRED */
  authorization_error: string | null;
}

/** What every check is given: the SSRF policy and the checker's shutdown signal. */
export interface CheckContext {
  /** which addresses the SSRF guard lets through (the mode, LIGHTHOUSE_ALLOW_*_TARGETS) */
  targetAccess: TargetAccess;
  /** aborted when the checker shuts down */
  signal?: AbortSignal;
}

/**
 * The reads a check makes of its own subscription's earlier results: the port that checks
 * judging against their past (heartbeat, evm_balance's burn rate, evm_rpc's stall,
 * evm_contract's `changed`) read through. The checker implements it over the database.
 */
export interface CheckHistory {
  /** the heartbeat's last ping and interval; undefined when no push URL was issued */
  lastPing(): Promise<heartbeats.HeartbeatState | undefined>;
  /** the latest check before `before` (exclusive) that measured a value */
  latestValue(before: Date): Promise<values.MeasuredValue | undefined>;
  /** the trend of the values stored in [since, now), with `current` measured at `now` */
  recentTrend(range: { since: Date; now: Date; current: number }): Promise<values.Trend>;
}

/** What the checker gives a check at a slot: the context, the slot and the subscription's history. */
export interface SlotContext extends CheckContext {
  /** the slot being checked */
  slot: Date;
  history: CheckHistory;
}

/**
 * One module per target type: validated config in, result out. Never throws for target
 * failures. Checks that read their own history take a {@link SlotContext}.
 */
export type CheckRunner<C, X extends CheckContext = CheckContext> = (
  config: C,
  ctx: X,
) => Promise<CheckResult>;
