import type { Subscription, TestAlertResult } from '@lighthouse/contracts';
import { useEffect, useMemo, useRef, useState } from 'react';
import { RenewPanel } from '../payments/RenewPanel';
import { Link, navigate } from '../router';
import { ErrorText, formatTime, Status } from '../ui';
import { useAction, useApi, useAuth } from '../useApi';
import { AlertsSection } from './AlertsSection';
import { deleteSubscription, getSubscription, sendTestAlert, setPaused } from './api';
import { ChecksSection } from './ChecksSection';
import { IncidentsSection } from './IncidentsSection';
import { LatencySection, UptimeSection, useMetrics } from './Metrics';
import { useTargets } from '../targets';
import { channelNames, formatDuration, STATE_LABEL } from './format';
import './subscription.css';

/** One subscription: its state (polled), actions, uptime, latency and history. */
export function SubscriptionPage({ id }: { id: string }) {
  const subscription = useApi((token, signal) => getSubscription(token, id, signal), id, {
    pollMs: 10_000,
    fallback: 'Could not load this subscription.',
  });
  const sub = subscription.data;
  const reload = () => subscription.reload({ quiet: true });

  return (
    <article className="sub-page" aria-labelledby="sub-title">
      <p className="sub-back">
        <Link to="/">← All subscriptions</Link>
      </p>
      {!sub && (
        <>
          <h2 id="sub-title">Subscription</h2>
          <Status
            loading={subscription.loading}
            error={subscription.error}
            retry={() => subscription.reload()}
            what="the subscription"
          />
        </>
      )}
      {sub && (
        <>
          <Header sub={sub} onChanged={reload} />
          {/* a failed poll keeps the last answer on screen, and says so */}
          <ErrorText error={subscription.error} />
          <RenewPanel
            subscription={{
              id: sub.id,
              tier: sub.tier,
              expires_at: sub.expires_at,
              status: sub.status,
            }}
            onRenewed={reload}
          />
          <Details sub={sub} />
        </>
      )}
    </article>
  );
}

function Header({ sub, onChanged }: { sub: Subscription; onChanged: () => void }) {
  const target = useTargets()?.describeTarget(sub.target_type, sub.target_config) ?? '';
  return (
    <header className="card sub-header">
      <div className="sub-title-row">
        <h2 id="sub-title" className="name">
          {sub.name || target || sub.id}
        </h2>
        <span role="status" className={`badge state-${sub.state}`}>
          <span aria-hidden="true" className="dot" />
          <span className="visually-hidden">State: </span>
          {STATE_LABEL[sub.state] ?? sub.state}
        </span>
      </div>
      <dl className="facts sub-facts">
        <div className="sub-fact-wide">
          <dt>Target</dt>
          <dd>
            <span className="sub-target-type">{sub.target_type}</span>
            {target && <code className="sub-target">{target}</code>}
          </dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd className={`status-${sub.status}`}>{sub.status}</dd>
        </div>
        <div>
          <dt>Tier</dt>
          <dd>{sub.tier}</dd>
        </div>
        <div>
          <dt>Interval</dt>
          <dd>every {formatDuration(sub.check_frequency_seconds)}</dd>
        </div>
        <div>
          <dt>Last check</dt>
          <dd>{sub.last_check_at ? formatTime(sub.last_check_at) : 'not yet'}</dd>
        </div>
        <div>
          <dt>Maintenance</dt>
          <dd>{sub.in_maintenance ? 'in a window now' : 'no'}</dd>
        </div>
        {sub.expires_at && (
          <div>
            <dt>{sub.status === 'expired' ? 'Expired' : 'Expires'}</dt>
            <dd>{formatTime(sub.expires_at)}</dd>
          </div>
        )}
        {sub.flapping_since && (
          <div>
            <dt>Flapping since</dt>
            <dd>{formatTime(sub.flapping_since)}</dd>
          </div>
        )}
      </dl>
      <Actions sub={sub} onChanged={onChanged} />
    </header>
  );
}

