// Usage across accounts: the CSV holds exactly the table's rows, cell for cell, in its order.
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as CsvModule from '../../lib/csv.ts';
import { parseCsv } from '../../lib/csv.ts';
import { admin, renderPage } from '../../test/render.tsx';
import AdminUsagePage from './usage.tsx';

vi.mock('../../components/lazy-charts.tsx', () => ({
  UsageChart: () => null,
  TopAccountsChart: () => <div data-testid="chart" />,
}));

const downloads: { filename: string; csv: string }[] = [];
vi.mock('../../lib/csv.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof CsvModule>()),
  downloadCsv: (filename: string, csv: string) => downloads.push({ filename, csv }),
}));

beforeEach(() => {
  downloads.length = 0;
});

const top = [
  {
    accountOwnerId: 'dev|alice',
    ownerEmail: 'alice@acme.test',
    ownerName: 'Alice Owner',
    totalCost: '1234.5678',
    activeUsers: 4,
  },
  {
    accountOwnerId: 'dev|frank',
    ownerEmail: 'frank@globex.test',
    ownerName: 'Frank, "the" Owner',
    totalCost: '20.0050',
    activeUsers: 7,
  },
  {
    accountOwnerId: 'dev|grace',
    ownerEmail: 'grace@initech.test',
    ownerName: null,
    totalCost: '3.1000',
    activeUsers: 1,
  },
];

function tableCells(): string[][] {
  const table = screen.getByRole('table', { name: 'Top accounts' });
  return within(table)
    .getAllByRole('row')
    .map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent!.replace(/ [▲▼]$/, '')),
    );
}

describe('usage across accounts', { timeout: 30_000 }, () => {
  it('downloads exactly the table, also after re-sorting it', async () => {
    const user = userEvent.setup();
    renderPage(<AdminUsagePage />, {
      me: admin,
      path: '/admin/usage?from=2026-01-01&to=2026-01-31',
      handlers: { 'usage.top': () => top },
    });
    await screen.findByRole('table', { name: 'Top accounts' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.filename).toBe('hops-usage-by-account-2026-01-01-to-2026-01-31.csv');
    const csv = parseCsv(downloads[0]!.csv);
    expect(csv).toEqual(tableCells());
    expect(csv).toEqual([
      ['#', 'Account owner', 'E-mail', 'Active users', 'Cost'],
      ['1', 'Alice Owner', 'alice@acme.test', '4', '$1,234.57'],
      ['2', 'Frank, "the" Owner', 'frank@globex.test', '7', '$20.00'],
      ['3', 'grace@initech.test', 'grace@initech.test', '1', '$3.10'],
    ]);

    const table = screen.getByRole('table', { name: 'Top accounts' });
    await user.click(within(table).getByRole('button', { name: 'Active users' }));
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    const sorted = parseCsv(downloads[1]!.csv);
    expect(sorted).toEqual(tableCells());
    expect(sorted.slice(1).map((row) => row[3])).toEqual(['1', '4', '7']);
  });

  it('says why a range in the address was not used, and which total is exact', async () => {
    renderPage(<AdminUsagePage />, {
      me: admin,
      path: '/admin/usage?from=2026-02-30&to=2026-03-01',
      handlers: {
        'usage.top': () => [
          { ...top[0]!, totalCost: '0.0050' },
          { ...top[1]!, totalCost: '0.0050' },
        ],
      },
    });
    expect(await screen.findByTestId('range-notice')).toHaveTextContent(
      'It asked for 2026-02-30 to 2026-03-01.',
    );
    // $0.01 in all, while each account alone rounds (half-even) to $0.00: the page says which is exact.
    expect(await screen.findByTestId('rounding-note')).toHaveTextContent(
      'The total $0.01 is exact; the accounts below add up to $0.00 because each is rounded to the cent on its own.',
    );
  });
});
