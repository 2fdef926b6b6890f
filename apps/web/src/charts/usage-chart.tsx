// The daily cost chart, stacked by resource: hand-drawn SVG, because a charting library's render
// was the longest task between the first byte and the first bar (issue 15).
import { formatUsd, toChartNumber } from '@hops/api/decimal';
import { COSTS, type CostField } from '@hops/api/resources';
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { formatDay, formatShortDay } from '../lib/dates.ts';
import type { DailyUsageRow } from '../lib/usage-rows.ts';

/** Each cost column's colour; the bars stack in the order of COSTS, bottom first. */
const COLORS: Record<CostField, string> = {
  cpuCost: '#12b886',
  gpuCost: '#7950f2',
  ramCost: '#228be6',
  storageCost: '#fab005',
  networkCost: '#fa5252',
};

const FONT_SIZE = 11;
/** Roughly the width of one character of the axis labels (11 px system font), for spacing. */
const CHAR_WIDTH = 6.5;
/** The legend's row under the plot. */
const LEGEND_HEIGHT = 28;
const MARGIN = { top: 8, right: 8, bottom: 22, left: 4 };
/** Until the container is measured (and where it cannot be, as in jsdom). */
const FALLBACK_WIDTH = 640;
/** The tooltip's width (its CSS says the same), to keep it inside the chart on a phone. */
const TOOLTIP_WIDTH = 220;

/** A round step ({1, 2, 2.5, 5} × 10ⁿ) that splits 0…max into about `count` intervals. */
export function niceStep(max: number, count: number): number {
  const rough = max / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10;
  return step * power;
}

/** The y axis: ticks from $0 up to the first round step at or above the highest day. */
export function dollarTicks(max: number, count: number): number[] {
  if (!(max > 0)) return [0, 1];
  const step = niceStep(max, count);
  const top = Math.ceil(max / step - 1e-9);
  // Multiplying (not adding) keeps 0.1 × 3 from drifting into 0.30000000000000004.
  return Array.from({ length: top + 1 }, (_, i) => Number((i * step).toPrecision(12)));
}

/** A tick's label: as many decimals as the step needs, grouped: "$0", "$2.5", "$1,000". */
export function tickLabel(value: number, step: number): string {
  let places = 0;
  while (places < 4 && Math.abs(Math.round(step * 10 ** places) - step * 10 ** places) > 1e-6) {
    places++;
  }
  // Not toLocaleString: it builds an Intl.NumberFormat per call, which took 25-110 ms of the
  // first render in Chromium (a CPU profile of the overview's first load).
  const [whole, fraction] = value.toFixed(places).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+$)/g, ',');
  return `$${grouped}${fraction ? `.${fraction}` : ''}`;
}

/** The plot's size in CSS pixels, following the container (ResizeObserver). */
function useSize(fallbackHeight: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => {
      const next = { width: el.clientWidth, height: el.clientHeight };
      setSize((s) => (s && s.width === next.width && s.height === next.height ? s : next));
    };
    read(); // before the first paint, so the bars are drawn once at the right width
    const observer = new ResizeObserver(read);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return {
    ref,
    width: size && size.width > 0 ? size.width : FALLBACK_WIDTH,
    height: size && size.height > 0 ? size.height : fallbackHeight,
  };
}

