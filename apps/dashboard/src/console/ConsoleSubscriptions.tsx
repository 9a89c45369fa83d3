import { SUBSCRIPTION_STATUSES, type Subscription } from '@lighthouse/contracts';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { fieldErrorsOf } from '../api';
import { formatShortTime, STATE_LABEL, STATES_WORST_FIRST } from '../subscription/format';
import { useTargets } from '../targets';
import { StateBadge } from '../SubscriptionList';
import { ErrorText, formatTime, Status } from '../ui';
import { useAction, useApi, useAuth } from '../useApi';
import { deleteSubscription, listSubscriptions, setPaused, transferSubscription } from './api';
import {
  Address,
  Confirm,
  OwnerLink,
  PAGE_SIZE,
  Pager,
  POLL_MS,
  usePages,
  useUrlFilters,
} from './parts';

const FILTERS = ['q', 'state', 'status', 'owner'] as const;
const WALLET = /^0x[0-9a-fA-F]{40}$/;
const COLUMNS = 6;

/** Everyone's subscriptions: search, filter by state, status and owner, and act on any of them. */
export function ConsoleSubscriptions() {
  const { filters, set } = useUrlFilters('/console/subscriptions', FILTERS);
  const [search, setSearch] = useState(filters.q);
  const [owner, setOwner] = useState(filters.owner);
  const [ownerError, setOwnerError] = useState<string | null>(null);
  // the URL can change under the form (an owner's link, the back button)
  useEffect(() => setSearch(filters.q), [filters.q]);
  useEffect(() => setOwner(filters.owner), [filters.owner]);

  const filterKey = JSON.stringify(filters);
  const pages = usePages(filterKey);
  const list = useApi(
    (token, signal) =>
      listSubscriptions(token, { ...filters, cursor: pages.cursor, limit: PAGE_SIZE }, signal),
    JSON.stringify({ filterKey, cursor: pages.cursor }),
    { pollMs: POLL_MS, fallback: 'Could not load the subscriptions.' },
  );

  const [notice, setNotice] = useState('');
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const changed = (message: string, { focus = false } = {}) => {
    setNotice(message);
    // a row that went away took the focus with it: the news gets it
    if (focus) noticeRef.current?.focus();
    list.reload({ quiet: true });
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const wallet = owner.trim();
    if (wallet && !WALLET.test(wallet)) {
      setOwnerError('Enter a whole wallet address: 0x and 40 hexadecimal digits.');
      return;
    }
    setOwnerError(null);
    setNotice('');
    set({ q: search.trim(), owner: wallet.toLowerCase() });
  };
  const filtered = Object.values(filters).some(Boolean);
  const items = list.data?.items ?? [];

  return (
    <section className="console-view" aria-labelledby="console-subscriptions-title">
      <h3 id="console-subscriptions-title">Subscriptions</h3>
      <form className="filters card" role="search" onSubmit={submit}>
        <div className="field">
          <label htmlFor="console-q">Search</label>
          <input
            id="console-q"
            type="search"
            value={search}
            maxLength={200}
            placeholder="Name, URL or host"
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="field console-owner-field">
          <label htmlFor="console-owner">Owner</label>
          <div className="inline">
            <input
              id="console-owner"
              type="search"
              value={owner}
              placeholder="0x… wallet address"
              autoComplete="off"
              spellCheck={false}
              onChange={(e) => setOwner(e.target.value)}
              aria-invalid={ownerError ? true : undefined}
              aria-describedby={ownerError ? 'console-owner-error' : undefined}
            />
            <button type="submit" className="secondary">
              Search
            </button>
          </div>
          {ownerError && (
            <small id="console-owner-error" className="field-error">
              {ownerError}
            </small>
          )}
        </div>
        <div className="field">
          <label htmlFor="console-state">State</label>
          <select
            id="console-state"
            value={filters.state}
            onChange={(e) => set({ state: e.target.value })}
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
          <label htmlFor="console-status">Status</label>
          <select
            id="console-status"
            value={filters.status}
            onChange={(e) => set({ status: e.target.value })}
          >
            <option value="">Any status</option>
            {SUBSCRIPTION_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {filtered && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setOwnerError(null);
              set({ q: '', state: '', status: '', owner: '' });
            }}
          >
            Clear filters
          </button>
        )}
      </form>

      <p className="console-notice" role="status" ref={noticeRef} tabIndex={-1}>
        {/* nothing at all when empty, so that CSS sees it :empty */}
        {notice || null}
      </p>
      <Status
        loading={list.loading && !list.data}
        error={list.error}
        retry={() => list.reload()}
        what="subscriptions"
      />
      {list.data && items.length === 0 && (
        <p className="empty">
          {filtered ? 'No subscription matches these filters.' : 'Nobody has a subscription yet.'}
        </p>
      )}
      {items.length > 0 && (
        <div
          className="console-table-wrap"
          role="region"
          aria-labelledby="console-subscriptions-caption"
          tabIndex={0}
        >
          <table className="console-table" aria-busy={list.loading}>
            <caption id="console-subscriptions-caption" className="visually-hidden">
              Subscriptions, newest first
            </caption>
            <thead>
              <tr>
                <th scope="col">Subscription</th>
                <th scope="col">Owner</th>
                <th scope="col">State</th>
                <th scope="col">Status</th>
                <th scope="col">Last check</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <SubscriptionRows key={s.id} sub={s} onChanged={changed} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager pages={pages} nextCursor={list.data?.next_cursor} loading={list.loading} />
    </section>
  );
}

