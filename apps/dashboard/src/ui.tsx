import type { ReactNode } from 'react';

/** The loading and error states every request shows, in one place. */
export function Status({
  loading,
  error,
  retry,
  what,
}: {
  loading: boolean;
  error: string | null;
  retry?: () => void;
  what: string;
}) {
  if (error) {
    return (
      <div className="error" role="alert">
        <p>{error}</p>
        {retry && (
          <button type="button" className="secondary" onClick={retry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  if (loading) {
    return (
      <p className="loading" role="status">
        Loading {what}…
      </p>
    );
  }
  return null;
}

export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {error}
    </p>
  );
}

export function Section({
  title,
  id,
  children,
}: {
  title: string;
  id: string;
  children: ReactNode;
}) {
  return (
    <section className="card" aria-labelledby={id}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return `${(ratio * 100).toFixed(ratio >= 0.9995 || ratio === 0 ? 0 : 2)} %`;
}
