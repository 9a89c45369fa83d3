import type { Alert, AlertDelivery } from '@lighthouse/contracts';
import { useMemo } from 'react';
import { formatTime, Section, Status } from '../ui';
import { listAlerts } from './api';
import { alertKindLabel, channelTypeLabel, DELIVERY_LABEL } from './format';
import { OlderButton } from './OlderButton';
import { usePagedList } from './usePagedList';

const alertKey = (a: Alert) => a.id;

const SUPPRESSED: Record<NonNullable<Alert['suppressed_reason']>, string> = {
  maintenance: 'Not sent: in a maintenance window',
  flapping: 'Not sent: flapping',
};

/** The alert's own word for how delivery went, for an alert without deliveries to show. */
function overall(a: Alert): string {
  if (a.suppressed_reason) return SUPPRESSED[a.suppressed_reason];
  switch (a.delivery_status) {
    case 'suppressed':
      return 'Not sent';
    case 'sent':
      return 'Delivered';
    case 'partial':
      return 'Partly delivered';
    case 'failed':
      return 'Failed';
    case 'pending':
      return 'Pending';
  }
}

function Delivery({ d, names }: { d: AlertDelivery; names: ReadonlyMap<string, string> }) {
  const attempts = `${d.attempts} attempt${d.attempts === 1 ? '' : 's'}`;
  const at = d.delivered_at ?? d.last_attempt_at;
  return (
    <li className="sub-delivery">
      <span className="sub-channel">
        {names.get(d.channel_id) ?? channelTypeLabel(d.channel_type)}
      </span>{' '}
      <span className={`sub-delivery-status sub-delivery-${d.status}`} data-status={d.status}>
        {DELIVERY_LABEL[d.status]}
      </span>
      <span className="sub-muted">
        {' '}
        · {attempts}
        {at && (
          <>
            {' '}
            · <time dateTime={at}>{formatTime(at)}</time>
          </>
        )}
      </span>
      {d.last_error && d.status !== 'sent' && (
        <span className="sub-delivery-error">{d.last_error}</span>
      )}
    </li>
  );
}

/**
 * Alerts, newest first, each with how every channel's delivery went; refreshed with each check
 * so pending deliveries settle on screen. `channelNames` names the subscription's channels.
 */
export function AlertsSection({
  id,
  refreshKey,
  channelNames,
}: {
  id: string;
  refreshKey: string | undefined;
  channelNames: ReadonlyMap<string, string>;
}) {
  const fetchPage = useMemo(() => listAlerts(id), [id]);
  const list = usePagedList(fetchPage, { key: id, refreshKey, keyOf: alertKey, what: 'alerts' });
  return (
    <Section title="Alerts" id="sub-alerts">
      <Status loading={list.loading} error={list.error} retry={list.retry} what="alerts" />
      {list.items?.length === 0 && <p className="empty">No alerts yet.</p>}
      {list.items && list.items.length > 0 && (
        <ul className="sub-alerts">
          {list.items.map((a) => (
            <li key={a.id} className="sub-alert" data-alert-type={a.alert_type}>
              <div className="sub-alert-head">
                <span className={`sub-alert-kind sub-severity-${a.severity}`}>
                  {alertKindLabel(a.alert_type)}
                </span>
                <time dateTime={a.created_at}>{formatTime(a.created_at)}</time>
              </div>
              {a.deliveries.length > 0 ? (
                <ul className="sub-deliveries" aria-label="Deliveries">
                  {a.deliveries.map((d) => (
                    <Delivery key={d.channel_id} d={d} names={channelNames} />
                  ))}
                </ul>
              ) : (
                <p className="sub-muted sub-alert-overall">{overall(a)}</p>
              )}
              <details className="sub-alert-message">
                <summary>Message</summary>
                <p>{a.message}</p>
              </details>
            </li>
          ))}
        </ul>
      )}
      <OlderButton list={list} what="alerts" />
    </Section>
  );
}
