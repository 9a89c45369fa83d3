import type { Metrics, MetricsBucket, MetricsSummary } from '@lighthouse/contracts';
import { useMemo, useState } from 'react';
import { formatMs, formatTime, Section, Status } from '../ui';
import { useApi, type Loaded } from '../useApi';
import { getMetrics } from './api';
import { formatUptime } from './format';
import { LatencyChart, type LatencyData } from './LatencyChart';

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

/** The percentile a chart of several regions draws, one line per region. */
const PERCENTILES = [
  { key: 'p50', field: 'p50_latency_ms' },
  { key: 'p95', field: 'p95_latency_ms' },
  { key: 'p99', field: 'p99_latency_ms' },
] as const satisfies readonly { key: string; field: keyof MetricsSummary }[];
type Percentile = (typeof PERCENTILES)[number];

/**
 * Each region's metrics over the chart's window (one request per region), refreshed quietly
 * every 15 s like the rest; nothing is asked for fewer than two regions.
 */
function useRegionMetrics(
  id: string,
  span: Window,
  regions: readonly string[],
): Loaded<Map<string, Metrics>> {
  return useApi(
    async (token, signal) => {
      if (regions.length < 2) return new Map<string, Metrics>();
      const from = new Date(Date.now() - span.days * DAY_MS);
      const answers = await Promise.all(
        regions.map((region) =>
          getMetrics(token, id, { from, bucket: span.bucket, region }, signal),
        ),
      );
      return new Map(regions.map((region, i) => [region, answers[i]!]));
    },
    `${id} ${span.key} ${regions.join(' ')}`,
    { pollMs: 15_000, fallback: 'Could not load the latency of each region.' },
  );
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Latency over the chosen window: p50, p95 and p99 for a subscription checked from one region;
 * one line per region (of the chosen percentile) for one checked from several, with a legend
 * naming them. `chosen` are the subscription's regions; regions with checks in the window count
 * too (a region dropped since still has its history).
 */
export function LatencySection({
  id,
  metrics,
  regions: chosen = [],
}: {
  id: string;
  metrics: Loaded<MetricsByWindow>;
  regions?: readonly string[];
}) {
  const [span, setSpan] = useState<Window>(WINDOWS[0]);
  const [percentile, setPercentile] = useState<Percentile>(PERCENTILES[1]);
  const shown = metrics.data?.[span.key];
  const regionsKey = [...new Set([...chosen, ...(shown?.regions ?? [])])].sort(byName).join(' ');
  const regions = useMemo(() => (regionsKey === '' ? [] : regionsKey.split(' ')), [regionsKey]);
  const perRegion = regions.length > 1;
  const regional = useRegionMetrics(id, span, perRegion ? regions : []);

  const data = useMemo<LatencyData>(() => {
    const series = shown?.series ?? [];
    const times = series.map((b) => Date.parse(b.time) / 1000);
    if (!perRegion) {
      return {
        times,
        lines: PERCENTILES.map((p) => ({ label: p.key, values: series.map((b) => b[p.field]) })),
      };
    }
    // on the all-regions answer's buckets: a region's answer may have been read a moment apart
    return {
      times,
      lines: regions.map((region) => {
        const at = new Map((regional.data?.get(region)?.series ?? []).map((b) => [b.time, b]));
        return {
          label: region,
          values: series.map((b) => at.get(b.time)?.[percentile.field] ?? null),
        };
      }),
    };
  }, [shown, perRegion, regions, regional.data, percentile]);
  const last = shown?.series.findLast(hasLatency);
  const unit = span.bucket === '1h' ? 'hour' : 'day';
  const regionFigures = perRegion
    ? regions.flatMap((region) => {
        const m = regional.data?.get(region);
        return m ? [{ region, m }] : [];
      })
    : [];
  const label = perRegion
    ? `${percentile.key} latency of each region (${regions.join(', ')}) over the ${span.long}, per ${unit}.` +
      regionFigures.map(({ region, m }) => ` ${region}: ${formatMs(m[percentile.field])}.`).join('')
    : last
      ? `Latency over the ${span.long}, per ${unit}. Latest ${unit}: ${percentiles(last)}.`
      : '';

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
      {perRegion && (
        <div className="sub-ranges" role="group" aria-label="Percentile of each region">
          {PERCENTILES.map((p) => (
            <button
              key={p.key}
              type="button"
              className="secondary"
              aria-pressed={percentile.key === p.key}
              onClick={() => setPercentile(p)}
            >
              {p.key}
            </button>
          ))}
        </div>
      )}
      <Status
        loading={metrics.loading && !shown}
        error={metrics.error}
        retry={() => metrics.reload()}
        what="latency"
      />
      {perRegion && shown && last && (
        <Status
          loading={regional.loading && !regional.data}
          error={regional.error}
          retry={() => regional.reload()}
          what="the latency of each region"
        />
      )}
      {shown &&
        (last ? (
          <>
            {(!perRegion || regional.data) && <LatencyChart data={data} label={label} />}
            <dl className="facts sub-latency-facts">
              <div>
                <dt>
                  Over the {span.long}
                  {perRegion ? ', all regions' : ''}
                </dt>
                <dd>{percentiles(shown)}</dd>
              </div>
              {regionFigures.map(({ region, m }) => (
                <div key={region}>
                  <dt>{region}</dt>
                  <dd>{hasLatency(m) ? percentiles(m) : 'no response times'}</dd>
                </div>
              ))}
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