type Panel = 'transfer' | 'delete' | null;

/** One subscription's row, and below it the question or form an action opened. */
function SubscriptionRows({
  sub,
  onChanged,
}: {
  sub: Subscription;
  onChanged: (message: string, options?: { focus?: boolean }) => void;
}) {
  const { token } = useAuth();
  const pause = useAction();
  const remove = useAction();
  const [panel, setPanel] = useState<Panel>(null);
  const transferRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const name = sub.name || sub.id;
  const target = useTargets()?.describeTarget(sub.target_type, sub.target_config) ?? '';
  const panelId = `console-sub-${sub.id}`;

  /** closes the panel and gives the focus back to the button that opened it */
  const close = () => {
    const opener = panel === 'transfer' ? transferRef : deleteRef;
    setPanel(null);
    opener.current?.focus();
  };
  const toggle = (which: Exclude<Panel, null>) => {
    remove.clearError();
    setPanel((open) => (open === which ? null : which));
  };

  const togglePause = async () => {
    const pausing = sub.active;
    const ok = await pause.run(
      () => setPaused(token, sub.id, pausing),
      `Could not ${pausing ? 'pause' : 'resume'} it.`,
    );
    if (ok) onChanged(`${pausing ? 'Paused' : 'Resumed'} “${name}”.`);
  };
  const confirmDelete = async () => {
    if (await remove.run(() => deleteSubscription(token, sub.id), 'Could not delete it.')) {
      onChanged(`Deleted “${name}”.`, { focus: true });
    }
  };

  return (
    <>
      <tr data-subscription={sub.id}>
        <th scope="row" className="console-name-cell">
          <span className="console-name">{name}</span>
          <span className="console-cell-note">
            {sub.target_type}
            {target && ` · ${target}`}
          </span>
        </th>
        <td className="console-nowrap">
          <OwnerLink address={sub.user_address} />
        </td>
        <td>
          <StateBadge state={sub.state} />
        </td>
        <td className={`status-${sub.status}`}>{sub.status}</td>
        <td className="console-nowrap">
          {sub.last_check_at ? (
            <time dateTime={sub.last_check_at} title={formatTime(sub.last_check_at)}>
              {formatShortTime(sub.last_check_at, { seconds: true })}
            </time>
          ) : (
            'not yet'
          )}
        </td>
        <td>
          <div className="console-actions">
            {sub.status !== 'expired' && (
              <button
                type="button"
                className="secondary"
                onClick={() => void togglePause()}
                disabled={pause.busy}
                aria-busy={pause.busy}
              >
                {sub.active
                  ? pause.busy
                    ? 'Pausing…'
                    : 'Pause'
                  : pause.busy
                    ? 'Resuming…'
                    : 'Resume'}
                <span className="visually-hidden"> {name}</span>
              </button>
            )}
            <button
              ref={transferRef}
              type="button"
              className="secondary"
              aria-expanded={panel === 'transfer'}
              aria-controls={panel === 'transfer' ? panelId : undefined}
              onClick={() => toggle('transfer')}
            >
              Transfer<span className="visually-hidden"> {name}</span>
            </button>
            <button
              ref={deleteRef}
              type="button"
              className="secondary console-danger"
              aria-expanded={panel === 'delete'}
              aria-controls={panel === 'delete' ? panelId : undefined}
              onClick={() => toggle('delete')}
            >
              Delete<span className="visually-hidden"> {name}</span>
            </button>
          </div>
          <ErrorText error={pause.error} />
        </td>
      </tr>
      {panel && (
        <tr className="console-panel-row">
          <td colSpan={COLUMNS} id={panelId}>
            {panel === 'delete' ? (
              <Confirm
                id={`${panelId}-delete`}
                question={`Delete “${name}” of ${sub.user_address}? Its checks stop and it leaves its owner's list. This cannot be undone.`}
                confirm="Yes, delete it"
                busyLabel="Deleting…"
                busy={remove.busy}
                error={remove.error}
                onConfirm={() => void confirmDelete()}
                onCancel={close}
              />
            ) : (
              <TransferForm
                sub={sub}
                name={name}
                onCancel={close}
                onDone={(to) => {
                  setPanel(null);
                  onChanged(`Transferred “${name}” to ${to}.`, { focus: true });
                }}
              />
            )}
          </td>
        </tr>
      )}
    </>
  );
}

