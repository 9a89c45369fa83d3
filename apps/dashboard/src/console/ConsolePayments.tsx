import type { ConsolePayment } from '@lighthouse/contracts';
import { useRef, useState } from 'react';
import { networkLabel, shortHex, transactionUrl, trimDecimal } from '../payments/tokens';
import { formatTime, Status } from '../ui';
import { useAction, useApi, useAuth } from '../useApi';
import { discardPayment, listPayments } from './api';
import { Confirm, OwnerLink, PAGE_SIZE, Pager, POLL_MS, usePages, useUrlFilters } from './parts';

const FILTERS = ['status'] as const;
const COLUMNS = 7;
const PURPOSE: Record<ConsolePayment['purpose'], string> = {
  create: 'New subscription',
  renew: 'Renewal',
  upgrade: 'Tier change',
  probe: 'Single check (POST /v1/probe)',
};

/** Everyone's payments, newest first; a payment left pending can be discarded. */
export function ConsolePayments() {
  const { filters, set } = useUrlFilters('/console/payments', FILTERS);
  const filterKey = JSON.stringify(filters);
  const pages = usePages(filterKey);
  const list = useApi(
    (token, signal) =>
      listPayments(
        token,
        { status: filters.status, cursor: pages.cursor, limit: PAGE_SIZE },
        signal,
      ),
    JSON.stringify({ filterKey, cursor: pages.cursor }),
    { pollMs: POLL_MS, fallback: 'Could not load the payments.' },
  );
  const items = list.data?.items ?? [];

  const [notice, setNotice] = useState('');
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const discarded = (message: string) => {
    setNotice(message);
    noticeRef.current?.focus();
    list.reload({ quiet: true });
  };

  return (
    <section className="console-view" aria-labelledby="console-payments-title">
      <h3 id="console-payments-title">Payments</h3>
      <p className="console-muted">
        A payment is pending while its settlement has not come back (say the API stopped half-way):
        it holds its authorization. Once the chain shows no transfer for it, discard it so that its
        payer can pay with that authorization again.
      </p>
      <div className="filters card">
        <div className="field">
          <label htmlFor="console-payment-status">Status</label>
          <select
            id="console-payment-status"
            value={filters.status}
            onChange={(e) => {
              setNotice('');
              set({ status: e.target.value });
            }}
          >
            <option value="">Any status</option>
            <option value="pending">Pending</option>
            <option value="settled">Settled</option>
          </select>
        </div>
      </div>

      <p className="console-notice" role="status" ref={noticeRef} tabIndex={-1}>
        {/* nothing at all when empty, so that CSS sees it :empty */}
        {notice || null}
      </p>
      <Status
        loading={list.loading && !list.data}
        error={list.error}
        retry={() => list.reload()}
        what="payments"
      />
      {list.data && items.length === 0 && (
        <p className="empty">
          {filters.status === 'pending'
            ? 'No payment is pending.'
            : filters.status
              ? 'No payment has settled yet.'
              : 'Nobody has paid yet.'}
        </p>
      )}
      {items.length > 0 && (
        <div
          className="console-table-wrap"
          role="region"
          aria-labelledby="console-payments-caption"
          tabIndex={0}
        >
          <table className="console-table" aria-busy={list.loading}>
            <caption id="console-payments-caption" className="visually-hidden">
              Payments, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Owner</th>
                <th scope="col">For</th>
                <th scope="col" className="console-num">
                  Amount
                </th>
                <th scope="col">Settlement</th>
                <th scope="col">Status</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <PaymentRows key={p.id} payment={p} onDiscarded={discarded} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} nextCursor={list.data?.next_cursor} loading={list.loading} />
    </section>
  );
}

function PaymentRows({
  payment: p,
  onDiscarded,
}: {
  payment: ConsolePayment;
  onDiscarded: (message: string) => void;
}) {
  const { token } = useAuth();
  const discard = useAction();
  const [asking, setAsking] = useState(false);
  const discardRef = useRef<HTMLButtonElement>(null);
  const amount = `${trimDecimal(p.amount_usdc)} USDC`;
  const explorer = p.transaction ? transactionUrl(p.network, p.transaction) : null;
  const panelId = `console-payment-${p.id}`;

  const confirm = async () => {
    if (await discard.run(() => discardPayment(token, p.id), 'Could not discard it.')) {
      onDiscarded(`Discarded the pending payment of ${amount} by ${p.user_address}.`);
    }
  };

  return (
    <>
      <tr data-payment={p.id}>
        <td className="console-nowrap">{formatTime(p.settled_at ?? p.created_at)}</td>
        <td className="console-nowrap">
          <OwnerLink address={p.user_address} />
        </td>
        <td>
          {PURPOSE[p.purpose] ?? p.purpose}
          {p.purpose === 'probe' ? '' : `, ${p.tier}`}
          <span className="console-cell-note">
            {p.subscription_id && p.purpose === 'probe' ? (
              <>
                probe <code title={p.subscription_id}>{p.subscription_id.slice(0, 8)}</code>
              </>
            ) : p.subscription_id ? (
              <>
                subscription <code title={p.subscription_id}>{p.subscription_id.slice(0, 8)}</code>
              </>
            ) : (
              'no subscription'
            )}
          </span>
        </td>
        <td className="console-num console-nowrap">{amount}</td>
        <td>
          {networkLabel(p.network)}
          <span className="console-cell-note">
            {p.transaction ? (
              explorer ? (
                <a href={explorer} target="_blank" rel="noreferrer" title={p.transaction}>
                  <code>{shortHex(p.transaction)}</code>
                  <span className="visually-hidden"> (opens the block explorer in a new tab)</span>
                </a>
              ) : (
                <code title={p.transaction}>{shortHex(p.transaction)}</code>
              )
            ) : (
              <>
                nonce <code title={p.nonce}>{shortHex(p.nonce)}</code>, no transaction known
              </>
            )}
          </span>
        </td>
        <td>
          <span className={`badge ${p.status === 'settled' ? 'state-up' : 'state-degraded'}`}>
            {p.status === 'settled' ? 'Settled' : 'Pending'}
          </span>
        </td>
        <td>
          {p.status === 'pending' ? (
            <button
              ref={discardRef}
              type="button"
              className="secondary console-danger"
              aria-expanded={asking}
              aria-controls={asking ? panelId : undefined}
              onClick={() => {
                discard.clearError();
                setAsking((a) => !a);
              }}
            >
              Discard<span className="visually-hidden"> the payment of {amount}</span>
            </button>
          ) : (
            <span className="console-muted">—</span>
          )}
        </td>
      </tr>
      {asking && (
        <tr className="console-panel-row">
          <td colSpan={COLUMNS} id={panelId}>
            <Confirm
              id={`${panelId}-discard`}
              question={`Discard the pending payment of ${amount} by ${p.user_address}? Do this only when the chain shows no transfer for it: its payer can then pay with the same authorization again.`}
              confirm="Yes, discard it"
              busyLabel="Discarding…"
              busy={discard.busy}
              error={discard.error}
              onConfirm={() => void confirm()}
              onCancel={() => {
                setAsking(false);
                discardRef.current?.focus();
              }}
            />
          </td>
        </tr>
      )}
    </>
  );
}
