import type { StatusPage } from '@lighthouse/contracts';
import { useId, useRef, useState } from 'react';
import { CopyButton } from './parts';
import {
  badgeUrls,
  DEFAULT_UPTIME_PERIOD,
  statusPageUrl,
  UPTIME_PERIODS,
  type UptimePeriod,
} from './statusPagesApi';

const PERIOD_TEXT: Record<UptimePeriod, string> = {
  '24h': 'last 24 hours',
  '7d': 'last 7 days',
  '30d': 'last 30 days',
  '90d': 'last 90 days',
};

const escapeHtml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Markdown image alt text: brackets and backslashes would end or break it. */
const escapeMarkdown = (text: string): string => text.replace(/[\\[\]]/g, '\\$&');

interface Snippets {
  markdown: string;
  html: string;
  status: string;
  uptime: string;
}

export function badgeSnippets(
  name: string,
  subscriptionId: string,
  slug: string,
  period: UptimePeriod,
): Snippets {
  const urls = badgeUrls(subscriptionId, period);
  const page = statusPageUrl(slug);
  const md = escapeMarkdown(name);
  const html = escapeHtml(name);
  return {
    ...urls,
    markdown: [
      `[![${md} status](${urls.status})](${page})`,
      `[![${md} uptime](${urls.uptime})](${page})`,
    ].join(' '),
    html: [
      `<a href="${escapeHtml(page)}"><img src="${escapeHtml(urls.status)}" alt="${html} status"></a>`,
      `<a href="${escapeHtml(page)}"><img src="${escapeHtml(urls.uptime)}" alt="${html} uptime"></a>`,
    ].join('\n'),
  };
}

/**
 * Status and uptime badges of each subscription on the saved page, with Markdown and HTML to
 * embed them elsewhere; each links to the public page.
 */
export function BadgeEmbeds({
  page,
  nameOf,
}: {
  page: StatusPage;
  nameOf: (id: string) => string;
}) {
  const [period, setPeriod] = useState<UptimePeriod>(DEFAULT_UPTIME_PERIOD);
  const periodId = useId();
  return (
    <section className="card sp-section" aria-labelledby="sp-badges-title">
      <h3 id="sp-badges-title">Badges</h3>
      <p className="sp-muted">
        Show a subscription&apos;s state or uptime in a README or on your site. A badge answers only
        while the subscription is on a published page; otherwise it reads “not found”.
      </p>
      {!page.published && (
        <p className="sp-note">
          This page is a draft: its badges read “not found” unless another published page lists the
          same subscription.
        </p>
      )}
      {page.subscription_ids.length === 0 ? (
        <p className="sp-muted">This page lists no subscriptions.</p>
      ) : (
        <>
          <div className="sp-field sp-inline">
            <label htmlFor={periodId}>Uptime period</label>
            <select
              id={periodId}
              value={period}
              onChange={(e) => setPeriod(e.target.value as UptimePeriod)}
            >
              {UPTIME_PERIODS.map((p) => (
                <option key={p} value={p}>
                  {PERIOD_TEXT[p]}
                </option>
              ))}
            </select>
          </div>
          <ul className="sp-badge-list">
            {page.subscription_ids.map((id) => (
              <BadgeItem key={id} id={id} name={nameOf(id)} slug={page.slug} period={period} />
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function BadgeItem({
  id,
  name,
  slug,
  period,
}: {
  id: string;
  name: string;
  slug: string;
  period: UptimePeriod;
}) {
  const snippets = badgeSnippets(name, id, slug, period);
  return (
    <li className="sp-badge-item">
      <h4>{name}</h4>
      <p className="sp-badge-images">
        <BadgeImage src={snippets.status} alt={`${name} status badge`} />
        <BadgeImage src={snippets.uptime} alt={`${name} uptime badge`} />
      </p>
      <Snippet label="Markdown" name={name} text={snippets.markdown} />
      <Snippet label="HTML" name={name} text={snippets.html} />
    </li>
  );
}

/** A badge, or a word on why it is missing (the API unreachable, or a CSP refusing its origin). */
function BadgeImage({ src, alt }: { src: string; alt: string }) {
  const [failed, setFailed] = useState<string | null>(null);
  if (failed === src)
    return <span className="sp-muted">{alt}: the image could not be loaded.</span>;
  return <img src={src} alt={alt} height={20} onError={() => setFailed(src)} />;
}

function Snippet({ label, name, text }: { label: string; name: string; text: string }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const id = useId();
  return (
    <div className="sp-snippet">
      <div className="sp-snippet-head">
        <label htmlFor={id}>
          {label}
          <span className="visually-hidden"> badges of {name}</span>
        </label>
        <CopyButton text={text} source={ref} label={`${label} badges of ${name}`} />
      </div>
      <textarea
        id={id}
        ref={ref}
        readOnly
        value={text}
        rows={label === 'HTML' ? 3 : 2}
        spellCheck={false}
        onFocus={(e) => e.currentTarget.select()}
      />
    </div>
  );
}
