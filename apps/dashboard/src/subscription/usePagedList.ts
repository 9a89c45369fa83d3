import { useCallback, useEffect, useRef, useState } from 'react';
import type { Page } from '@lighthouse/contracts';
import { useAction, useApi, useAuth } from '../useApi';
import type { PageFetcher } from './api';

interface Shown<T> {
  items: T[];
  /** continues after the oldest item shown; null once everything is shown */
  cursor: string | null;
}

/**
 * A fresh first page joins what is shown: when it overlaps, newer items go on top (and changed
 * ones replace theirs) while older pages already loaded stay, with their cursor; when it does
 * not (more came in than a page holds), it starts over, so no gap hides among the rows.
 */
function joinFirstPage<T>(
  shown: Shown<T> | undefined,
  page: Page<T>,
  keyOf: (item: T) => string,
): Shown<T> {
  const fresh = new Set(page.items.map(keyOf));
  if (!shown || !shown.items.some((item) => fresh.has(keyOf(item)))) {
    return { items: page.items, cursor: page.next_cursor };
  }
  return {
    items: [...page.items, ...shown.items.filter((item) => !fresh.has(keyOf(item)))],
    cursor: shown.cursor,
  };
}

export interface PagedList<T> {
  items: T[] | undefined;
  loading: boolean;
  error: string | null;
  retry: () => void;
  /** whether older items remain */
  hasMore: boolean;
  loadOlder: () => void;
  loadingOlder: boolean;
  olderError: string | null;
}

/**
 * A newest-first list read page by page through the API's cursor. The first page loads at
 * once and again, quietly, whenever `refreshKey` changes (e.g. the subscription's last check);
 * `loadOlder` appends the next page. `keyOf` names an item and must keep its identity.
 */
export function usePagedList<T>(
  fetchPage: PageFetcher<T>,
  {
    key,
    refreshKey,
    keyOf,
    what,
  }: { key: string; refreshKey: string | undefined; keyOf: (item: T) => string; what: string },
): PagedList<T> {
  const { token } = useAuth();
  const first = useApi((t, signal) => fetchPage(t, null, signal), key, {
    fallback: `Could not load the ${what}.`,
  });
  const [shown, setShown] = useState<Shown<T>>();

  const { data } = first;
  useEffect(() => {
    if (data) setShown((prev) => joinFirstPage(prev, data, keyOf));
  }, [data, keyOf]);

  // the first value of refreshKey comes with the first load; later ones ask for news
  const lastRefresh = useRef(refreshKey);
  const { reload } = first;
  useEffect(() => {
    if (refreshKey === lastRefresh.current) return;
    const initial = lastRefresh.current === undefined;
    lastRefresh.current = refreshKey;
    if (!initial) reload({ quiet: true });
  }, [refreshKey, reload]);

  const older = useAction();
  const { run } = older;
  const cursor = shown?.cursor ?? null;
  const loadOlder = useCallback(() => {
    if (!cursor) return;
    void run(async () => {
      const page = await fetchPage(token, cursor);
      setShown((prev) => {
        // a refresh that started over meanwhile owns the list now
        if (!prev || prev.cursor !== cursor) return prev;
        const have = new Set(prev.items.map(keyOf));
        return {
          items: [...prev.items, ...page.items.filter((item) => !have.has(keyOf(item)))],
          cursor: page.next_cursor,
        };
      });
    }, `Could not load older ${what}.`);
  }, [cursor, fetchPage, keyOf, run, token, what]);

  return {
    items: shown?.items,
    loading: first.loading && !shown,
    error: first.error,
    retry: () => reload(),
    hasMore: cursor !== null,
    loadOlder,
    loadingOlder: older.busy,
    olderError: older.error,
  };
}
