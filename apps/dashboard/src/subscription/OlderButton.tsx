import { ErrorText } from '../ui';
import type { PagedList } from './usePagedList';

/** "Load older" under a list, with its progress and error; nothing once the list is complete. */
export function OlderButton({ list, what }: { list: PagedList<unknown>; what: string }) {
  if (!list.items || !list.hasMore) return null;
  return (
    <div className="sub-older">
      <ErrorText error={list.olderError} />
      <button
        type="button"
        className="secondary"
        onClick={list.loadOlder}
        disabled={list.loadingOlder}
        aria-busy={list.loadingOlder}
      >
        {list.loadingOlder ? `Loading older ${what}…` : `Load older ${what}`}
      </button>
    </div>
  );
}
