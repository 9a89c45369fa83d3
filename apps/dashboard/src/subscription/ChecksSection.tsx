import type { Check } from '@lighthouse/contracts';
import { useMemo } from 'react';
import { formatMs, formatTime, Section, Status } from '../ui';
import { listChecks } from './api';
import { describeError, formatShortTime, STATE_LABEL } from './format';
import { OlderButton } from './OlderButton';
import { usePagedList } from './usePagedList';

/** A slot has one check per region it is checked from. */
const checkKey = (c: Check) => `${c.time} ${c.region}`;

const hasValue = (c: Check) => c.value !== null || c.value_text !== null;

/** The measured value: the exact reading when there is one, else the number. */
const formatValue = (c: Check) => c.value_text ?? (c.value === null ? '—' : String(c.value));

/** The raw checks, newest first; a new check of the subscription brings the newest in. */
export function ChecksSection({
  id,
  lastCheckAt,
}: {
  id: string;
  lastCheckAt: string | undefined;
}) {
  const fetchPage = useMemo(() => listChecks(id), [id]);
  const list = usePagedList(fetchPage, {
    key: id,
    refreshKey: lastCheckAt,
    keyOf: checkKey,
    what: 'checks',
  });
  // only checks that measure something (EVM balances, block heights, contract reads) get a column
  const showValue = list.items?.some(hasValue) ?? false;
  // checks from several regions say which each is
  const showRegion = new Set(list.items?.map((c) => c.region)).size > 1;
  return (
    <Section title="Check history" id="sub-checks">
      <Status loading={list.loading} error={list.error} retry={list.retry} what="checks" />
      {list.items?.length === 0 && <p className="empty">No checks yet.</p>}
      {list.items && list.items.length > 0 && (
        <div className="sub-table-wrap" tabIndex={0} role="region" aria-labelledby="sub-checks">
          <table className="sub-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                {showRegion && <th scope="col">Region</th>}
                <th scope="col">Status</th>
                <th scope="col">Response time</th>
                {showValue && <th scope="col">Value</th>}
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((c) => (
                <tr key={checkKey(c)}>
                  <th scope="row" className="sub-nowrap">
                    <time dateTime={c.time} title={formatTime(c.time)}>
                      {formatShortTime(c.time, { seconds: true })}
                    </time>
                  </th>
                  {showRegion && <td className="sub-nowrap">{c.region}</td>}
                  <td className="sub-nowrap">
                    <span className={`badge state-${c.status}`}>{STATE_LABEL[c.status]}</span>
                    {c.http_status !== null && (
                      <span className="sub-muted"> HTTP {c.http_status}</span>
                    )}
                    {c.maintenance && <span className="sub-muted"> (maintenance)</span>}
                  </td>
                  <td className="sub-nowrap">{formatMs(c.response_time_ms)}</td>
                  {showValue && <td className="sub-value-cell">{formatValue(c)}</td>}
                  <td className="sub-error-cell">
                    {describeError(c.error_category, c.error_message) ?? '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <OlderButton list={list} what="checks" />
    </Section>
  );
}
