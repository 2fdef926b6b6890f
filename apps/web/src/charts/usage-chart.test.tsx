import { COSTS, QUANTITIES, type CostField } from '@hops/api/resources';
import { fireEvent, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { DailyUsageRow } from '../lib/usage-rows.ts';
import { renderPage } from '../test/render.tsx';
import UsageChart, { dollarTicks, tickLabel } from './usage-chart.tsx';

/** A day of usage with these costs (the rest 0); its total is their sum, as the API sends it. */
function day(date: string, costs: Partial<Record<CostField, string>>): DailyUsageRow {
  const amounts = Object.fromEntries([
    ...QUANTITIES.map((q) => [q.field, '0']),
    ...COSTS.map((c) => [c.field, costs[c.field] ?? '0']),
  ]);
  const micros = COSTS.reduce((n, c) => n + Math.round(Number(costs[c.field] ?? 0) * 1e6), 0);
  return { ...amounts, date, totalCost: String(micros / 1e6) } as DailyUsageRow;
}

const rows = [
  day('2026-01-01', { cpuCost: '1.25', ramCost: '0.75', networkCost: '2' }), // 4, three segments
  day('2026-01-02', { cpuCost: '2.5', ramCost: '1.5', networkCost: '4' }), // 8: the first × 2
  day('2026-01-03', { gpuCost: '3.333333', storageCost: '0.666667' }), // 4, two segments
];

function bars(container: HTMLElement, date: string) {
  const group = container.querySelector(`[data-day="${date}"]`)!;
  return [...group.querySelectorAll('rect.usage-bar')].map((rect) => ({
    cost: rect.getAttribute('data-cost'),
    y: Number(rect.getAttribute('y')),
    height: Number(rect.getAttribute('height')),
    fill: rect.getAttribute('fill'),
  }));
}

describe('UsageChart', () => {
  it('draws one segment per non-zero cost, stacked in the order of COSTS from the bottom', () => {
    const { container } = renderPage(<UsageChart rows={rows} />);
    expect(container.querySelectorAll('rect.usage-bar')).toHaveLength(3 + 3 + 2);
    const first = bars(container, '2026-01-01');
    expect(first.map((b) => b.cost)).toEqual(['cpuCost', 'ramCost', 'networkCost']);
    // Each segment sits right on top of the one before it (SVG's y grows downwards).
    for (let i = 1; i < first.length; i++) {
      expect(first[i]!.y + first[i]!.height).toBeCloseTo(first[i - 1]!.y, 6);
    }
    expect(new Set(first.map((b) => b.fill)).size).toBe(3);
    expect(bars(container, '2026-01-03').map((b) => b.cost)).toEqual(['gpuCost', 'storageCost']);
  });

  it('makes the bars as tall as their costs: twice the cost, twice the height', () => {
    const { container } = renderPage(<UsageChart rows={rows} />);
    const height = (date: string) => bars(container, date).reduce((n, b) => n + b.height, 0);
    expect(height('2026-01-01')).toBeGreaterThan(0);
    expect(height('2026-01-02')).toBeCloseTo(2 * height('2026-01-01'), 6);
    expect(height('2026-01-03')).toBeCloseTo(height('2026-01-01'), 6);
    const [cpu, ram, network] = bars(container, '2026-01-01');
    expect(network!.height).toBeCloseTo((cpu!.height * 2) / 1.25, 6);
    expect(ram!.height).toBeCloseTo((cpu!.height * 0.75) / 1.25, 6);
  });

  it('labels the y axis in round dollar steps up to the highest day, and says the legend in stacking order', () => {
    const chart = renderPage(<UsageChart rows={rows} />).getByTestId('usage-chart');
    const texts = [...chart.querySelectorAll('svg text')].map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(['$0', '$2', '$4', '$6', '$8']));
    expect(texts).toEqual(expect.arrayContaining(['1 Jan', '2 Jan', '3 Jan']));
    const legend = within(chart)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(legend).toEqual(COSTS.map((c) => c.label));
  });

  it('shows a day’s exact amounts on hover, and walks the days with the arrow keys', async () => {
    const user = userEvent.setup();
    const { container } = renderPage(<UsageChart rows={rows} />);
    const chart = screen.getByTestId('usage-chart');
    fireEvent.mouseEnter(container.querySelectorAll('rect.usage-chart-hit')[2]!);
    const tooltip = () => container.querySelector('.usage-chart-tooltip') as HTMLElement | null;
    expect(tooltip()).toHaveTextContent('3 Jan 2026 (UTC) · total $4.00');
    const lines = [...tooltip()!.querySelectorAll('.usage-chart-tooltip-row')].map(
      (row) => row.textContent,
    );
    expect(lines).toEqual(['CPU$0.00', 'GPU$3.33', 'RAM$0.00', 'Storage$0.67', 'Network$0.00']);
    fireEvent.mouseLeave(chart);
    expect(tooltip()).toBeNull();

    await user.tab();
    expect(chart).toHaveFocus();
    expect(tooltip()).toHaveTextContent('3 Jan 2026 (UTC) · total $4.00');
    await user.keyboard('{ArrowLeft}');
    expect(tooltip()).toHaveTextContent('2 Jan 2026 (UTC) · total $8.00');
    expect(tooltip()).toHaveTextContent('Network$4.00');
    await user.keyboard('{Home}');
    expect(tooltip()).toHaveTextContent('1 Jan 2026 (UTC) · total $4.00');
    await user.keyboard('{Escape}');
    expect(tooltip()).toBeNull();
  });

  it('keeps the picture named for screen readers and the figures in a table beside it', () => {
    renderPage(<UsageChart rows={rows} />);
    expect(screen.getByRole('img', { name: 'Daily cost by resource' })).toBe(
      screen.getByTestId('usage-chart'),
    );
    const table = screen.getByRole('table', { name: 'Daily cost by resource' });
    const cells = within(table)
      .getAllByRole('row')
      .map((row) => [...row.querySelectorAll('th, td')].map((cell) => cell.textContent));
    expect(cells[0]).toEqual(['Day (UTC)', 'Total', ...COSTS.map((c) => c.label)]);
    expect(cells[3]).toEqual(['3 Jan 2026', '$4.00', '$0.00', '$3.33', '$0.00', '$0.67', '$0.00']);
  });

  it('says so when there is nothing to draw, with a $0 axis and no NaN', () => {
    const { container, unmount } = renderPage(<UsageChart rows={[]} />);
    expect(screen.getByText('No days to show.')).toBeInTheDocument();
    expect(container.querySelectorAll('rect.usage-bar')).toHaveLength(0);
    expect(container.innerHTML).not.toContain('NaN');
    unmount();

    const quiet = [day('2026-01-01', {}), day('2026-01-02', {})];
    const again = renderPage(<UsageChart rows={quiet} />);
    expect(screen.getByText('No cost on these days.')).toBeInTheDocument();
    expect(again.container.querySelectorAll('rect.usage-bar')).toHaveLength(0);
    expect(again.container.innerHTML).not.toContain('NaN');
    const texts = [...again.container.querySelectorAll('svg text')].map((t) => t.textContent);
    expect(texts).toEqual(expect.arrayContaining(['$0', '$1', '1 Jan', '2 Jan']));
  });

  it('thins the day labels of a month so they do not overlap, keeping the latest day', () => {
    const month = Array.from({ length: 30 }, (_, i) =>
      day(`2026-01-${String(i + 1).padStart(2, '0')}`, { cpuCost: String(i + 1) }),
    );
    const { container } = renderPage(<UsageChart rows={month} />);
    const labels = [...container.querySelectorAll('svg text')]
      .filter((t) => /Jan/.test(t.textContent ?? ''))
      .map((t) => ({ text: t.textContent, x: Number(t.getAttribute('x')) }));
    expect(labels.length).toBeGreaterThan(3);
    expect(labels.length).toBeLessThan(30);
    expect(labels.at(-1)!.text).toBe('30 Jan');
    for (let i = 1; i < labels.length; i++) {
      expect(labels[i]!.x - labels[i - 1]!.x).toBeGreaterThanOrEqual(45);
    }
  });
});

describe('dollarTicks', () => {
  it('steps in round amounts from $0 to at or above the highest day', () => {
    expect(dollarTicks(8, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(dollarTicks(9.1, 4)).toEqual([0, 2.5, 5, 7.5, 10]);
    expect(dollarTicks(0.3, 3)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(dollarTicks(1234, 5)).toEqual([0, 250, 500, 750, 1000, 1250]);
    expect(dollarTicks(0, 5)).toEqual([0, 1]);
  });
});

describe('tickLabel', () => {
  it('writes dollars with the decimals the step needs, grouped in thousands', () => {
    expect(tickLabel(0, 2)).toBe('$0');
    expect(tickLabel(7.5, 2.5)).toBe('$7.5');
    expect(tickLabel(0.25, 0.25)).toBe('$0.25');
    expect(tickLabel(0.3, 0.1)).toBe('$0.3');
    expect(tickLabel(1250, 250)).toBe('$1,250');
    expect(tickLabel(2500000, 500000)).toBe('$2,500,000');
  });
});
