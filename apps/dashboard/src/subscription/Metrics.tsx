import type { Metrics, MetricsBucket, MetricsSummary } from '@lighthouse/contracts';
import { useMemo, useState } from 'react';
import { formatMs, formatTime, Section, Status } from '../ui';
import { useApi, type Loaded } from '../useApi';
import { getMetrics } from './api';
import { formatUptime } from './format';
import { LatencyChart, type LatencyPoint } from './LatencyChart';

const DAY_MS = 86_400_000;

/**
 * The windows the page reports on, with the API's own bucket choice (hourly up to 7 days, daily
 * beyond). Daily buckets are whole UTC days, so 30 d and 90 d start at the UTC midnight on or
 * before the day 30 or 90 days ago. The API allows 730 days, so 90 d is one plain request.
 */
const WINDOWS = [
  { key: '24h', label: '24 h', long: 'last 24 hours', days: 1, bucket: '1h' },
  { key: '7d', label: '7 d', long: 'last 7 days', days: 7, bucket: '1h' },
  { key: '30d', label: '30 d', long: 'last 30 days', days: 30, bucket: '1d' },
  { key: '90d', label: '90 d', long: 'last 90 days', days: 90, bucket: '1d' },
] as const satisfies readonly {
  key: string;
  label: string;
  long: string;
  days: number;
  bucket: MetricsBucket;
}[];

type Window = (typeof WINDOWS)[number];
type WindowKey = Window['key'];
/** the latency chart's ranges */
const CHART_WINDOWS = WINDOWS.slice(0, 3);

export type MetricsByWindow = Record<WindowKey, Metrics>;

/**
 * The four windows' metrics in one go, refreshed quietly every 15 s: the uptime figures read
 * their totals and the latency chart their series, so switching its range asks for nothing.
 */
export function useMetrics(id: string): Loaded<MetricsByWindow> {
  return useApi(
    async (token, signal) => {
      const now = Date.now();
      const answers = await Promise.all(
        WINDOWS.map((w) =>
          getMetrics(
            token,
            id,
            { from: new Date(now - w.days * DAY_MS), bucket: w.bucket },
            signal,
          ),
        ),
      );
      return Object.fromEntries(WINDOWS.map((w, i) => [w.key, answers[i]])) as MetricsByWindow;
    },
    id,
    { pollMs: 15_000, fallback: 'Could not load the metrics.' },
  );
}

const checksText = (m: MetricsSummary) =>
  m.total_checks === 0
    ? 'no checks'
    : `${m.total_checks.toLocaleString()} check${m.total_checks === 1 ? '' : 's'}`;

export function UptimeSection({ metrics }: { metrics: Loaded<MetricsByWindow> }) {
  const { data } = metrics;
  return (
    <Section title="Uptime" id="sub-uptime">
      <Status
        loading={metrics.loading && !data}
        error={metrics.error}
        retry={() => metrics.reload()}
        what="uptime"
      />
      {data && (
        <>
          <dl className="sub-figures">
            {WINDOWS.map((w) => (
              <div key={w.key} className="sub-figure">
                <dt>
                  <abbr title={w.long}>{w.label}</abbr>
                </dt>
                <dd>
                  <span className="sub-figure-value">{formatUptime(data[w.key].uptime_pct)}</span>
                  <span className="sub-figure-note">{checksText(data[w.key])}</span>
                </dd>
              </div>
            ))}
          </dl>
          <p className="sub-note">
            Checks answered (up or degraded) out of checks made. 30 d and 90 d count whole UTC days.
          </p>
        </>
      )}
    </Section>
  );
}

const hasLatency = (m: MetricsSummary) =>
  m.p50_latency_ms !== null || m.p95_latency_ms !== null || m.p99_latency_ms !== null;

const percentiles = (m: MetricsSummary) =>
  `p50 ${formatMs(m.p50_latency_ms)}, p95 ${formatMs(m.p95_latency_ms)}, p99 ${formatMs(m.p99_latency_ms)}`;

export function LatencySection({ metrics }: { metrics: Loaded<MetricsByWindow> }) {
  const [span, setSpan] = useState<Window>(WINDOWS[0]);
  const shown = metrics.data?.[span.key];
  const points = useMemo<LatencyPoint[]>(
    () =>
      (shown?.series ?? []).map((b) => ({
        time: Date.parse(b.time) / 1000,
        p50: b.p50_latency_ms,
        p95: b.p95_latency_ms,
        p99: b.p99_latency_ms,
      })),
    [shown],
  );
  const last = shown?.series.findLast(hasLatency);
  const unit = span.bucket === '1h' ? 'hour' : 'day';

  return (
    <Section title="Latency" id="sub-latency">
      <div className="sub-ranges" role="group" aria-label="Latency range">
        {CHART_WINDOWS.map((w) => (
          <button
            key={w.key}
            type="button"
            className="secondary"
            aria-pressed={span.key === w.key}
            onClick={() => setSpan(w)}
          >
            <span className="visually-hidden">Last </span>
            {w.label}
          </button>
        ))}
      </div>
      <Status
        loading={metrics.loading && !shown}
        error={metrics.error}
        retry={() => metrics.reload()}
        what="latency"
      />
      {shown &&
        (last ? (
          <>
            <LatencyChart
              points={points}
              label={`Latency over the ${span.long}, per ${unit}. Latest ${unit}: ${percentiles(last)}.`}
            />
            <dl className="facts sub-latency-facts">
              <div>
                <dt>Over the {span.long}</dt>
                <dd>{percentiles(shown)}</dd>
              </div>
              <div>
                <dt>
                  Latest {unit}, from {formatTime(last.time)}
                </dt>
                <dd>{percentiles(last)}</dd>
              </div>
            </dl>
          </>
        ) : (
          <p className="empty">No response times in the {span.long}.</p>
        ))}
    </Section>
  );
}
