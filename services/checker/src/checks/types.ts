import type { CheckStatus, Db } from '@lighthouse/db';

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
  /** days until the server certificate expires (https only) */
  tls_days_left?: number;
}

export interface CheckContext {
  /** LIGHTHOUSE_ALLOW_PRIVATE_TARGETS: lifts the SSRF guard for tests and private installs */
  allowPrivateTargets: boolean;
  /** aborted when the checker shuts down */
  signal?: AbortSignal;
  /** the subscription and slot being checked, for checks that read their own history */
  subscriptionId?: string;
  slot?: Date;
  /** read-only use: checks that compare with earlier results (heartbeats, burn rates) */
  db?: Db;
}

/** One module per target type: validated config in, result out. Never throws for target failures. */
export type CheckRunner<C> = (config: C, ctx: CheckContext) => Promise<CheckResult>;
