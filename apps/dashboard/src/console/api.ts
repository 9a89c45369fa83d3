import type {
  Checker,
  ConsolePayment,
  ConsoleRegion,
  ConsoleUser,
  Overview,
  Page,
  Subscription,
  WholeList,
} from '@lighthouse/contracts';
import { ApiError, apiRequest } from '../api';

// The operator console's side of the API: `/v1/admin/*` (services/api/src/routes/console.ts),
// open to the owner of a self-hosted instance and the wallets in LIGHTHOUSE_ADMIN_WALLETS.

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
  read<WholeList<Checker>>('/v1/admin/checkers', token, signal);

/** Every region with checkers or subscriptions, dark ones included. */
export const listRegions = (token: string, signal?: AbortSignal) =>
  read<WholeList<ConsoleRegion>>('/v1/admin/regions', token, signal);

export const listUsers = (
  token: string,
  options: { q: string; cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<ConsoleUser>>(`/v1/admin/users${queryOf(options)}`, token, signal);

export const listSubscriptions = (
  token: string,
  options: SubscriptionFilters & { cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<Subscription>>(`/v1/admin/subscriptions${queryOf(options)}`, token, signal);

export const listPayments = (
  token: string,
  options: { status: string; cursor: string | null; limit: number },
  signal?: AbortSignal,
) => read<Page<ConsolePayment>>(`/v1/admin/payments${queryOf(options)}`, token, signal);

const subscriptionPath = (id: string) => `/v1/admin/subscriptions/${encodeURIComponent(id)}`;

export function setPaused(token: string, id: string, paused: boolean) {
  return apiRequest<Subscription>(`${subscriptionPath(id)}/${paused ? 'pause' : 'resume'}`, {
    method: 'POST',
    token,
  });
}

export function deleteSubscription(token: string, id: string) {
  return apiRequest<void>(subscriptionPath(id), { method: 'DELETE', token });
}

/** Gives the subscription to another wallet; a 400 names the `to` field. */
export function transferSubscription(token: string, id: string, to: string) {
  return apiRequest<Subscription>(`${subscriptionPath(id)}/transfer`, {
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
