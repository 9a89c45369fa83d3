import type { Payment, Tier } from '@lighthouse/contracts';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api';
import { Link } from '../router';
import { formatTime, Status } from '../ui';
import { errorMessage, useApi, useAuth } from '../useApi';
import { listPayments, listTiers, priceLabel } from './api';
import './payments.css';
import { networkLabel, shortHex, transactionUrl, trimDecimal } from './tokens';

const PURPOSE: Record<Payment['purpose'], string> = {
  create: 'New subscription',
  renew: 'Renewal',
  upgrade: 'Tier change',
  probe: 'Single check (POST /v1/probe)',
};

/** Your payments, newest first, and the tiers there are to buy. */
export function PaymentsPage() {
  return (
    <>
      <h2>Payments</h2>
      <PaymentList />
      <TierTable />
    </>
  );
}

function PaymentList() {
  const { token, onUnauthorized } = useAuth();
  const [items, setItems] = useState<Payment[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;
  const inFlight = useRef<AbortController | null>(null);

  /** the first page when `from` is null, else the page after `from`, appended */
  const load = useCallback(
    async (from: string | null) => {
      inFlight.current?.abort();
      const controller = new AbortController();
      inFlight.current = controller;
      setLoading(true);
      setError(null);
      try {
        const page = await listPayments(token, from, controller.signal);
        setItems((prev) => (from ? [...prev, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) {
          unauthorized.current();
          return;
        }
        setError(errorMessage(err, 'Could not load your payments.'));
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
    },
    [token],
  );

  useEffect(() => {
    void load(null);
    return () => inFlight.current?.abort();
  }, [load]);

  return (
    <section className="card pay-section" aria-labelledby="payments-title" aria-busy={loading}>
      <h3 id="payments-title">Your payments</h3>
      <Status
        loading={loading && items.length === 0}
        error={error}
        retry={() => void load(items.length > 0 ? cursor : null)}
        what="payments"
      />
      {!loading && !error && items.length === 0 && (
        <p className="empty">
          No payments yet. Paid tiers are paid for here in the dashboard, from your wallet, when you
          create, upgrade or renew a subscription.
        </p>
      )}
      {items.length > 0 && (
        <div
          className="pay-table-wrap"
          role="region"
          aria-labelledby="payments-caption"
          tabIndex={0}
        >
          <table className="pay-table">
            <caption id="payments-caption" className="visually-hidden">
              Payments, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Subscription</th>
                <th scope="col">Amount</th>
                <th scope="col">Network</th>
                <th scope="col">Transaction</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <PaymentRow key={p.id} payment={p} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {loading && items.length > 0 && (
        <p className="loading" role="status">
          Loading more payments…
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

function PaymentRow({ payment: p }: { payment: Payment }) {
  const explorer = p.transaction ? transactionUrl(p.network, p.transaction) : null;
  return (
    <tr>
      <td>{formatTime(p.settled_at ?? p.created_at)}</td>
      <td>
        {PURPOSE[p.purpose] ?? p.purpose}
        {p.purpose === 'probe' ? '' : `, ${p.tier}`}
        <br />
        {p.subscription_id && p.purpose === 'probe' ? (
          <span title={p.subscription_id}>probe {p.subscription_id.slice(0, 8)}</span>
        ) : p.subscription_id ? (
          <Link to={`/subscriptions/${p.subscription_id}`} title={p.subscription_id}>
            <span className="visually-hidden">Subscription </span>
            {p.subscription_id.slice(0, 8)}
          </Link>
        ) : (
          <span className="pay-muted">deleted</span>
        )}
      </td>
      <td className="pay-num">{trimDecimal(p.amount_usdc)} USDC</td>
      <td>{networkLabel(p.network)}</td>
      <td>
        {p.transaction ? (
          explorer ? (
            <a href={explorer} rel="noreferrer" target="_blank" title={p.transaction}>
              <code>{shortHex(p.transaction)}</code>
              <span className="visually-hidden"> (opens the block explorer in a new tab)</span>
            </a>
          ) : (
            <code title={p.transaction}>{shortHex(p.transaction)}</code>
          )
        ) : (
          <span className="pay-muted">none yet</span>
        )}
      </td>
      <td>
        {p.status === 'settled' ? (
          <span className="badge state-up">Settled</span>
        ) : (
          <span className="badge state-degraded" title="Sent, but not confirmed in time">
            Pending
          </span>
        )}
        {p.status === 'pending' && (
          <span className="pay-muted pay-cell-note">being reconciled; do not pay again</span>
        )}
      </td>
    </tr>
  );
}

function interval(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

function TierTable() {
  const tiers = useApi((_token, signal) => listTiers(signal), 'tiers', {
    fallback: 'Could not load the tiers.',
  });
  const items: Tier[] = tiers.data?.items ?? [];
  return (
    <section className="card pay-section" aria-labelledby="tiers-title" aria-busy={tiers.loading}>
      <h3 id="tiers-title">Tiers</h3>
      <p className="pay-muted">
        Paid tiers are bought 30 days at a time, in USDC, signed in your wallet over x402.
      </p>
      <Status
        loading={tiers.loading}
        error={tiers.error}
        retry={() => tiers.reload()}
        what="tiers"
      />
      {!tiers.loading && !tiers.error && items.length === 0 && (
        <p className="empty">This server lists no tiers.</p>
      )}
      {items.length > 0 && (
        <div className="pay-table-wrap" role="region" aria-labelledby="tiers-caption" tabIndex={0}>
          <table className="pay-table">
            <caption id="tiers-caption" className="visually-hidden">
              Tiers and their limits
            </caption>
            <thead>
              <tr>
                <th scope="col">Tier</th>
                <th scope="col">Price per 30 days</th>
                <th scope="col">Checks as often as</th>
                <th scope="col">Subscriptions</th>
                <th scope="col">History kept</th>
                <th scope="col">Alert channels</th>
                <th scope="col">Check types</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.name}>
                  <th scope="row">{t.label}</th>
                  <td className="pay-num">{priceLabel(t.price_usdc_per_30_days)}</td>
                  <td>every {interval(t.min_interval_seconds)}</td>
                  <td className="pay-num">{t.max_subscriptions}</td>
                  <td>{t.raw_retention_days} days</td>
                  <td className="pay-num">{t.max_channels}</td>
                  <td className="pay-wide">{t.allowed_target_types.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
