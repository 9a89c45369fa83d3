import { useEffect, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMs } from '../ui';

export interface LatencyPoint {
  /** the bucket's start, in seconds since the epoch */
  time: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const DARK = '(prefers-color-scheme: dark)';

function subscribeScheme(listener: () => void): () => void {
  const query = window.matchMedia(DARK);
  query.addEventListener('change', listener);
  return () => query.removeEventListener('change', listener);
}

/** Follows the system's light or dark scheme, which decides the canvas' colours. */
function useDarkScheme(): boolean {
  return useSyncExternalStore(subscribeScheme, () => window.matchMedia(DARK).matches);
}

const heightFor = (width: number) => (width < 480 ? 200 : 260);

function toData(points: readonly LatencyPoint[]): uPlot.AlignedData {
  return [
    points.map((p) => p.time),
    points.map((p) => p.p50),
    points.map((p) => p.p95),
    points.map((p) => p.p99),
  ];
}

/** The canvas cannot read CSS variables: take them from the chart's box (subscription.css). */
function options(box: HTMLElement, width: number): uPlot.Options {
  const style = getComputedStyle(box);
  const color = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const axis = color('--muted', '#4b5563');
  const grid = color('--border', '#d0d5dd');
  const value = (_u: uPlot, v: number | null) => (v === null ? '—' : formatMs(v));
  const axisStyle = {
    stroke: axis,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
  };
  // besides colour, the line style tells the percentiles apart
  return {
    width,
    height: heightFor(width),
    series: [
      {},
      { label: 'p50', stroke: color('--chart-p50', '#1d4ed8'), width: 2, value },
      { label: 'p95', stroke: color('--chart-p95', '#b45309'), width: 2, dash: [8, 4], value },
      { label: 'p99', stroke: color('--chart-p99', '#b91c1c'), width: 2, dash: [2, 3], value },
    ],
    scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      axisStyle,
      { ...axisStyle, size: 64, values: (_u, splits) => splits.map((v) => formatMs(v)) },
    ],
    legend: { live: true },
  };
}

/**
 * p50/p95/p99 latency over time, as wide as its container. The canvas says nothing to a
 * screen reader: `label` names it, and the page shows the figures as text beside it.
 */
export function LatencyChart({
  points,
  label,
}: {
  points: readonly LatencyPoint[];
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(points);
  latest.current = points;
  const dark = useDarkScheme();

  // one chart per colour scheme, sized to its box, destroyed with the component
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const u = new uPlot(options(el, el.clientWidth || 320), toData(latest.current), el);
    plot.current = u;
    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== u.width) u.setSize({ width, height: heightFor(width) });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [dark]);

  useEffect(() => {
    plot.current?.setData(toData(points));
  }, [points]);

  return <div ref={box} className="sub-chart" role="img" aria-label={label} />;
}