export default function UsageChart({
  rows,
  height = 280,
}: {
  rows: readonly DailyUsageRow[];
  height?: number;
}) {
  const plot = useSize(height - LEGEND_HEIGHT);
  const [active, setActive] = useState<number | null>(null);

  // Geometry only: floats. Every amount shown as text comes from the decimal strings.
  const values = rows.map((row) =>
    COSTS.map((cost) => Math.max(0, toChartNumber(row[cost.field]))),
  );
  const totals = values.map((v) => v.reduce((a, b) => a + b, 0));
  const plotHeight = Math.max(40, plot.height - MARGIN.top - MARGIN.bottom);
  const ticks = dollarTicks(Math.max(0, ...totals), Math.max(2, Math.min(6, plotHeight / 40)));
  const step = ticks[1]! - ticks[0]!;
  const top = ticks[ticks.length - 1]!;
  const labels = ticks.map((t) => tickLabel(t, step));
  const axisWidth = Math.max(...labels.map((l) => l.length)) * CHAR_WIDTH + 8;
  const left = MARGIN.left + axisWidth;
  const plotWidth = Math.max(40, plot.width - left - MARGIN.right);
  const band = rows.length > 0 ? plotWidth / rows.length : plotWidth;
  const barWidth = Math.min(48, Math.max(1, band * 0.8));
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const bandX = (index: number) => left + index * band;

  // Day labels ("30 Dec", about 6 characters) at least this far apart; the latest day keeps its.
  const labelWidth = 6 * CHAR_WIDTH;
  const every = Math.max(1, Math.ceil((labelWidth + 12) / band));
  const dayTicks = rows.flatMap((row, index) =>
    (rows.length - 1 - index) % every === 0 ? [{ index, text: formatShortDay(row.date) }] : [],
  );

  const onKeyDown = (event: KeyboardEvent) => {
    if (rows.length === 0) return;
    const last = rows.length - 1;
    const current = active ?? last;
    const next =
      event.key === 'ArrowLeft'
        ? Math.max(0, current - 1)
        : event.key === 'ArrowRight'
          ? Math.min(last, current + 1)
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? last
              : event.key === 'Escape'
                ? null
                : undefined;
    if (next === undefined) return;
    event.preventDefault();
    setActive(next);
  };

  const shown = active !== null && active < rows.length ? active : null;
  const activeRow = shown === null ? null : rows[shown]!;
  // Beside the day, on the side with more room, and never out of the chart.
  const tooltipLeft =
    shown === null
      ? 0
      : Math.max(
          0,
          Math.min(
            plot.width - TOOLTIP_WIDTH,
            bandX(shown) + band / 2 > plot.width / 2
              ? bandX(shown) - 4 - TOOLTIP_WIDTH
              : bandX(shown) + band + 4,
          ),
        );
  const empty =
    rows.length === 0
      ? 'No days to show.'
      : totals.every((t) => t === 0)
        ? 'No cost on these days.'
        : null;

  return (
    <div className="usage-chart" style={{ height }}>
      <div
        className="usage-chart-figure"
        data-testid="usage-chart"
        role="img"
        aria-label="Daily cost by resource"
        // Arrow keys walk the days and show each one's amounts, as hovering does.
        tabIndex={rows.length > 0 ? 0 : undefined}
        onKeyDown={onKeyDown}
        onFocus={() => setActive((a) => a ?? (rows.length > 0 ? rows.length - 1 : null))}
        onBlur={() => setActive(null)}
        onMouseLeave={() => setActive(null)}
      >
        <div ref={plot.ref} className="usage-chart-plot">
          <svg width={plot.width} height={plot.height} aria-hidden="true">
            <g className="usage-chart-grid">
              {ticks.map((tick) => (
                <line key={tick} x1={left} x2={left + plotWidth} y1={y(tick)} y2={y(tick)} />
              ))}
            </g>
            <g className="usage-chart-axis" fontSize={FONT_SIZE} textAnchor="end">
              {ticks.map((tick, i) => (
                <text key={tick} x={left - 6} y={y(tick)} dy="0.32em">
                  {labels[i]}
                </text>
              ))}
            </g>
            <g className="usage-chart-axis" fontSize={FONT_SIZE} textAnchor="middle">
              {dayTicks.map(({ index, text }) => {
                const center = bandX(index) + band / 2;
                const half = labelWidth / 2;
                const x = Math.min(Math.max(center, half), plot.width - half);
                return (
                  <text key={index} x={x} y={MARGIN.top + plotHeight + 15}>
                    {text}
                  </text>
                );
              })}
            </g>
            {shown !== null && (
              <rect
                className="usage-chart-cursor"
                x={bandX(shown)}
                y={MARGIN.top}
                width={band}
                height={plotHeight}
              />
            )}
            {rows.map((row, index) => {
              const x = bandX(index) + (band - barWidth) / 2;
              let base = 0;
              return (
                <g key={row.date} data-day={row.date}>
                  {COSTS.map((cost, c) => {
                    const value = values[index]![c]!;
                    const bottom = base;
                    base += value;
                    if (value === 0) return null;
                    return (
                      <rect
                        key={cost.field}
                        className="usage-bar"
                        data-cost={cost.field}
                        x={x}
                        y={y(bottom + value)}
                        width={barWidth}
                        height={y(bottom) - y(bottom + value)}
                        fill={COLORS[cost.field]}
                      />
                    );
                  })}
                  {/* The whole column answers the pointer, also above a short bar. */}
                  <rect
                    className="usage-chart-hit"
                    x={bandX(index)}
                    y={MARGIN.top}
                    width={band}
                    height={plotHeight}
                    onMouseEnter={() => setActive(index)}
                    onClick={() => setActive(index)}
                  />
                </g>
              );
            })}
            <line
              className="usage-chart-baseline"
              x1={left}
              x2={left + plotWidth}
              y1={y(0)}
              y2={y(0)}
            />
          </svg>
          {empty && <p className="usage-chart-empty">{empty}</p>}
          {activeRow && (
            <div className="usage-chart-tooltip" style={{ left: tooltipLeft, top: MARGIN.top }}>
              <div className="usage-chart-tooltip-title">
                {formatDay(activeRow.date)} (UTC) · total {formatUsd(activeRow.totalCost)}
              </div>
              {COSTS.map((cost) => (
                <div key={cost.field} className="usage-chart-tooltip-row">
                  <span className="usage-chart-swatch" style={{ background: COLORS[cost.field] }} />
                  <span>{cost.label}</span>
                  <span className="usage-chart-tooltip-value">
                    {formatUsd(activeRow[cost.field])}
                  </span>
                </div>
              ))}
            </div>
          )}
        </div>
        {/* In stacking order, bottom first. */}
        <ul className="usage-chart-legend">
          {COSTS.map((cost) => (
            <li key={cost.field}>
              <span className="usage-chart-swatch" style={{ background: COLORS[cost.field] }} />
              {cost.label}
            </li>
          ))}
        </ul>
      </div>
      {/* What the picture shows, for a screen reader (role="img" hides its insides). The div
          clips: a table grows to its content whatever its own width says. */}
      <div className="usage-chart-sr">
        <table>
          <caption>Daily cost by resource</caption>
          <thead>
            <tr>
              <th scope="col">Day (UTC)</th>
              <th scope="col">Total</th>
              {COSTS.map((cost) => (
                <th key={cost.field} scope="col">
                  {cost.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.date}>
                <th scope="row">{formatDay(row.date)}</th>
                <td>{formatUsd(row.totalCost)}</td>
                {COSTS.map((cost) => (
                  <td key={cost.field}>{formatUsd(row[cost.field])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
