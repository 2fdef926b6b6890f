import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { toCsv, parseCsv } from '../lib/csv.ts';
import { formatDateTime, formatUtcDateTime } from '../lib/dates.ts';
import { renderPage } from '../test/render.tsx';
import {
  DataTable,
  dateTimeColumn,
  dayColumn,
  shownRows,
  useDataTable,
  type Column,
} from './data-table.tsx';

interface Row {
  id: string;
  day: string;
  at: string;
  name: string;
  cost: number;
}

const rows: Row[] = [
  { id: 'a', day: '2026-01-02', at: '2026-01-02T10:00:00.000Z', name: 'Alice', cost: 2 },
  { id: 'b', day: '2026-01-01', at: '2026-01-01T09:00:00.000Z', name: 'Bob', cost: 30 },
  { id: 'c', day: '2026-01-03', at: '2026-01-03T08:00:00.000Z', name: 'Carol', cost: 7 },
];

const columns: Column<Row>[] = [
  dayColumn('day', 'Day (UTC)', (r) => r.day),
  { id: 'name', header: 'Name', text: (r) => r.name },
  dateTimeColumn('at', 'Signed in', (r) => r.at),
  {
    id: 'cost',
    header: 'Cost',
    text: (r) => `$${r.cost}`,
    compare: (a, b) => a.cost - b.cost,
    align: 'right',
  },
];

let lastCsv = '';
function Harness() {
  const table = useDataTable({ columns, rows, getRowId: (r) => r.id });
  lastCsv = toCsv(columns, shownRows(table));
  return <DataTable table={table} label="People" />;
}

/** Makes every table measure `tableWidth` px wide in a box of `boxWidth` px (jsdom has no layout). */
function layoutOf(tableWidth: number, boxWidth: number) {
  vi.spyOn(HTMLElement.prototype, 'offsetWidth', 'get').mockReturnValue(tableWidth);
  vi.spyOn(HTMLElement.prototype, 'clientWidth', 'get').mockReturnValue(boxWidth);
}

afterEach(() => vi.restoreAllMocks());

const cells = () =>
  within(screen.getByRole('table', { name: 'People' }))
    .getAllByRole('row')
    .map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent));

describe('DataTable', () => {
  it('is a table where its columns fit, each cell named by its column for a card', () => {
    layoutOf(900, 1000);
    const { container } = renderPage(<Harness />);
    expect(container.querySelector('[data-stacked]')).toBeNull();
    expect(screen.queryByRole('combobox', { name: 'Sort People by' })).toBeNull();
    const first = screen.getAllByRole('row')[1]!;
    expect([...first.querySelectorAll('td')].map((td) => td.dataset.label)).toEqual([
      'Day (UTC)',
      'Name',
      'Signed in',
      'Cost',
    ]);
    // The CSV still holds exactly the cells shown.
    expect(parseCsv(lastCsv)).toEqual(cells());
  });

  it('becomes cards where it is wider than its box, sortable from a "Sort by" list', async () => {
    const user = userEvent.setup();
    layoutOf(900, 358);
    const { container } = renderPage(<Harness />);
    expect(container.querySelector('[data-stacked="cards"]')).not.toBeNull();
    const sort = screen.getByRole('combobox', { name: 'Sort People by' });
    expect(
      within(sort)
        .getAllByRole('option')
        .map((o) => o.textContent),
    ).toEqual([
      'As listed',
      'Day (UTC), newest first',
      'Day (UTC), oldest first',
      'Signed in, newest first',
      'Signed in, oldest first',
      'Cost, highest first',
      'Cost, lowest first',
    ]);
    await user.selectOptions(sort, 'Cost, highest first');
    expect(
      cells()
        .slice(1)
        .map((row) => row[1]),
    ).toEqual(['Bob', 'Carol', 'Alice']);
    await user.selectOptions(sort, 'Day (UTC), oldest first');
    expect(
      cells()
        .slice(1)
        .map((row) => row[1]),
    ).toEqual(['Bob', 'Alice', 'Carol']);
    // What the CSV holds follows the cards' order too.
    expect(parseCsv(lastCsv).slice(1)).toEqual(cells().slice(1));
  });

  it('shows days as UTC days and moments on the person’s clock, UTC on hover', () => {
    layoutOf(900, 1000);
    renderPage(<Harness />);
    const first = screen.getAllByRole('row')[1]!;
    const [day, at] = [...first.querySelectorAll('time')];
    expect(day).toHaveTextContent('2 Jan 2026');
    expect(day).toHaveAttribute('dateTime', '2026-01-02');
    expect(day!.title).toMatch(/^2 Jan 2026.*UTC/);
    expect(at).toHaveTextContent(formatDateTime(rows[0]!.at));
    expect(at).toHaveAttribute('title', formatUtcDateTime(rows[0]!.at));
  });
});
