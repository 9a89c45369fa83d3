import { useId, useMemo, useState } from 'react';
import type { Subscription } from '@lighthouse/contracts';
import { Link } from '../router';
import { Status } from '../ui';
import { MAX_SUBSCRIPTIONS_PER_PAGE, subscriptionName } from './statusPagesApi';

interface Props {
  /** every subscription of the user, once loaded */
  subscriptions: Subscription[] | undefined;
  /** false when there were more than the dashboard loads */
  complete: boolean;
  loading: boolean;
  error: string | null;
  retry: () => void;
  /** chosen ids, in page order */
  selected: string[];
  onChange: (ids: string[]) => void;
  /** the API's or the form's message for subscription_ids */
  fieldError?: string;
  /** id of the element describing the error, for aria-describedby */
  errorId: string;
  /** the fieldset's id, which the form's error summary links to */
  fieldsetId: string;
}

/**
 * The subscriptions a status page lists: a searchable checkbox list, each checkbox named by the
 * subscription's name, and the chosen ones in page order, which the user can rearrange.
 */
export function SubscriptionPicker(props: Props) {
  const { subscriptions, selected, onChange } = props;
  const [query, setQuery] = useState('');
  const ids = useId();
  const byId = useMemo(
    () => new Map((subscriptions ?? []).map((s) => [s.id, s] as const)),
    [subscriptions],
  );
  const chosen = new Set(selected);
  const full = selected.length >= MAX_SUBSCRIPTIONS_PER_PAGE;

  // listed on the page but not among the loaded subscriptions (beyond the bound, or just deleted)
  const unknown = selected.filter((id) => !byId.has(id));
  const needle = query.trim().toLowerCase();
  const shown = (subscriptions ?? []).filter(
    (s) =>
      !needle ||
      subscriptionName(s).toLowerCase().includes(needle) ||
      s.target_type.toLowerCase().includes(needle),
  );

  const toggle = (id: string, on: boolean) => {
    onChange(on ? [...selected, id] : selected.filter((x) => x !== id));
  };
  const moveId = (id: string, by: -1 | 1) => `${ids}-move-${by < 0 ? 'up' : 'down'}-${id}`;
  const move = (index: number, by: -1 | 1) => {
    const next = [...selected];
    const other = index + by;
    const a = next[index];
    const b = next[other];
    if (a === undefined || b === undefined) return;
    next[index] = b;
    next[other] = a;
    onChange(next);
    // reordering may move the focused button's row in the DOM: keep focus on the moved item,
    // on the button that can still move it
    const atEdge = other === 0 || other === next.length - 1;
    requestAnimationFrame(() =>
      document.getElementById(moveId(a, atEdge ? (-by as -1 | 1) : by))?.focus(),
    );
  };
  const nameOf = (id: string) => {
    const sub = byId.get(id);
    return sub ? subscriptionName(sub) : `Subscription ${id}`;
  };

  const describedBy = [`${ids}-hint`, props.fieldError ? props.errorId : '']
    .filter(Boolean)
    .join(' ');

  return (
    <fieldset
      id={props.fieldsetId}
      tabIndex={-1}
      className="sp-fieldset"
      aria-describedby={describedBy}
      aria-invalid={props.fieldError ? true : undefined}
    >
      <legend>Subscriptions on this page</legend>
      <p id={`${ids}-hint`} className="sp-hint">
        Choose 1 to {MAX_SUBSCRIPTIONS_PER_PAGE}. Visitors see each one&apos;s name, state and
        uptime, never its target. {selected.length} chosen.
      </p>
      {props.fieldError && (
        <p id={props.errorId} className="sp-field-error">
          {props.fieldError}
        </p>
      )}
      <Status
        loading={props.loading && !subscriptions}
        error={props.error}
        retry={props.retry}
        what="your subscriptions"
      />
      {subscriptions && subscriptions.length === 0 && (
        <p className="sp-muted">
          You have no subscriptions yet. <Link to="/subscriptions/new">Create one</Link> first, then
          come back to list it here.
        </p>
      )}
      {subscriptions && subscriptions.length > 0 && (
        <>
          <div className="sp-field">
            <label htmlFor={`${ids}-search`}>Search subscriptions</label>
            <input
              id={`${ids}-search`}
              type="search"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              aria-controls={`${ids}-list`}
              autoComplete="off"
            />
          </div>
          <p className="sp-muted" aria-live="polite">
            {needle
              ? `${shown.length} of ${subscriptions.length} subscriptions match.`
              : `${subscriptions.length} subscriptions.`}
            {!props.complete && ' Only your first subscriptions are listed: search narrows them.'}
          </p>
          <ul id={`${ids}-list`} className="sp-checks">
            {shown.map((s) => {
              const on = chosen.has(s.id);
              const box = `${ids}-sub-${s.id}`;
              return (
                <li key={s.id}>
                  <input
                    id={box}
                    type="checkbox"
                    checked={on}
                    disabled={!on && full}
                    onChange={(e) => toggle(s.id, e.target.checked)}
                    aria-describedby={`${box}-info`}
                  />
                  <label htmlFor={box}>{subscriptionName(s)}</label>
                  <span id={`${box}-info`} className="sp-muted sp-check-info">
                    {s.target_type}, {s.state}
                    {s.status === 'active' ? '' : `, ${s.status}`}
                  </span>
                </li>
              );
            })}
          </ul>
          {full && (
            <p className="sp-note">
              A page lists at most {MAX_SUBSCRIPTIONS_PER_PAGE} subscriptions: untick one to choose
              another.
            </p>
          )}
        </>
      )}
      {unknown.length > 0 && (
        <ul className="sp-checks">
          {unknown.map((id) => {
            const box = `${ids}-unknown-${id}`;
            return (
              <li key={id}>
                <input
                  id={box}
                  type="checkbox"
                  checked
                  onChange={(e) => toggle(id, e.target.checked)}
                />
                <label htmlFor={box}>{nameOf(id)}</label>
                <span className="sp-muted sp-check-info">not among the subscriptions loaded</span>
              </li>
            );
          })}
        </ul>
      )}
      {selected.length > 1 && (
        <div className="sp-order">
          <h4 id={`${ids}-order`}>Order on the page</h4>
          <ol aria-labelledby={`${ids}-order`}>
            {selected.map((id, i) => (
              <li key={id}>
                <span className="sp-order-name">{nameOf(id)}</span>
                <span className="sp-order-moves">
                  <button
                    type="button"
                    className="secondary sp-small"
                    id={moveId(id, -1)}
                    onClick={() => move(i, -1)}
                    disabled={i === 0}
                    aria-label={`Move ${nameOf(id)} up`}
                  >
                    ↑
                  </button>
                  <button
                    type="button"
                    className="secondary sp-small"
                    id={moveId(id, 1)}
                    onClick={() => move(i, 1)}
                    disabled={i === selected.length - 1}
                    aria-label={`Move ${nameOf(id)} down`}
                  >
                    ↓
                  </button>
                </span>
              </li>
            ))}
          </ol>
        </div>
      )}
    </fieldset>
  );
}
