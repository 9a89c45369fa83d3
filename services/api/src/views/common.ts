/** Escapes text for HTML and XML, in element content and in quoted attributes alike. */
export function escapeText(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Shields' palette. */
export const COLORS = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  grey: '#9f9f9f',
} as const;

/** The colour of an uptime percentage; grey when nothing was checked. */
export function uptimeColor(pct: number | null): string {
  if (pct === null) return COLORS.grey;
  if (pct >= 99.9) return COLORS.brightgreen;
  if (pct >= 99) return COLORS.green;
  if (pct >= 95) return COLORS.yellow;
  if (pct >= 90) return COLORS.orange;
  return COLORS.red;
}

export type ShownState = 'up' | 'down' | 'degraded' | 'unknown' | 'paused';

export function stateColor(state: ShownState): string {
  switch (state) {
    case 'up':
      return COLORS.brightgreen;
    case 'degraded':
      return COLORS.yellow;
    case 'down':
      return COLORS.red;
    case 'unknown':
    case 'paused':
      return COLORS.grey;
  }
}

/**
 * An uptime percentage as badges and pages show it: two decimals, cut rather than rounded so
 * that any downtime never reads as 100%.
 */
export function formatPct(pct: number): string {
  if (pct >= 100) return '100%';
  // the epsilon keeps 99.95 (stored as 99.9499…) from reading as 99.94
  return `${(Math.floor(pct * 100 + 1e-6) / 100).toFixed(2)}%`;
}
