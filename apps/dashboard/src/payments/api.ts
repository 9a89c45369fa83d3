import type { Page, Payment, Subscription, Tier, WholeList } from '@lighthouse/contracts';
import { apiRequest } from '../api';
import { trimDecimal } from './tokens';

export function listTiers(signal?: AbortSignal): Promise<WholeList<Tier>> {
  return apiRequest('/v1/tiers', { signal });
}

export function listPayments(
  token: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Payment>> {
  const query = new URLSearchParams({ limit: '50' });
  if (cursor) query.set('cursor', cursor);
  return apiRequest(`/v1/payments?${query.toString()}`, { token, signal });
}

/** POST /v1/subscriptions/:id/renew: a 402 with the terms, or, with `headers` paying, renewed. */
export function renewSubscription(
  token: string,
  id: string,
  headers?: Record<string, string>,
): Promise<Subscription> {
  return apiRequest(`/v1/subscriptions/${encodeURIComponent(id)}/renew`, {
    method: 'POST',
    token,
    ...(headers ? { headers } : {}),
  });
}

/** "Free", or "20 USDC". */
export function priceLabel(price: string): string {
  return Number(price) > 0 ? `${trimDecimal(price)} USDC` : 'Free';
}
