import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as CsvModule from '../lib/csv.ts';
import { parseCsv } from '../lib/csv.ts';
import type { DailyUsageRow } from '../lib/usage-rows.ts';
import { apiError, member, owner, renderPage } from '../test/render.tsx';
import UsagePage from './usage.tsx';

vi.mock('../components/lazy-charts.tsx', () => ({
  UsageChart: () => <div data-testid="chart" />,
  TopAccountsChart: () => null,
}));

const downloads: { filename: string; csv: string }[] = [];
vi.mock('../lib/csv.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof CsvModule>()),
  downloadCsv: (filename: string, csv: string) => downloads.push({ filename, csv }),
}));

beforeEach(() => {
  downloads.length = 0;
});

function row(date: string, totalCost: string, cpuHours = '1.0000'): DailyUsageRow {
  return {
    date,
    cpuHours,
    gpuHours: '0.0000',
    ramGbHours: '8.0000',
    onlineStorageGb: '1.0000',
    offlineStorageGb: '10.0000',
    networkEgressGb: '0.5000',
    cpuCost: totalCost,
    gpuCost: '0.0000',
    ramCost: '0.0000',
    storageCost: '0.0000',
    networkCost: '0.0000',
    totalCost,
  };
}

const rows = [
  row('2026-01-01', '10.1250', '4.5'),
  row('2026-01-02', '2.0050'),
  row('2026-01-03', '1234.5'),
];

const summary = {
  from: '2026-01-01',
  to: '2026-01-03',
  accountOwnerId: owner.id,
  userId: null,
  totals: rows[0]!,
  totalCost: '1246.6300',
  byMember: [
    {
      ...row('x', '1000.0000'),
      userId: 'dev|alice',
      email: 'alice@acme.test',
      name: 'Alice Owner',
    },
    { ...row('x', '246.6300'), userId: 'dev|bob', email: 'bob@acme.test', name: 'Bob Builder' },
  ],
};

/** The daily table's cells as a person reads them, header first. */
function tableCells(): string[][] {
  const table = screen.getByRole('table', { name: 'Daily usage' });
  return within(table)
    .getAllByRole('row')
    .map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent!.replace(/ [▲▼]$/, '')),
    );
}

const path = '/usage?from=2026-01-01&to=2026-01-03';

describe('usage page', () => {
  it('shows the days, newest first, with money rounded to cents and an exact total', async () => {
    renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    await screen.findByRole('table', { name: 'Daily usage' });
    expect(tableCells().map((r) => [r[0], r[1], r[12]])).toEqual([
      ['Date', 'CPU h', 'Total cost'],
      ['2026-01-03', '1', '$1,234.50'],
      ['2026-01-02', '1', '$2.00'],
      ['2026-01-01', '4.5', '$10.12'],
    ]);
    expect(screen.getByTestId('usage-total')).toHaveTextContent('$1,246.63');
  });

  it('downloads exactly the table: same cells, same order, also after re-sorting', async () => {
    const user = userEvent.setup();
    renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    await screen.findByRole('table', { name: 'Daily usage' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.filename).toBe('hops-usage-2026-01-01-to-2026-01-03.csv');
    expect(parseCsv(downloads[0]!.csv)).toEqual(tableCells());

    const daily = screen.getByRole('table', { name: 'Daily usage' });
    await user.click(within(daily).getByRole('button', { name: 'CPU h' }));
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    const sorted = parseCsv(downloads[1]!.csv);
    expect(sorted).toEqual(tableCells());
    expect(sorted.slice(1).map((r) => r[1])).toEqual(['1', '1', '4.5']);
  });

  it('gives owners the per-member breakdown, and members their own usage only', async () => {
    const { calls } = renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    const breakdown = await screen.findByRole('table', { name: 'Usage by member' });
    expect(within(breakdown).getByText('Bob Builder')).toBeInTheDocument();
    expect(within(breakdown).getByText('80.2%')).toBeInTheDocument();
    expect(calls.map((c) => c.path)).toContain('usage.summary');

    const memberView = renderPage(<UsagePage />, {
      me: member,
      path,
      handlers: { 'usage.daily': () => rows },
    });
    await waitFor(() => expect(memberView.calls.map((c) => c.path)).toEqual(['usage.daily']));
    expect(screen.getAllByText('Your own usage.')).toHaveLength(1);
  });

  it('shows the API’s sentence when it refuses', async () => {
    renderPage(<UsagePage />, {
      me: member,
      path,
      handlers: {
        'usage.daily': () => {
          throw apiError(
            'FORBIDDEN',
            'You can see your own usage only; the account owner sees the team’s.',
          );
        },
      },
    });
    expect(
      await screen.findByText(
        'You can see your own usage only; the account owner sees the team’s.',
      ),
    ).toBeInTheDocument();
  });
});
