import type { Language } from '@lighthouse/domain';
import type { GuardedAgents, TargetAccess } from '@lighthouse/net';
import type { SmtpPools } from './email';

export type AlertEvent =
  | 'subscription.down'
  | 'subscription.up'
  | 'subscription.degraded'
  | 'subscription.reminder'
  | 'subscription.flapping'
  | 'subscription.stable'
  | 'subscription.expiring'
  | 'subscription.expired'
  | 'subscription.test';

/**
 * What a message tells people: a state change ('transition'); that the subscription is still
 * down ('reminder', from_state = to_state = 'down'); that it changes state too often and
 * further alerts are held ('flapping', from_state → to_state is the change that tripped it);
 * that flapping is over and alerts resume ('stable', from_state = to_state = the state); or
 * that the paid period ends soon or has ended ('expiring', from_state = to_state = the state,
 * with `expiry`); or nothing at all: a test of the channel on the owner's request ('test',
 * POST /v1/subscriptions/:id/test-alert, from_state = to_state = the current state).
 */
export type AlertKind = 'transition' | 'reminder' | 'flapping' | 'stable' | 'expiring' | 'test';

/** Everything a channel needs to tell people about one alert. No secrets. */
export interface AlertMessage {
  event_id: string;
  event: AlertEvent;
  /** absent means 'transition' */
  kind?: AlertKind;
  subscription_id: string;
  /** the subscription's name */
  name: string;
  /** one line naming the target, e.g. "GET https://example.com/health" (no credentials) */
  target: string;
  from_state: string;
  to_state: string;
  check: {
    time: string;
    status: string;
    http_status: number | null;
    response_time_ms: number | null;
    error: string | null;
    error_category: string | null;
  };
  /**
   * for a subscription checked from several regions: each region's result for the slot, one
   * entry per region it is checked from, sorted by region; absent (or one entry) for a
   * single-region subscription
   */
  regions?: RegionResult[];
  /** for recoveries: how long it was down, in ms; for reminders: how long it has been down so far */
  downtime_ms: number | null;
  /**
   * for changes of state: when the new state began, its first check (an outage's first failed
   * check, a recovery's first passing one); earlier than `check.time` when retries confirmed it
   */
  since?: string;
  /** for 'flapping': the state changes counted within the window that tripped it */
  flapping?: { transitions: number; window_minutes: number };
  /**
   * for 'expiring' (and required there): when the paid period ends, the whole days left
   * (3 for a notice sent on time, at least 1 before the end, 0 once it has ended) and the
   * subscription's tier
   */
  expiry?: { expires_at: string; days_left: number; tier: string };
  language: Language;
}

/** What one region made of a slot; 'missing': it sent no result for the slot. */
export interface RegionResult {
  region: string;
  status: 'up' | 'down' | 'degraded' | 'missing';
  error: string | null;
  response_time_ms: number | null;
}

/** A message rendered in one language. */
export interface RenderedMessage {
  /** one line: subject of an email, title of an embed */
  title: string;
  /** plain text, several lines */
  text: string;
  /** the same as minimal, escaped HTML (email) */
  html: string;
}

export interface ChannelContext {
  /** per request */
  timeoutMs: number;
  /** which addresses channel URLs may reach (the SSRF guard's policy) */
  targetAccess: TargetAccess;
  /** Telegram Bot API base, default https://api.telegram.org */
  telegramApiBase: string;
  /** SMTP: nodemailer transport options from config */
  smtp: { url: string | null; from: string };
  /** the pooled connections sends reuse; built with the context, closed by its owner */
  transports: ChannelTransports;
  signal?: AbortSignal;
}

/** The keep-alive HTTP agents and SMTP pools of one sending process (see `channelContext`). */
export interface ChannelTransports {
  http: GuardedAgents;
  smtp: SmtpPools;
}

/**
 * What a send came to. `retryable: false` for answers that will not change
 * (4xx other than 429); `retryAfterMs` when the peer said when to come back.
 */
export type SendOutcome =
  | { ok: true; detail?: string }
  | { ok: false; retryable: boolean; retryAfterMs?: number; error: string };

/** One module per channel type. Never throws for a peer's failure: returns an outcome. */
export type ChannelSender<C> = (
  config: C,
  message: AlertMessage,
  rendered: RenderedMessage,
  ctx: ChannelContext,
) => Promise<SendOutcome>;
