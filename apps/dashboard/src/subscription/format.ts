import type { AlertDelivery, MonitorState } from '@lighthouse/contracts';

export const STATE_LABEL: Record<MonitorState, string> = {
  up: 'Up',
  down: 'Down',
  degraded: 'Degraded',
  unknown: 'Unknown',
};

/** The states in the order lists and filters show them: the worst first. */
export const STATES_WORST_FIRST = [
  'down',
  'degraded',
  'up',
  'unknown',
] as const satisfies readonly MonitorState[];

/** `30 s`, `5 min`, `1 h 30 min`, `2 d 4 h`: the largest two units. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'min'],
    [1, 's'],
  ];
  const parts: string[] = [];
  let rest = s;
  for (const [size, unit] of units) {
    if (parts.length === 2) break;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
    else if (parts.length > 0) break;
  }
  return parts.join(' ');
}

/**
 * An uptime percentage (0-100) with two decimals, never rounded up to 100 % (99.996 shows as
 * 99.99 %, not as a perfect record); "—" when nothing was checked.
 */
export function formatUptime(pct: number | null | undefined): string {
  if (pct === null || pct === undefined) return '—';
  if (pct >= 100) return '100 %';
  return `${(Math.floor(pct * 100) / 100).toFixed(2)} %`;
}

const CHANNEL_LABEL: Record<string, string> = {
  email: 'Email',
  webhook: 'Webhook',
  discord: 'Discord',
  slack: 'Slack',
  telegram: 'Telegram',
};

export const channelTypeLabel = (type: string): string => CHANNEL_LABEL[type] ?? type;

/** Names a subscription's channels for people: `Slack`, or `Webhook 1`, `Webhook 2` when a type repeats. */
export function channelNames(
  channels: readonly { id: string; type: string }[],
): Map<string, string> {
  const counts = new Map<string, number>();
  for (const c of channels) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  const seen = new Map<string, number>();
  const names = new Map<string, string>();
  for (const c of channels) {
    const n = (seen.get(c.type) ?? 0) + 1;
    seen.set(c.type, n);
    names.set(
      c.id,
      (counts.get(c.type) ?? 0) > 1 ? `${channelTypeLabel(c.type)} ${n}` : channelTypeLabel(c.type),
    );
  }
  return names;
}

/** The kind of an alert, e.g. `down` → "Down", `up` → "Recovered". */
export function alertKindLabel(type: string): string {
  switch (type) {
    case 'down':
      return 'Down';
    case 'up':
      return 'Recovered';
    case 'degraded':
      return 'Degraded';
    case 'reminder':
      return 'Still down (reminder)';
    case 'flapping':
      return 'Flapping';
    case 'stable':
      return 'Stable again';
    case 'expiring':
      return 'Expiring soon';
    default:
      return type;
  }
}

export const DELIVERY_LABEL: Record<AlertDelivery['status'], string> = {
  sent: 'Delivered',
  failed: 'Failed',
  pending: 'Pending',
};

/** "timeout: no answer in 10 s", or whichever half the API sent. */
export function describeError(category: string | null, message: string | null): string | null {
  if (category && message)
    return message.startsWith(category) ? message : `${category}: ${message}`;
  return message ?? category;
}

/** A table's compact time, e.g. "Nov 22, 04:27:34 PM" (local); "—" without one. */
export function formatShortTime(iso: string | null, { seconds = false } = {}): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
  });
}
