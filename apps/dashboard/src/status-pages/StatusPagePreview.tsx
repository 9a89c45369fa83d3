import type { MonitorState, PublicState, StatusPage } from '@lighthouse/contracts';
import { useState } from 'react';
import { formatTime, Status } from '../ui';
import { useApi } from '../useApi';
import { canFramePublicPage, getPublicStatusPage, statusPageUrl } from './statusPagesApi';

const STATE_TEXT: Record<PublicState, string> = {
  up: 'Operational',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
  paused: 'Paused',
};

const OVERALL_TEXT: Record<MonitorState, string> = {
  up: 'All systems operational',
  degraded: 'Degraded performance',
  down: 'Outage',
  unknown: 'Status unknown',
};

/** As the public page words it: floored, so 99.95 never reads as 100%. */
function formatUptime(pct: number): string {
  if (pct >= 100) return '100%';
  return `${(Math.floor(pct * 100 + 1e-6) / 100).toFixed(2)}%`;
}

/**
 * What visitors see of the saved page. The API serves the HTML page with helmet's
 * `X-Frame-Options: SAMEORIGIN`, so it is framed only when the API shares the dashboard's origin;
 * otherwise the page's public JSON is drawn here. A draft answers 404 to everyone, so there is
 * nothing to preview until it is published.
 */
export function StatusPagePreview({ page }: { page: StatusPage }) {
  if (!page.published) {
    return (
      <p className="sp-note">
        This page is a draft: visitors get “not found”. Tick <strong>Published</strong> and save to
        preview it.
      </p>
    );
  }
  return canFramePublicPage() ? <FramedPreview page={page} /> : <JsonPreview page={page} />;
}

function FramedPreview({ page }: { page: StatusPage }) {
  const [loaded, setLoaded] = useState(false);
  const [generation, setGeneration] = useState(0);
  // the query only varies the URL (the route ignores it), so a copy the browser cached for up to
  // 30 s is not shown after a save
  const src = `${statusPageUrl(page.slug)}?v=${encodeURIComponent(page.updated_at)}.${generation}`;
  return (
    <div className="sp-preview">
      {!loaded && (
        <p className="loading" role="status">
          Loading the preview…
        </p>
      )}
      <iframe
        key={src}
        src={src}
        title={`Preview of the public status page “${page.title}”`}
        // the page runs no script and has no links: nothing needs to be allowed
        sandbox=""
        referrerPolicy="no-referrer"
        onLoad={() => setLoaded(true)}
      />
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setLoaded(false);
          setGeneration((g) => g + 1);
        }}
      >
        Reload preview
      </button>
    </div>
  );
}

function JsonPreview({ page }: { page: StatusPage }) {
  const pub = useApi(
    (_token, signal) => getPublicStatusPage(page.slug, page.updated_at, signal),
    `${page.slug}@${page.updated_at}`,
    { fallback: 'Could not load the public page.' },
  );
  const data = pub.data;
  return (
    <div className="sp-preview" aria-busy={pub.loading}>
      <p className="sp-muted">
        The API is on another origin, whose status pages cannot be framed here: this is the same
        content, drawn from <span className="sp-url">/v1/status/{page.slug}</span>.
      </p>
      <Status
        loading={pub.loading && !data}
        error={pub.error}
        retry={() => pub.reload()}
        what="the preview"
      />
      {data && (
        <div className="sp-public">
          <h4>{data.title}</h4>
          {data.description && <p className="sp-public-desc">{data.description}</p>}
          <p className={`sp-overall state-${data.overall_state}`}>
            {OVERALL_TEXT[data.overall_state]}
          </p>
          {data.incidents.open.length > 0 && (
            <p>
              <strong>Ongoing incidents:</strong>{' '}
              {data.incidents.open
                .map((i) => `${i.subscription.name} since ${formatTime(i.started_at)}`)
                .join('; ')}
            </p>
          )}
          <ul className="sp-public-list">
            {data.subscriptions.map((s) => (
              <li key={s.id}>
                <span className="sp-order-name">{s.name}</span>
                <span>
                  <span className={`badge state-${s.state === 'paused' ? 'unknown' : s.state}`}>
                    {STATE_TEXT[s.state]}
                  </span>{' '}
                  <span className="sp-muted">
                    {s.uptime_90d_pct === null
                      ? 'no data'
                      : `${formatUptime(s.uptime_90d_pct)} over 90 days`}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <p className="sp-muted">Generated {formatTime(data.generated_at)}</p>
        </div>
      )}
    </div>
  );
}
