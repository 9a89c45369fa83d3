import type { Incident } from '@lighthouse/contracts';
import { useMemo } from 'react';
import { formatTime, Section, Status } from '../ui';
import { listIncidents } from './api';
import { describeError, formatDuration, formatShortTime } from './format';
import { OlderButton } from './OlderButton';
import { usePagedList } from './usePagedList';

const incidentKey = (i: Incident) => i.id;

/** Downtime, newest first; refreshed when the subscription's state changes. */
export function IncidentsSection({
  id,
  refreshKey,
}: {
  id: string;
  refreshKey: string | undefined;
}) {
  const fetchPage = useMemo(() => listIncidents(id), [id]);
  const list = usePagedList(fetchPage, {
    key: id,
    refreshKey,
    keyOf: incidentKey,
    what: 'incidents',
  });
  return (
    <Section title="Incidents" id="sub-incidents">
      <Status loading={list.loading} error={list.error} retry={list.retry} what="incidents" />
      {list.items?.length === 0 && <p className="empty">No incidents.</p>}
      {list.items && list.items.length > 0 && (
        <div className="sub-table-wrap" tabIndex={0} role="region" aria-labelledby="sub-incidents">
          <table className="sub-table">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Resolved</th>
                <th scope="col">Duration</th>
                <th scope="col">Cause</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((i) => (
                <tr key={i.id}>
                  <th scope="row">
                    <span className={`badge ${i.open ? 'state-down' : 'state-unknown'}`}>
                      {i.open ? 'Open' : 'Resolved'}
                    </span>
                  </th>
                  <td className="sub-nowrap">
                    <time dateTime={i.started_at} title={formatTime(i.started_at)}>
                      {formatShortTime(i.started_at)}
                    </time>
                  </td>
                  <td className="sub-nowrap">
                    {i.resolved_at ? (
                      <time dateTime={i.resolved_at} title={formatTime(i.resolved_at)}>
                        {formatShortTime(i.resolved_at)}
                      </time>
                    ) : (
                      'ongoing'
                    )}
                  </td>
                  <td className="sub-nowrap">
                    {formatDuration(i.duration_seconds)}
                    {i.open && <span className="sub-muted"> so far</span>}
                  </td>
                  <td className="sub-error-cell">
                    {describeError(i.error_category, i.error_message) ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OlderButton list={list} what="incidents" />
    </Section>
  );
}
