import { SUBSCRIPTION_STATUSES, type MonitorState } from '@lighthouse/contracts';
import { useState, type FormEvent } from 'react';
import { listSubscriptions } from './api';
import { Link, navigate, useLocation } from './router';
import { STATE_LABEL, STATES_WORST_FIRST } from './subscription/format';
import { useTargets } from './targets';
import { Status, formatTime } from './ui';
import { useApi } from './useApi';

const PAGE_SIZE = 25;
/** how often the list refreshes while the tab is visible */
const POLL_MS = 10_000;

export function StateBadge({ state }: { state: MonitorState }) {
  return (
    <span className={`badge state-${state}`}>
      <span aria-hidden="true" className="dot" />
      {STATE_LABEL[state] ?? state}
    </span>
  );
}

/** The filters live in the URL, so a filtered list can be bookmarked and the back button works. */
function useFilters() {
  const location = useLocation();
  const params = new URLSearchParams(location.split('?')[1] ?? '');
  const filters = {
    state: params.get('state') ?? '',
    status: params.get('status') ?? '',
    target_type: params.get('target_type') ?? '',
    q: params.get('q') ?? '',
  };
  const set = (next: Partial<typeof filters>) => {
    const merged = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filters, ...next })) {
      if (value) merged.set(key, value);
    }
    const query = merged.toString();
    navigate(query ? `/?${query}` : '/', { replace: true });
  };
  return { filters, set };
}

export function SubscriptionList() {
  const { filters, set } = useFilters();
  const targets = useTargets();
  const [search, setSearch] = useState(filters.q);
  // previous pages' cursors: the API pages forward only, so going back pops this stack
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1) ?? null;
  const key = JSON.stringify({ filters, cursor });
  const { data, error, loading, reload } = useApi(
    (token, signal) => listSubscriptions(token, { ...filters, cursor, limit: PAGE_SIZE }, signal),
    key,
    { pollMs: POLL_MS, fallback: 'Could not load your subscriptions.' },
  );

  const filter = (next: Partial<typeof filters>) => {
    setCursors([]);
    set(next);
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    filter({ q: search.trim() });
  };
  const filtered = Boolean(filters.state || filters.status || filters.target_type || filters.q);
  const items = data?.items ?? [];

  return (
    <section aria-labelledby="subscriptions-title">
      <div className="page-head">
        <h2 id="subscriptions-title">Subscriptions</h2>
        <Link to="/subscriptions/new" className="button">
          New subscription
        </Link>
      </div>
      <form className="filters card" role="search" onSubmit={submitSearch}>
        <div className="field">
          <label htmlFor="filter-q">Search</label>
          <div className="inline">
            <input
              id="filter-q"
              type="search"
              value={search}
              maxLength={200}
              placeholder="Name, URL or host"
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="filter-state">State</label>
          <select
            id="filter-state"
            value={filters.state}
            onChange={(e) => filter({ state: e.target.value })}
          >
            <option value="">Any state</option>
            {STATES_WORST_FIRST.map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-status">Status</label>
          <select
            id="filter-status"
            value={filters.status}
            onChange={(e) => filter({ status: e.target.value })}
          >
            <option value="">Any status</option>
            {SUBSCRIPTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="filter-type">Type</label>
          <select
            id="filter-type"
            value={filters.target_type}
            onChange={(e) => filter({ target_type: e.target.value })}
          >
            <option value="">Any type</option>
            {(targets?.TARGET_TYPE_NAMES ?? []).map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setSearch('');
              filter({ state: '', status: '', target_type: '', q: '' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      <Status
        loading={loading && !data}
        error={error}
        retry={() => reload()}
        what="subscriptions"
      />
      {data && items.length === 0 && (
        <p className="empty">
          {filtered ? (
            'No subscription matches these filters.'
          ) : (
            <>
              You have no subscriptions yet.{' '}
              <Link to="/subscriptions/new">Create your first one</Link>.
            </>
          )}
        </p>
      )}
      {items.length > 0 && (
        <ul className="subscriptions" aria-live="polite" aria-busy={loading}>
          {items.map((s) => (
            <li key={s.id} className="card subscription">
              <div className="subscription-head">
                <Link to={`/subscriptions/${s.id}`} className="name">
                  {s.name || s.id}
                </Link>
                <StateBadge state={s.state} />
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
                <div>
                  <dt>Last check</dt>
                  <dd>{formatTime(s.last_check_at)}</dd>
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
      {(cursors.length > 0 || data?.next_cursor) && (
        <nav className="pager" aria-label="Pages">
          <button
            type="button"
            className="secondary"
            disabled={cursors.length === 0 || loading}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Previous page
          </button>
          <span>Page {cursors.length + 1}</span>
          <button
            type="button"
            className="secondary"
            disabled={!data?.next_cursor || loading}
            onClick={() => {
              const next = data?.next_cursor;
              if (next) setCursors((c) => [...c, next]);
            }}
          >
            Next page
          </button>
        </nav>
      )}
    </section>
  );
}
