/** The API's base URL: the page's own origin unless the build named another one. */
export const API_URL = (import.meta.env.VITE_LIGHTHOUSE_API_URL ?? '').replace(/\/+$/, '');

/** An answer that was not 2xx, with the API's `{"error":{"code","message"}}` when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  token?: string | null;
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
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
    );
  }
  return json as T;
}

export type MonitorState = 'unknown' | 'up' | 'down' | 'degraded';

/** The fields of a subscription this dashboard shows; the API sends more. */
export interface Subscription {
  id: string;
  name: string | null;
  target_type: string;
  state: MonitorState;
  status: 'active' | 'paused' | 'expired';
  in_maintenance: boolean;
  last_check_at: string | null;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function listSubscriptions(
  token: string,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<Page<Subscription>> {
  const query = new URLSearchParams({ limit: '50' });
  if (cursor) query.set('cursor', cursor);
  return apiRequest(`/v1/subscriptions?${query.toString()}`, { token, signal });
}
