import type { CheckStatus, Db } from '@lighthouse/db';
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

export interface CheckContext {
  /** which addresses the SSRF guard lets through (the mode, LIGHTHOUSE_ALLOW_*_TARGETS) */
  targetAccess: TargetAccess;
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
