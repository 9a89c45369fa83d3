import type {
  Checker,
  ConsoleRegion,
  Overview,
  QueueCounts,
  TimescaleJob,
  WholeList,
} from '@lighthouse/contracts';
import { API_URL } from '../api';
import { Link } from '../router';
import { STATES_WORST_FIRST } from '../subscription/format';
import { StateBadge } from '../SubscriptionList';
import { ErrorText, formatTime, Section, Status } from '../ui';
import { useApi, type Loaded } from '../useApi';
import { getOverview, listCheckers, listRegions } from './api';
import { formatAgo, formatCount, POLL_MS } from './parts';

const QUEUE_COLUMNS: { key: keyof QueueCounts; label: string }[] = [
  { key: 'waiting', label: 'Waiting' },
  { key: 'prioritized', label: 'Prioritized' },
  { key: 'active', label: 'Active' },
  { key: 'delayed', label: 'Delayed' },
  { key: 'failed', label: 'Failed' },
  { key: 'completed', label: 'Completed' },
];

/**
 * The instance at a glance: health, subscriptions, queues, the checker fleet and its regions,
 * payments. A dark region is said first.
 */
export function ConsoleOverview() {
  const overview = useApi(getOverview, 'overview', {
    pollMs: POLL_MS,
    fallback: 'Could not load the overview.',
  });
  const regions = useApi(listRegions, 'regions', {
    pollMs: POLL_MS,
    fallback: 'Could not load the regions.',
  });
  const data = overview.data;
  const dark = regions.data?.items.filter((r) => r.dark) ?? [];
  return (
    <div className="console-view" aria-busy={overview.loading}>
      <Status
        loading={overview.loading && !data}
        error={data ? null : overview.error}
        retry={() => overview.reload()}
        what="the overview"
      />
      {data && (
        <>
          {/* a failed refresh keeps the last answer on screen, and says so */}
          <ErrorText error={overview.error} />
          {dark.length > 0 && (
            <p className="console-bad" data-warning="dark-regions">
              {dark.length === 1 ? 'Region' : 'Regions'} {dark.map((r) => r.region).join(', ')}{' '}
              {dark.length === 1 ? 'is' : 'are'} dark: no checker heard from, so{' '}
              {dark.length === 1 ? 'its' : 'their'} slots are missing, never down.{' '}
              <a href="#console-regions">See the regions</a>
            </p>
          )}
          <InstanceSection overview={data} />
          <SubscriptionsSection counts={data.subscriptions} />
          <QueuesSection queues={data.queues} bullBoardUrl={data.bull_board_url} />
          <CheckersSection counts={data.checkers} />
          <RegionsSection regions={regions} />
          <PaymentsSection pending={data.pending_payments} />
        </>
      )}
    </div>
  );
}

function Connection({ value }: { value: string | undefined }) {
  const ok = value === 'connected';
  return (
    <span className={`badge ${ok ? 'state-up' : 'state-down'}`}>
      <span aria-hidden="true" className="dot" />
      {value ?? 'unknown'}
    </span>
  );
}

function InstanceSection({ overview }: { overview: Overview }) {
  const { health } = overview;
  return (
    <Section title="Instance" id="console-instance">
      <dl className="console-figures">
        <div className="console-figure">
          <dt>Health</dt>
          <dd>
            <span className={`badge ${health.status === 'ok' ? 'state-up' : 'state-down'}`}>
              <span aria-hidden="true" className="dot" />
              {health.status}
            </span>
          </dd>
        </div>
        <div className="console-figure">
          <dt>Database</dt>
          <dd>
            <Connection value={health.database} />
          </dd>
        </div>
        <div className="console-figure">
          <dt>Redis</dt>
          <dd>
            <Connection value={health.redis} />
          </dd>
        </div>
        <div className="console-figure">
          <dt>Mode</dt>
          <dd>{overview.mode}</dd>
        </div>
        <div className="console-figure">
          <dt>Version</dt>
          <dd>
            <code>{overview.version}</code>
          </dd>
        </div>
        <div className="console-figure">
          <dt>Storage</dt>
          <dd>
            {overview.storage.engine === 'timescaledb'
              ? `TimescaleDB ${overview.storage.timescaledb_version ?? ''}`
              : 'PostgreSQL'}
          </dd>
        </div>
      </dl>
      <TimescaleJobs storage={overview.storage} />
    </Section>
  );
}

