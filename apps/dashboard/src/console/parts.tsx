import { useEffect, useRef, useState } from 'react';
import { shortHex } from '../payments/tokens';
import { Link, navigate, useLocation } from '../router';
import { ErrorText } from '../ui';

/** How many rows a console list shows per page. */
export const PAGE_SIZE = 25;
/** how often the console refreshes what it shows while the tab is visible */
export const POLL_MS = 10_000;

/**
 * A view's filters, kept in the URL (as the subscription list keeps its own) so a filtered view
 * can be bookmarked, shared and reached again with the back button.
 */
export function useUrlFilters<K extends string>(path: string, keys: readonly K[]) {
  const location = useLocation();
  const params = new URLSearchParams(location.split('?')[1] ?? '');
  const filters = Object.fromEntries(keys.map((key) => [key, params.get(key) ?? ''])) as Record<
    K,
    string
  >;
  const set = (next: Partial<Record<K, string>>) => {
    const merged = new URLSearchParams();
    for (const [key, value] of Object.entries<string | undefined>({ ...filters, ...next })) {
      if (value) merged.set(key, value);
    }
    const query = merged.toString();
    navigate(query ? `${path}?${query}` : path, { replace: true });
  };
  return { filters, set };
}

export interface Pages {
  /** the cursor of the page shown; null for the first */
  cursor: string | null;
  /** 1 for the first page */
  number: number;
  next: (cursor: string) => void;
  previous: () => void;
}

/**
 * The cursors of the pages before this one: the API pages forward only, so going back pops
 * this stack. Other filters (`resetKey`) start again from the first page, however they changed.
 */
export function usePages(resetKey: string): Pages {
  const [stack, setStack] = useState<{ key: string; cursors: string[] }>({
    key: resetKey,
    cursors: [],
  });
  const cursors = stack.key === resetKey ? stack.cursors : [];
  return {
    cursor: cursors.at(-1) ?? null,
    number: cursors.length + 1,
    next: (cursor) => setStack({ key: resetKey, cursors: [...cursors, cursor] }),
    previous: () => setStack({ key: resetKey, cursors: cursors.slice(0, -1) }),
  };
}

/** Previous and next page, as the subscription list pages. */
export function Pager({
  pages,
  nextCursor,
  loading,
}: {
  pages: Pages;
  nextCursor: string | null | undefined;
  loading: boolean;
}) {
  if (pages.number === 1 && !nextCursor) return null;
  return (
    <nav className="pager console-pager" aria-label="Pages">
      <button
        type="button"
        className="secondary"
        disabled={pages.number === 1 || loading}
        onClick={pages.previous}
      >
        Previous page
      </button>
      <span>Page {pages.number}</span>
      <button
        type="button"
        className="secondary"
        disabled={!nextCursor || loading}
        onClick={() => {
          if (nextCursor) pages.next(nextCursor);
        }}
      >
        Next page
      </button>
    </nav>
  );
}

/** A wallet address, shortened, the whole of it in the title. */
export function Address({ address }: { address: string }) {
  return (
    <code className="console-hex" title={address}>
      {shortHex(address)}
    </code>
  );
}

/** An owner's address, linking to their subscriptions in the console. */
export function OwnerLink({ address }: { address: string }) {
  return (
    <Link
      to={`/console/subscriptions?owner=${encodeURIComponent(address)}`}
      title={`${address}: only this owner's subscriptions`}
      className="console-hex"
    >
      {shortHex(address)}
    </Link>
  );
}

/**
 * The inline question before a change that cannot be undone (like the subscription page's
 * Delete): it takes the focus, and `onCancel` should give it back to what opened it.
 */
export function Confirm({
  id,
  question,
  confirm,
  busyLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  id: string;
  question: string;
  confirm: string;
  busyLabel: string;
  busy: boolean;
  error: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="console-confirm" role="group" aria-labelledby={`${id}-question`}>
      <p id={`${id}-question`}>{question}</p>
      <ErrorText error={error} />
      <div className="console-actions">
        <button
          type="button"
          className="console-danger-solid"
          onClick={onConfirm}
          disabled={busy}
          aria-busy={busy}
        >
          {busy ? busyLabel : confirm}
        </button>
        <button
          ref={cancelRef}
          type="button"
          className="secondary"
          onClick={onCancel}
          disabled={busy}
        >
          Cancel
        </button>
      </div>
    </div>
  );
}

/** A count for people: 12,345. */
export const formatCount = (n: number | null | undefined): string =>
  n === null || n === undefined ? '—' : n.toLocaleString();

/** "4 s ago", "3 min ago", "2 h ago", else the date; from `now`. */
export function formatAgo(iso: string, now: number): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return new Date(at).toLocaleString();
}
