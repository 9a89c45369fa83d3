import type { Page, Subscription } from '@lighthouse/contracts';

/** The API's base URL: the page's own origin unless the build named another one. */
export const API_URL = (import.meta.env.VITE_LIGHTHOUSE_API_URL ?? '').replace(/\/+$/, '');

/** An answer that was not 2xx, with the API's `{"error":{"code","message"}}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** the error's `details` (e.g. `fields` for a 400, `x402` terms for a 402) */
    readonly details?: unknown,
    /** a 402's PAYMENT-REQUIRED header, base64 x402 terms */
    readonly paymentRequired?: string | null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A field the API refused, as a 400's `details.fields` names it (`target_config.url`). */
export interface FieldError {
  field: string;
  message: string;
}

/** The `details.fields` of an API error (a 400, or a 409 naming the slug), if it has any. */
export function fieldErrorsOf(err: unknown): FieldError[] {
  if (!(err instanceof ApiError)) return [];
  const fields = (err.details as { fields?: unknown } | null | undefined)?.fields;
  if (!Array.isArray(fields)) return [];
  return fields.flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null) return [];
    const { field, message } = f as { field?: unknown; message?: unknown };
    return typeof field === 'string' && typeof message === 'string' ? [{ field, message }] : [];
  });
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown; details?: unknown };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  token?: string | null;
  body?: unknown;
  signal?: AbortSignal;
  /** extra request headers, e.g. an x402 PAYMENT-SIGNATURE */
  headers?: Record<string, string>;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${API_URL}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'Could not reach the Lighthouse API.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const error = (json as ErrorBody | undefined)?.error;
    throw new ApiError(
      res.status,
      typeof error?.code === 'string' ? error.code : 'http_error',
      typeof error?.message === 'string' ? error.message : `The API answered ${res.status}.`,
      error?.details,
      res.headers.get('PAYMENT-REQUIRED'),
    );
  }
  return json as T;
}

export interface ListFilters {
  state?: string;
  status?: string;
  target_type?: string;
  q?: string;
  cursor?: string | null;
  limit?: number;
}

/** One page of the user's subscriptions, filtered on the server. */
export function listSubscriptions(
  token: string,
  filters: ListFilters,
  signal?: AbortSignal,
): Promise<Page<Subscription>> {
  const query = new URLSearchParams({ limit: String(filters.limit ?? 50) });
  for (const key of ['state', 'status', 'target_type', 'q', 'cursor'] as const) {
    const value = filters[key];
    if (value) query.set(key, value);
  }
  return apiRequest(`/v1/subscriptions?${query.toString()}`, { token, signal });
}
