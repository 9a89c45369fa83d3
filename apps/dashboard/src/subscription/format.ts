import type { MonitorState } from '../api';
import type { AlertDelivery } from './api';

export const STATE_LABEL: Record<MonitorState, string> = {
  up: 'Up',
  down: 'Down',
  degraded: 'Degraded',
  unknown: 'Unknown',
};

const text = (config: Record<string, unknown>, key: string): string | undefined => {
  const value = config[key];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
};

const hostPort = (host: string | undefined, port: string | undefined): string => {
  const h = host?.includes(':') ? `[${host}]` : (host ?? '?');
  return port === undefined ? h : `${h}:${port}`;
};

function rpcHost(url: string | undefined): string {
  try {
    return url ? new URL(url).host : 'an RPC endpoint';
  } catch {
    return 'an RPC endpoint';
  }
}

/**
 * One line naming what is checked, from the (masked) `target_config` the API returns, e.g.
 * `GET https://example.com/health`, `example.com:5432`, `MX example.com`.
 */
export function describeTarget(type: string, config: Record<string, unknown>): string {
  switch (type) {
    case 'http':
      return `${text(config, 'method') ?? 'GET'} ${text(config, 'url') ?? ''}`.trim();
    case 'tcp':
      return `${config.tls === true ? 'TLS ' : ''}${hostPort(text(config, 'host'), text(config, 'port'))}`;
    case 'tls': {
      const host = text(config, 'host');
      const servername = text(config, 'servername');
      const name = servername && servername !== host ? ` (${servername})` : '';
      return `${hostPort(host, text(config, 'port'))}${name}`;
    }
    case 'dns': {
      const resolver = text(config, 'resolver');
      return `${text(config, 'record_type') ?? 'A'} ${text(config, 'hostname') ?? ''}${resolver ? ` @${resolver}` : ''}`;
    }
    case 'websocket':
      return text(config, 'url') ?? '';
    case 'heartbeat': {
      const grace = text(config, 'grace_seconds');
      return grace === undefined ? 'pings from your job' : `pings from your job, ${grace} s grace`;
    }
    case 'canary': {
      const steps = Array.isArray(config.steps) ? (config.steps as unknown[]) : [];
      const names = steps.map((s, i) =>
        typeof s === 'object' && s !== null
          ? (text(s as Record<string, unknown>, 'name') ?? `step ${i + 1}`)
          : `step ${i + 1}`,
      );
      return `${steps.length}-step flow: ${names.join(' → ')}`;
    }
    case 'evm_balance': {
      const token = text(config, 'token');
      return `${token ? `token ${token} balance` : 'balance'} of ${text(config, 'address') ?? '?'} on ${rpcHost(text(config, 'rpc_url'))}`;
    }
    case 'evm_contract': {
      const fn =
        text(config, 'function')
          ?.split('(')[0]
          ?.replace(/^function\s+/, '') || 'call';
      return `${fn}() on ${text(config, 'address') ?? '?'} at ${rpcHost(text(config, 'rpc_url'))}`;
    }
    case 'evm_rpc':
      return `JSON-RPC ${rpcHost(text(config, 'rpc_url'))} (chain ${text(config, 'chain_id') ?? '?'})`;
    default:
      return '';
  }
}

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