const JOB_STATUS: Record<
  NonNullable<TimescaleJob['last_run_status']> | 'none',
  { label: string; badge: string }
> = {
  success: { label: 'Succeeded', badge: 'state-up' },
  failed: { label: 'Failed', badge: 'state-down' },
  none: { label: 'Not run yet', badge: 'state-unknown' },
};

/** TimescaleDB's background jobs (compression and other policies): a job can fail unnoticed. */
function TimescaleJobs({ storage }: { storage: Overview['storage'] }) {
  if (storage.engine !== 'timescaledb') {
    return (
      <p className="console-note">
        TimescaleDB jobs: none (plain PostgreSQL: no background jobs; the scheduler&apos;s
        housekeeping keeps the check history partitioned and trimmed).
      </p>
    );
  }
  if (storage.jobs.length === 0) {
    return <p className="console-note">TimescaleDB jobs: none is defined.</p>;
  }
  const now = Date.now();
  const failing = storage.jobs.filter((j) => j.last_run_status === 'failed').length;
  return (
    <>
      <p className="console-note">
        <strong>TimescaleDB jobs</strong>: compression and the other policies, as TimescaleDB last
        ran them.
      </p>
      {failing > 0 && (
        <p className="console-bad">
          {failing === 1 ? 'A TimescaleDB job' : `${failing} TimescaleDB jobs`} failed its last run:
          see <code>timescaledb_information.job_errors</code> and the PostgreSQL log.
        </p>
      )}
      <div
        className="console-table-wrap"
        role="region"
        aria-labelledby="console-timescale-jobs-caption"
        tabIndex={0}
      >
        <table className="console-table">
          <caption id="console-timescale-jobs-caption" className="visually-hidden">
            TimescaleDB jobs
          </caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Hypertable</th>
              <th scope="col">Last run</th>
              <th scope="col">Next start</th>
              <th scope="col" className="console-num">
                Failures
              </th>
            </tr>
          </thead>
          <tbody>
            {storage.jobs.map((job) => (
              <TimescaleJobRow key={job.job_id} job={job} now={now} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function TimescaleJobRow({ job, now }: { job: TimescaleJob; now: number }) {
  const status = JOB_STATUS[job.last_run_status ?? 'none'];
  const inARow = job.consecutive_failures ?? 0;
  return (
    <tr data-job={job.job_id}>
      <th scope="row">
        <code className="console-wrap">{job.proc_name}</code>
        <span className="console-cell-note">
          job {job.job_id}
          {job.job_status ? `, ${job.job_status.toLowerCase()}` : ''}
        </span>
      </th>
      <td>{job.hypertable ? <code>{job.hypertable}</code> : '—'}</td>
      <td className="console-nowrap">
        <span className={`badge ${status.badge}`}>
          <span aria-hidden="true" className="dot" />
          {status.label}
        </span>
        {job.last_run_started_at && (
          <span className="console-cell-note">
            started{' '}
            <time dateTime={job.last_run_started_at} title={formatTime(job.last_run_started_at)}>
              {formatAgo(job.last_run_started_at, now)}
            </time>
          </span>
        )}
      </td>
      <td>
        {job.next_start ? (
          <time dateTime={job.next_start}>{formatTime(job.next_start)}</time>
        ) : (
          'not scheduled'
        )}
      </td>
      <td className={`console-num${job.total_failures > 0 ? ' console-bad' : ''}`}>
        {formatCount(job.total_failures)}
        {inARow > 0 && <span className="console-cell-note">{formatCount(inARow)} in a row</span>}
      </td>
    </tr>
  );
}

function SubscriptionsSection({ counts }: { counts: Overview['subscriptions'] }) {
  return (
    <Section title="Subscriptions" id="console-subscription-counts">
      <dl className="console-figures">
        <div className="console-figure">
          <dt>Total</dt>
          <dd className="console-number">{formatCount(counts.total)}</dd>
        </div>
        <div className="console-figure">
          <dt>Active</dt>
          <dd className="console-number">{formatCount(counts.active)}</dd>
        </div>
        <div className="console-figure">
          <dt>Paused</dt>
          <dd className="console-number">{formatCount(counts.paused)}</dd>
        </div>
        <div className="console-figure">
          <dt>Expired</dt>
          <dd className="console-number">{formatCount(counts.expired)}</dd>
        </div>
        {STATES_WORST_FIRST.map((state) => (
          <div className="console-figure" key={state}>
            <dt>
              <StateBadge state={state} />
            </dt>
            <dd className="console-number">
              <Link to={`/console/subscriptions?state=${state}`}>
                {formatCount(counts.by_state[state])}
                <span className="visually-hidden"> {state} subscriptions</span>
              </Link>
            </dd>
          </div>
        ))}
      </dl>
      <p className="console-note">
        <Link to="/console/subscriptions">Everyone&apos;s subscriptions</Link>
      </p>
    </Section>
  );
}

function QueuesSection({
  queues,
  bullBoardUrl,
}: {
  queues: Overview['queues'];
  bullBoardUrl: string;
}) {
  const names = Object.keys(queues).sort();
  return (
    <Section title="Queues" id="console-queues">
      <div
        className="console-table-wrap"
        role="region"
        aria-labelledby="console-queues-caption"
        tabIndex={0}
      >
        <table className="console-table">
          <caption id="console-queues-caption" className="visually-hidden">
            Jobs per state in each queue
          </caption>
          <thead>
            <tr>
              <th scope="col">Queue</th>
              {QUEUE_COLUMNS.map((c) => (
                <th scope="col" key={c.key} className="console-num">
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {names.map((name) => {
              const counts = queues[name];
              return (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  {counts ? (
                    QUEUE_COLUMNS.map((c) => (
                      <td
                        key={c.key}
                        className={`console-num${c.key === 'failed' && (counts.failed ?? 0) > 0 ? ' console-bad' : ''}`}
                      >
                        {formatCount(counts[c.key] ?? 0)}
                      </td>
                    ))
                  ) : (
                    <td colSpan={QUEUE_COLUMNS.length} className="console-bad">
                      Redis did not answer
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p className="console-note">
        <a href={`${API_URL}${bullBoardUrl}`} target="_blank" rel="noreferrer">
          Open Bull Board<span className="visually-hidden"> (opens in a new tab)</span>
        </a>{' '}
        to see each job and retry failed ones. It asks for a user name and password: any user name,
        and this instance&apos;s <code>ADMIN_TOKEN</code> as the password.
      </p>
    </Section>
  );
}

function CheckersSection({ counts }: { counts: Overview['checkers'] }) {
  const fleet = useApi(listCheckers, 'checkers', {
    pollMs: POLL_MS,
    fallback: 'Could not load the checkers.',
  });
  const items = fleet.data?.items;
  return (
    <Section title="Checkers" id="console-checkers">
      <p>
        {formatCount(counts.live)} live of {formatCount(counts.known)} seen in the last 7 days. A
        checker is gone when it has not written its heartbeat for a minute.
      </p>
      <Status
        loading={fleet.loading && !items}
        error={fleet.error}
        retry={() => fleet.reload()}
        what="the checkers"
      />
      {items?.length === 0 && (
        <p className="empty">
          No checker has written a heartbeat: nothing is checked until one runs (
          <code>node services/checker/dist/main.js</code>).
        </p>
      )}
      {items && items.length > 0 && <CheckerTable items={items} />}
    </Section>
  );
}

function CheckerTable({ items }: { items: Checker[] }) {
  const now = Date.now();
  return (
    <div
      className="console-table-wrap"
      role="region"
      aria-labelledby="console-checkers-caption"
      tabIndex={0}
    >
      <table className="console-table">
        <caption id="console-checkers-caption" className="visually-hidden">
          The checker fleet, the most recently seen first
        </caption>
        <thead>
          <tr>
            <th scope="col">Checker</th>
            <th scope="col">Host</th>
            <th scope="col">Version</th>
            <th scope="col">Region</th>
            <th scope="col">Last seen</th>
            <th scope="col" className="console-num">
              Checks/s
            </th>
            <th scope="col" className="console-num">
              Checks
            </th>
            <th scope="col" className="console-num">
              Errors
            </th>
            <th scope="col">State</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            <tr key={c.name} data-checker={c.name}>
              <th scope="row" className="console-checker-cell">
                <code className="console-wrap">{c.name}</code>
                <span className="console-cell-note">started {formatTime(c.started_at)}</span>
              </th>
              <td className="console-wrap">{c.host}</td>
              <td>
                <code>{c.version}</code>
              </td>
              <td>{c.region ?? 'default'}</td>
              <td className="console-nowrap">
                <time dateTime={c.last_seen_at} title={formatTime(c.last_seen_at)}>
                  {formatAgo(c.last_seen_at, now)}
                </time>
              </td>
              <td className="console-num">{c.checks_per_second.toFixed(1)}</td>
              <td className="console-num">{formatCount(c.checks_total)}</td>
              <td className={`console-num${c.errors_total > 0 ? ' console-bad' : ''}`}>
                {formatCount(c.errors_total)}
              </td>
              <td>
                <span className={`badge ${c.live ? 'state-up' : 'state-unknown'}`}>
                  <span aria-hidden="true" className="dot" />
                  {c.live ? 'Live' : 'Gone'}
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const REGION_STATE = {
  dark: { label: 'Dark', badge: 'state-down' },
  live: { label: 'Live', badge: 'state-up' },
  idle: { label: 'Idle', badge: 'state-unknown' },
} as const;

function RegionsSection({ regions }: { regions: Loaded<WholeList<ConsoleRegion>> }) {
  const items = regions.data?.items;
  const now = Date.now();
  return (
    <Section title="Regions" id="console-regions">
      <p>
        Each subscription is checked from its regions by their checkers. A region is dark when no
        checker of it has been heard from for <code>REGION_DARK_AFTER_SECONDS</code> while
        subscriptions use it: its slots are missing, never down.
      </p>
      <Status
        loading={regions.loading && !items}
        error={regions.error}
        retry={() => regions.reload()}
        what="the regions"
      />
      {items && items.length > 0 && (
        <div
          className="console-table-wrap"
          role="region"
          aria-labelledby="console-regions-caption"
          tabIndex={0}
        >
          <table className="console-table">
            <caption id="console-regions-caption" className="visually-hidden">
              Regions, by name
            </caption>
            <thead>
              <tr>
                <th scope="col">Region</th>
                <th scope="col">State</th>
                <th scope="col" className="console-num">
                  Checkers live / seen
                </th>
                <th scope="col" className="console-num">
                  Checks/s
                </th>
                <th scope="col" className="console-num">
                  Subscriptions
                </th>
                <th scope="col">Last seen</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => {
                const state = REGION_STATE[r.dark ? 'dark' : r.live_checkers > 0 ? 'live' : 'idle'];
                return (
                  <tr key={r.region} data-region={r.region}>
                    <th scope="row" className="console-nowrap">
                      <code>{r.region}</code>
                      {r.default && <span className="console-cell-note">default</span>}
                    </th>
                    <td>
                      <span className={`badge ${state.badge}`}>
                        <span aria-hidden="true" className="dot" />
                        {state.label}
                      </span>
                      {r.dark && (
                        <span className="console-cell-note">
                          no checker heard from: its slots are missing, never down
                        </span>
                      )}
                    </td>
                    <td className="console-num">
                      {formatCount(r.live_checkers)} / {formatCount(r.checkers)}
                    </td>
                    <td className="console-num">{r.checks_per_second.toFixed(1)}</td>
                    <td className="console-num">{formatCount(r.subscriptions)}</td>
                    <td className="console-nowrap">
                      {r.last_seen_at ? (
                        <time dateTime={r.last_seen_at} title={formatTime(r.last_seen_at)}>
                          {formatAgo(r.last_seen_at, now)}
                        </time>
                      ) : (
                        'never'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

function PaymentsSection({ pending }: { pending: number }) {
  return (
    <Section title="Payments" id="console-payment-counts">
      <p>
        {pending === 0 ? (
          'No payment is pending.'
        ) : (
          <>
            <strong>
              {formatCount(pending)} {pending === 1 ? 'payment' : 'payments'} pending
            </strong>
            : their settlement never came back. Check the chain for each: discard one whose transfer
            never happened, so that its payer can pay with it again.
          </>
        )}{' '}
        <Link to="/console/payments?status=pending">Pending payments</Link>
        {' · '}
        <Link to="/console/payments">All payments</Link>
      </p>
    </Section>
  );
}
