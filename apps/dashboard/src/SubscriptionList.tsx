import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, listSubscriptions, type MonitorState, type Subscription } from './api';

const STATE_LABEL: Record<MonitorState, string> = {
  up: 'Up',
  down: 'Down',
  degraded: 'Degraded',
  unknown: 'Unknown',
};

interface Props {
  token: string;
  /** the token was refused (expired or revoked): sign in again */
  onUnauthorized: () => void;
}

export function SubscriptionList({ token, onUnauthorized }: Props) {
  const [items, setItems] = useState<Subscription[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  // the parent's callback may change identity on every render; loading depends on the token only
  const unauthorized = useRef(onUnauthorized);
  useEffect(() => {
    unauthorized.current = onUnauthorized;
  }, [onUnauthorized]);

  const load = useCallback(
    async (from: string | null, signal?: AbortSignal) => {
      setLoading(true);
      setError(null);
      try {
        const page = await listSubscriptions(token, from, signal);
        setItems((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (err) {
        if (signal?.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          unauthorized.current();
          return;
        }
        setError(err instanceof ApiError ? err.message : 'Could not load your subscriptions.');
      } finally {
        if (!signal?.aborted) setLoading(false);
      }
    },
    [token],
  );

  useEffect(() => {
    const controller = new AbortController();
    void load(null, controller.signal);
    return () => controller.abort();
  }, [load]);

  return (
    <section aria-labelledby="subscriptions-title" aria-busy={loading}>
      <h2 id="subscriptions-title">Subscriptions</h2>
      {error && (
        <div className="error" role="alert">
          <p>{error}</p>
          <button type="button" onClick={() => void load(items.length > 0 ? cursor : null)}>
            Try again
          </button>
        </div>
      )}
      {!loading && !error && items.length === 0 && (
        <p className="empty">You have no subscriptions yet.</p>
      )}
      {items.length > 0 && (
        <ul className="subscriptions">
          {items.map((s) => (
            <li key={s.id} className="card subscription">
              <div className="subscription-head">
                <span className="name">{s.name ?? s.id}</span>
                <span className={`badge state-${s.state}`}>
                  <span aria-hidden="true" className="dot" />
                  {STATE_LABEL[s.state] ?? s.state}
                </span>
              </div>
              <dl className="facts">
                <div>
                  <dt>Type</dt>
                  <dd>{s.target_type}</dd>
                </div>
                <div>
                  <dt>Status</dt>
                  <dd className={`status-${s.status}`}>{s.status}</dd>
                </div>
                {s.in_maintenance && (
                  <div>
                    <dt>Maintenance</dt>
                    <dd>in a window now</dd>
                  </div>
                )}
              </dl>
            </li>
          ))}
        </ul>
      )}
      {loading && (
        <p className="loading" role="status">
          Loading subscriptions…
        </p>
      )}
      {!loading && !error && cursor && (
        <button type="button" className="secondary" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </section>
  );
}
