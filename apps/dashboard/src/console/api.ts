import { ApiError, apiRequest, type MonitorState, type Page, type Subscription } from '../api';
import type { Payment } from '../payments/api';

// The operator console's side of the API: `/v1/admin/*` (services/api/src/routes/console.ts),
// open to the owner of a self-hosted instance and the wallets in LIGHTHOUSE_ADMIN_WALLETS.

/** Jobs per state in one queue, as BullMQ counts them. */
export type QueueCounts = Partial<
  Record<'waiting' | 'active' | 'delayed' | 'prioritized' | 'failed' | 'completed', number>
>;

/** GET /v1/admin/overview */
export interface Overview {
  mode: 'self-hosted' | 'service';
  version: string;
  /** as /health answers: each dependency `connected` or `disconnected` */
  health: {
    status: 'ok' | 'unavailable';
    database?: string;
    redis?: string;
    errors?: Record<string, string>;
  };
  subscriptions: {
    total: number;
    active: number;
    paused: number;
    expired: number;
    by_state: Record<MonitorState, number>;
  };
  /** per queue; null when Redis did not answer for it */
  queues: Record<string, QueueCounts | null>;
  /** Bull Board, which asks for the ADMIN_TOKEN */
  bull_board_url: string;
  checkers: { live: number; known: number };
  pending_payments: number;
}

/** One checker of the fleet, from its heartbeat (GET /v1/admin/checkers). */
export interface Checker {
  name: string;
  host: string;
  version: string;
  region: string | null;
  started_at: string;
  last_seen_at: string;
  /** heard from within the last minute */
  live: boolean;
  checks_total: number;
  errors_total: number;
  checks_per_second: number;
}

/** One account (GET /v1/admin/users). */
export interface ConsoleUser {
  address: string;
  created_at: string;
  language: string;
  /** live subscriptions, and how many of them are active */
  subscriptions: number;
  active_subscriptions: number;
  /** settled payments */
  payments: number;
  /** decimal USDC */
  total_spent_usdc: string;
  /** the wallets that sign in to this account */
  wallets: string[];
}

/** Anyone's subscription: the owner's JSON, with the owner (GET /v1/admin/subscriptions). */
export interface ConsoleSubscription extends Subscription {
  user_address: string;
  active: boolean;
  tier: string;
  target_config: Record<string, unknown>;
}

/** Anyone's payment (GET /v1/admin/payments). */
export interface ConsolePayment extends Payment {
  user_address: string;
  payer: string;
  nonce: string;
}

/** a type, not an interface: it goes into a record of query parameters */
export type SubscriptionFilters = {
  q: string;
  state: string;
  status: string;
  owner: string;
};

/** `?a=1&b=2` from the values that are set. */
function queryOf(values: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) {
    if (value !== '' && value !== null && value !== undefined) query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `?${text}` : '';
}

/**
 * Reads a console list. The API answers 404 to anyone who is not an operator, as if the
 * console did not exist; a read can fail that way for no other reason, so it is said in words.
 */
async function read<T>(path: string, token: string, signal?: AbortSignal): Promise<T> {
  try {
    return await apiRequest<T>(path, { token, signal });
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      throw new ApiError(
        404,
        err.code,
        'The console is for the operators of this Lighthouse, and this account is not one (the API answered 404).',
        err.details,
      );
    }
    throw err;
  }
}

export const getOverview = (token: string, signal?: AbortSignal) =>
  read<Overview>('/v1/admin/overview', token, signal);

export const listCheckers = (token: string, signal?: AbortSignal) =>
  read<Page<Checker>>('/v1/admin/checkers', token, signal);

export const listUsers = (
  token: string,
  options: { q: string; cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<ConsoleUser>>(`/v1/admin/users${queryOf(options)}`, token, signal);

export const listSubscriptions = (
  token: string,
  options: SubscriptionFilters & { cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<ConsoleSubscription>>(`/v1/admin/subscriptions${queryOf(options)}`, token, signal);

export const listPayments = (
  token: string,
  options: { status: string; cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<ConsolePayment>>(`/v1/admin/payments${queryOf(options)}`, token, signal);

const subscriptionPath = (id: string) => `/v1/admin/subscriptions/${encodeURIComponent(id)}`;

export function setPaused(token: string, id: string, paused: boolean) {
  return apiRequest<ConsoleSubscription>(`${subscriptionPath(id)}/${paused ? 'pause' : 'resume'}`, {
    method: 'POST',
    token,
  });
}

export function deleteSubscription(token: string, id: string) {
  return apiRequest<void>(subscriptionPath(id), { method: 'DELETE', token });
}

/** Gives the subscription to another wallet; a 400 names the `to` field. */
export function transferSubscription(token: string, id: string, to: string) {
  return apiRequest<ConsoleSubscription>(`${subscriptionPath(id)}/transfer`, {
    method: 'POST',
    token,
    body: { to },
  });
}

/** Forgets a payment left pending, freeing its authorization; a 409 once it settled. */
export function discardPayment(token: string, id: string) {
  return apiRequest<void>(`/v1/admin/payments/${encodeURIComponent(id)}/discard`, {
    method: 'POST',
    token,
  });
}
