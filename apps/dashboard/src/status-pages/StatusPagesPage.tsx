import { Link } from '../router';
import { formatTime, Status } from '../ui';
import { useApi } from '../useApi';
import { OpenStatusPageLink, PublishedBadge } from './parts';
import { listStatusPages, MAX_PAGES_PER_USER } from './statusPagesApi';
import './status-pages.css';

/** The user's status pages: public pages that show some of their subscriptions. */
export function StatusPagesPage() {
  const pages = useApi(listStatusPages, 'status-pages', {
    fallback: 'Could not load your status pages.',
  });
  const items = pages.data;
  const atLimit = (items?.length ?? 0) >= MAX_PAGES_PER_USER;

  return (
    <section aria-labelledby="status-pages-title" aria-busy={pages.loading} className="sp">
      <div className="sp-head">
        <h2 id="status-pages-title">Status pages</h2>
        <Link to="/status-pages/new" className="button">
          New status page
        </Link>
      </div>
      <p className="sp-muted">
        A status page shows visitors the state and uptime of the subscriptions you choose, without
        their targets. You can have up to {MAX_PAGES_PER_USER}.
      </p>
      {atLimit && (
        <p className="sp-note">
          You have {MAX_PAGES_PER_USER} status pages, the most a wallet may have: delete one before
          creating another.
        </p>
      )}
      <Status
        loading={pages.loading && !items}
        error={pages.error}
        retry={() => pages.reload()}
        what="status pages"
      />
      {items && items.length === 0 && (
        <div className="card sp-empty">
          <p>You have no status pages yet.</p>
          <p>
            <Link to="/status-pages/new">Create your first status page</Link> to share the status of
            your services.
          </p>
        </div>
      )}
      {items && items.length > 0 && (
        <ul className="sp-list">
          {items.map((page) => {
            const count = page.subscription_ids.length;
            return (
              <li key={page.id} className="card sp-item">
                <div className="sp-item-head">
                  <Link to={`/status-pages/${page.id}`} className="sp-item-title">
                    {page.title}
                  </Link>
                  <PublishedBadge published={page.published} />
                </div>
                <dl className="facts">
                  <div>
                    <dt>Slug</dt>
                    <dd>
                      <code className="sp-code">{page.slug}</code>
                    </dd>
                  </div>
                  <div>
                    <dt>Subscriptions</dt>
                    <dd>{count}</dd>
                  </div>
                  <div>
                    <dt>Updated</dt>
                    <dd>{formatTime(page.updated_at)}</dd>
                  </div>
                </dl>
                {page.published && (
                  <p className="sp-item-link">
                    <OpenStatusPageLink slug={page.slug} title={page.title} />
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
