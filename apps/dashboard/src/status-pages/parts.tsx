import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import { statusPageUrl } from './statusPagesApi';

export function PublishedBadge({ published }: { published: boolean }) {
  return published ? (
    <span className="badge state-up">
      <span aria-hidden="true" className="dot" />
      Published
    </span>
  ) : (
    <span className="badge state-unknown">
      <span aria-hidden="true" className="dot" />
      Draft
    </span>
  );
}

/**
 * The public page in a new tab. Its accessible name stays "Open status page" (tests and
 * screen-reader users find it by that); the page's title and the new tab are its description.
 */
export function OpenStatusPageLink({ slug, title }: { slug: string; title?: string }) {
  const hint = useId();
  return (
    <>
      <a href={statusPageUrl(slug)} target="_blank" rel="noopener" aria-describedby={hint}>
        Open status page
        <span aria-hidden="true"> ↗</span>
      </a>
      <span id={hint} className="visually-hidden">
        {title ? `${title}, ` : ''}opens in a new tab
      </span>
    </>
  );
}

type CopyState = 'idle' | 'copied' | 'selected';

/**
 * Copies `text` with the Clipboard API; where that is missing or refused (no secure context,
 * permission), selects the text in `source` so the user can copy it with the keyboard. The result
 * is announced in a polite live region.
 */
export function CopyButton({
  text,
  source,
  label,
}: {
  text: string;
  source: RefObject<HTMLTextAreaElement | null>;
  /** what is copied, for screen readers: "Copy <label>" */
  label: string;
}) {
  const [state, setState] = useState<CopyState>('idle');
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => window.clearTimeout(timer.current), []);

  const show = (next: CopyState) => {
    setState(next);
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setState('idle'), 4000);
  };

  const copy = async () => {
    try {
      if (!navigator.clipboard) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      show('copied');
    } catch {
      const area = source.current;
      if (area) {
        area.focus();
        area.select();
      }
      show('selected');
    }
  };

  return (
    <span className="sp-copy">
      <button
        type="button"
        className="secondary"
        onClick={() => void copy()}
        aria-label={`Copy ${label}`}
      >
        Copy
      </button>
      <span aria-live="polite" className="sp-copy-status">
        {state === 'copied' && 'Copied'}
        {state === 'selected' && 'Could not copy: the text is selected, press Ctrl+C (⌘C) to copy'}
      </span>
    </span>
  );
}