/** Gives the subscription to another wallet: the way back for an owner who lost theirs. */
function TransferForm({
  sub,
  name,
  onCancel,
  onDone,
}: {
  sub: Subscription;
  name: string;
  onCancel: () => void;
  onDone: (to: string) => void;
}) {
  const { token } = useAuth();
  const transfer = useAction();
  const [to, setTo] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.focus(), []);
  const id = `console-transfer-${sub.id}`;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFieldError(null);
    let owner = '';
    const ok = await transfer.run(async () => {
      try {
        // the new owner is the account the address signs in to, which the API names
        owner = (await transferSubscription(token, sub.id, to.trim())).user_address;
      } catch (err) {
        // the API names the field it refused: say it next to the field
        const refused = fieldErrorsOf(err).find((f) => f.field === 'to');
        if (refused) {
          setFieldError(`The address ${refused.message}.`);
          inputRef.current?.focus();
        }
        throw err;
      }
    }, 'Could not transfer it.');
    if (ok) onDone(owner);
  };

  const describedBy = [`${id}-hint`, fieldError ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <form
      className="console-panel"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${id}-title`}
      noValidate
    >
      <p id={`${id}-title`} className="console-panel-title">
        Transfer “{name}”
      </p>
      <div className="field">
        <label htmlFor={id}>New owner&apos;s wallet address</label>
        <input
          ref={inputRef}
          id={id}
          type="text"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          placeholder="0x…"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={describedBy}
        />
        <small id={`${id}-hint`} className="hint">
          It leaves <Address address={sub.user_address} /> and the status pages there; both
          owners&apos; logs record the move.
        </small>
        {fieldError && (
          <small id={`${id}-error`} className="field-error">
            {fieldError}
          </small>
        )}
      </div>
      <ErrorText error={fieldError ? null : transfer.error} />
      <div className="console-actions">
        <button type="submit" disabled={transfer.busy} aria-busy={transfer.busy}>
          {transfer.busy ? 'Transferring…' : 'Transfer'}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={transfer.busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}