function Actions({ sub, onChanged }: { sub: Subscription; onChanged: () => void }) {
  const { token } = useAuth();
  const pause = useAction();
  const test = useAction();
  const remove = useAction();
  const [results, setResults] = useState<TestAlertResult[] | null>(null);
  const [confirming, setConfirming] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const names = useMemo(() => channelNames(sub.alert_channels), [sub.alert_channels]);

  // the question takes the focus, and gives it back to Delete when dismissed
  const asked = useRef(false);
  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
    else if (asked.current) deleteRef.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  const togglePause = async () => {
    const pausing = sub.active;
    if (
      await pause.run(
        () => setPaused(token, sub.id, pausing),
        `Could not ${pausing ? 'pause' : 'resume'} it.`,
      )
    ) {
      onChanged();
    }
  };
  const sendTest = async () => {
    setResults(null);
    await test.run(async () => {
      setResults((await sendTestAlert(token, sub.id)).results);
    }, 'Could not send the test alert.');
  };
  const confirmDelete = async () => {
    if (await remove.run(() => deleteSubscription(token, sub.id), 'Could not delete it.'))
      navigate('/');
  };

  return (
    <div className="sub-actions-area">
      <div className="sub-actions">
        <Link to={`/subscriptions/${encodeURIComponent(sub.id)}/edit`} className="button">
          Edit
        </Link>
        {sub.status !== 'expired' && (
          <button
            type="button"
            className="secondary"
            onClick={() => void togglePause()}
            disabled={pause.busy}
            aria-busy={pause.busy}
          >
            {sub.active ? (pause.busy ? 'Pausing…' : 'Pause') : pause.busy ? 'Resuming…' : 'Resume'}
          </button>
        )}
        <button
          type="button"
          className="secondary"
          onClick={() => void sendTest()}
          disabled={test.busy}
          aria-busy={test.busy}
        >
          {test.busy ? 'Sending test alert…' : 'Send test alert'}
        </button>
        {!confirming && (
          <button
            ref={deleteRef}
            type="button"
            className="secondary sub-danger"
            onClick={() => {
              remove.clearError();
              setConfirming(true);
            }}
          >
            Delete
          </button>
        )}
      </div>
      {sub.status === 'expired' && <p className="sub-note">Expired: renew it to check again.</p>}
      <ErrorText error={pause.error} />
      <ErrorText error={test.error} />
      <div role="status" className="sub-test-results">
        {results?.length === 0 && <p>This subscription has no alert channels to test.</p>}
        {results && results.length > 0 && (
          <>
            <p>Test alert sent:</p>
            <ul>
              {results.map((r) => (
                <li key={r.channel_id} data-ok={r.ok}>
                  <span className="sub-channel">{names.get(r.channel_id) ?? r.type}</span>:{' '}
                  {r.ok ? (
                    <span className="sub-delivery-sent">ok</span>
                  ) : (
                    <span className="sub-delivery-failed">
                      failed: {r.error ?? 'no reason given'}
                    </span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
      {confirming && (
        <div className="sub-confirm" role="group" aria-labelledby="sub-confirm-question">
          <p id="sub-confirm-question">
            Delete this subscription? Its checks stop and it leaves your list. This cannot be
            undone.
          </p>
          <ErrorText error={remove.error} />
          <div className="sub-actions">
            <button
              type="button"
              className="sub-danger-solid"
              onClick={() => void confirmDelete()}
              disabled={remove.busy}
              aria-busy={remove.busy}
            >
              {remove.busy ? 'Deleting…' : 'Yes, delete it'}
            </button>
            <button
              ref={cancelRef}
              type="button"
              className="secondary"
              onClick={() => setConfirming(false)}
              disabled={remove.busy}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

/** The sections below the header; mounted once the subscription is known to exist. */
function Details({ sub }: { sub: Subscription }) {
  const metrics = useMetrics(sub.id);
  const names = useMemo(() => channelNames(sub.alert_channels), [sub.alert_channels]);
  const lastCheck = sub.last_check_at ?? '';
  return (
    <>
      <UptimeSection metrics={metrics} />
      <LatencySection id={sub.id} metrics={metrics} regions={sub.regions} />
      <ChecksSection id={sub.id} lastCheckAt={lastCheck} />
      <IncidentsSection id={sub.id} refreshKey={`${sub.state} ${sub.state_changed_at ?? ''}`} />
      <AlertsSection id={sub.id} refreshKey={lastCheck} channelNames={names} />
    </>
  );
}
