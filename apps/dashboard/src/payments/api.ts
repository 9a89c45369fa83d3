import { apiRequest, type Page } from '../api';
import { trimDecimal } from './tokens';

/** A tier as GET /v1/tiers describes it. */
export interface Tier {
  name: string;
  label: string;
  /** decimal USDC, "0" for a free tier */
  price_usdc_per_30_days: string;
  paid: boolean;
  min_interval_seconds: number;
  max_subscriptions: number;
  raw_retention_days: number;
  allowed_target_types: string[];
  max_channels: number;
}

/** A payment as GET /v1/payments lists it (the fields this dashboard shows). */
export interface Payment {
  id: string;
  subscription_id: string | null;
  tier: string;
  purpose: 'create' | 'renew' | 'upgrade';
  /** pending: settlement outcome unknown, held for reconciliation */
  status: 'pending' | 'settled';
  /** decimal USDC, e.g. "20.000000" */
  amount_usdc: string;
  network: string;
  asset: string;
  pay_to: string;
  transaction: string | null;
  created_at: string;
  settled_at: string | null;
}

export function listTiers(signal?: AbortSignal): Promise<Page<Tier>> {
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
): Promise<{ id: string; expires_at: string | null; status: string; payment_id: string }> {
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
