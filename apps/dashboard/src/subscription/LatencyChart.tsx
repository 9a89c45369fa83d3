import { useEffect, useRef, useSyncExternalStore } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMs } from '../ui';

/** One line of the chart: a percentile, or one region's percentile. */
export interface LatencyLine {
  /** the legend's name for it */
  label: string;
  /** one value per time of the chart (null: no response times then) */
  values: readonly (number | null)[];
}

export interface LatencyData {
  /** the buckets' starts, in seconds since the epoch */
  times: readonly number[];
  lines: readonly LatencyLine[];
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

function toData(data: LatencyData): uPlot.AlignedData {
  return [[...data.times], ...data.lines.map((l) => [...l.values])];
}

/**
 * How each line is drawn, by position: colour (subscription.css' --chart-N, for the canvas
 * cannot read CSS variables itself) and, besides colour, the dash that tells lines apart.
 */
const STYLES: { variable: string; fallback: string; dash?: number[] }[] = [
  { variable: '--chart-1', fallback: '#1d4ed8' },
  { variable: '--chart-2', fallback: '#b45309', dash: [8, 4] },
  { variable: '--chart-3', fallback: '#b91c1c', dash: [2, 3] },
  { variable: '--chart-4', fallback: '#047857', dash: [12, 3, 2, 3] },
  { variable: '--chart-5', fallback: '#7c3aed', dash: [4, 4] },
  { variable: '--chart-6', fallback: '#be185d', dash: [1, 5] },
];

function options(box: HTMLElement, width: number, labels: readonly string[]): uPlot.Options {
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
  return {
    width,
    height: heightFor(width),
    series: [
      {},
      ...labels.map((label, i) => {
        // past the palette, colours repeat with a thinner line
        const s = STYLES[i % STYLES.length]!;
        return {
          label,
          stroke: color(s.variable, s.fallback),
          width: i < STYLES.length ? 2 : 1,
          dash: s.dash,
          value,
        };
      }),
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
 * Latency lines over time (p50/p95/p99, or one percentile per region), with a legend naming
 * them, as wide as its container. The canvas says nothing to a screen reader: `label` names
 * it, and the page shows the figures as text beside it.
 */
export function LatencyChart({ data, label }: { data: LatencyData; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;
  const dark = useDarkScheme();
  // the lines are part of the chart's options: other lines make another chart
  const labels = data.lines.map((l) => l.label);
  const linesKey = JSON.stringify(labels);

  // one chart per colour scheme and set of lines, sized to its box, destroyed with the component
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const names = JSON.parse(linesKey) as string[];
    const u = new uPlot(options(el, el.clientWidth || 320, names), toData(latest.current), el);
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
  }, [dark, linesKey]);

  useEffect(() => {
    plot.current?.setData(toData(data));
  }, [data]);

  return <div ref={box} className="sub-chart" role="img" aria-label={label} />;
}
