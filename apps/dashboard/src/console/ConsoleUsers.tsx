import { useEffect, useState, type FormEvent } from 'react';
import { trimDecimal } from '../payments/tokens';
import { Link } from '../router';
import { formatTime, Status } from '../ui';
import { useApi } from '../useApi';
import { listUsers } from './api';
import { formatCount, PAGE_SIZE, Pager, POLL_MS, usePages, useUrlFilters } from './parts';

const FILTERS = ['q'] as const;

/** Every account, newest first, with what it has here and the wallets that sign in to it. */
export function ConsoleUsers() {
  const { filters, set } = useUrlFilters('/console/users', FILTERS);
  const [search, setSearch] = useState(filters.q);
  useEffect(() => setSearch(filters.q), [filters.q]);

  const filterKey = JSON.stringify(filters);
  const pages = usePages(filterKey);
  const list = useApi(
    (token, signal) =>
      listUsers(token, { q: filters.q, cursor: pages.cursor, limit: PAGE_SIZE }, signal),
    JSON.stringify({ filterKey, cursor: pages.cursor }),
    { pollMs: POLL_MS, fallback: 'Could not load the users.' },
  );
  const items = list.data?.items ?? [];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    set({ q: search.trim() });
  };

  return (
    <section className="console-view" aria-labelledby="console-users-title">
      <h3 id="console-users-title">Users</h3>
      <form className="filters card" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="console-users-q">Search</label>
          <div className="inline">
            <input
              id="console-users-q"
              type="search"
              value={search}
              maxLength={200}
              placeholder="Part of an address"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setSearch(e.target.value)}
            />
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
        </div>
        {filters.q && (
          <button type="button" className="secondary" onClick={() => set({ q: '' })}>
            Clear search
          </button>
        )}
      </form>

      <Status
        loading={list.loading && !list.data}
        error={list.error}
        retry={() => list.reload()}
        what="users"
      />
      {list.data && items.length === 0 && (
        <p className="empty">
          {filters.q
            ? 'No account has an address or wallet like that.'
            : 'Nobody has signed in yet.'}
        </p>
      )}
      {items.length > 0 && (
        <div
          className="console-table-wrap"
          role="region"
          aria-labelledby="console-users-caption"
          tabIndex={0}
        >
          <table className="console-table" aria-busy={list.loading}>
            <caption id="console-users-caption" className="visually-hidden">
              Accounts, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Account</th>
                <th scope="col" className="console-num">
                  Subscriptions
                </th>
                <th scope="col" className="console-num">
                  Payments
                </th>
                <th scope="col" className="console-num">
                  Spent
                </th>
                <th scope="col">Linked wallets</th>
                <th scope="col">Since</th>
              </tr>
            </thead>
            <tbody>
              {items.map((u) => (
                <tr key={u.address} data-user={u.address}>
                  <th scope="row" className="console-address-cell">
                    <code className="console-hex">{u.address}</code>
                  </th>
                  <td className="console-num">
                    {u.subscriptions > 0 ? (
                      <Link to={`/console/subscriptions?owner=${encodeURIComponent(u.address)}`}>
                        {formatCount(u.subscriptions)}
                        <span className="visually-hidden">
                          {' '}
                          {u.subscriptions === 1 ? 'subscription' : 'subscriptions'} of {u.address}
                        </span>
                      </Link>
                    ) : (
                      '0'
                    )}
                    <span className="console-cell-note">
                      {formatCount(u.active_subscriptions)} active
                    </span>
                  </td>
                  <td className="console-num">{formatCount(u.payments)}</td>
                  <td className="console-num console-nowrap">
                    {trimDecimal(u.total_spent_usdc)} USDC
                  </td>
                  <td className="console-address-cell">
                    {u.wallets.length === 0 ? (
                      <span className="console-muted">none</span>
                    ) : (
                      <ul className="console-wallets">
                        {u.wallets.map((w) => (
                          <li key={w}>
                            <code className="console-hex">{w}</code>
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="console-nowrap">{formatTime(u.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} nextCursor={list.data?.next_cursor} loading={list.loading} />
    </section>
  );
}
