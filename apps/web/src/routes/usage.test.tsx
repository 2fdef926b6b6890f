import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { lastDays } from '@hops/api/days';
import { useLocation } from 'react-router';
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

// Typing and table sorting with user-event are slow on a busy machine.
describe('usage page', { timeout: 30_000 }, () => {
  it('shows the days, newest first, with money rounded to cents and an exact total', async () => {
    renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    await screen.findByRole('table', { name: 'Daily usage' });
    expect(tableCells().map((r) => [r[0], r[1], r[12]])).toEqual([
      ['Day (UTC)', 'CPU h', 'Total cost'],
      ['3 Jan 2026', '1', '$1,234.50'],
      ['2 Jan 2026', '1', '$2.00'],
      ['1 Jan 2026', '4.5', '$10.12'],
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

  it('marks people who are no longer members in the breakdown, their usage still the account’s', async () => {
    const withFormer = {
      ...summary,
      byMember: [
        { ...summary.byMember[0]!, formerMember: false },
        { ...summary.byMember[1]!, formerMember: true },
      ],
    };
    renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => withFormer },
    });
    const breakdown = await screen.findByRole('table', { name: 'Usage by member' });
    const bob = within(breakdown).getByText('Bob Builder').closest('tr')!;
    expect(bob).toHaveTextContent('(no longer a member)');
    const alice = within(breakdown).getByText('Alice Owner').closest('tr')!;
    expect(alice).not.toHaveTextContent('no longer a member');
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

  it('says which figure is exact when the rounded days do not add up to the total', async () => {
    renderPage(<UsagePage />, {
      path,
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    await screen.findByRole('table', { name: 'Daily usage' });
    // $10.12 + $2.00 + $1,234.50 is $1,246.62; the exact total is $1,246.63.
    const notes = await screen.findAllByTestId('rounding-note');
    expect(notes[0]).toHaveTextContent(
      'The total $1,246.63 is exact; the days below add up to $1,246.62 because each is rounded to the cent on its own.',
    );
    // The breakdown's rows add up here, and it still says which figure is exact.
    expect(notes[1]).toHaveTextContent(
      'The total is exact; the people above are each rounded to the cent on their own, so they can add up to a cent more or less.',
    );
  });
});

/** Where the page's address is now (the search part). */
function Address() {
  return <output data-testid="address">{useLocation().search}</output>;
}

describe('usage page: a range in the address it cannot use', { timeout: 30_000 }, () => {
  it('says why in a sentence, shows the last 30 days, and takes the bad range out of the address', async () => {
    const { calls } = renderPage(
      <>
        <UsagePage />
        <Address />
      </>,
      {
        path: '/usage?from=2026-13-01&to=2026-01-03&member=dev%7Cbob',
        handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
      },
    );
    expect(await screen.findByTestId('range-notice')).toHaveTextContent(
      'It asked for 2026-13-01 to 2026-01-03. The start date is not a day of the calendar. Showing the last 30 days instead.',
    );
    await waitFor(() =>
      expect(screen.getByTestId('address')).toHaveTextContent('?member=dev%7Cbob'),
    );
    const asked = calls.filter((c) => c.path === 'usage.daily').map((c) => c.input);
    const fallback = lastDays(30);
    expect(asked).toContainEqual(expect.objectContaining(fallback));
    expect(asked).not.toContainEqual(expect.objectContaining({ from: '2026-13-01' }));
  });

  it('says a reversed range is reversed, in words without code quotes', async () => {
    renderPage(<UsagePage />, {
      path: '/usage?from=2026-03-05&to=2026-03-01',
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    const notice = await screen.findByTestId('range-notice');
    expect(notice).toHaveTextContent(
      'It asked for 2026-03-05 to 2026-03-01. The start date is after the end date. Pick a start on or before the end. Showing the last 30 days instead.',
    );
    expect(document.body.textContent).not.toContain('`');
  });

  it('takes a half range out too, and says which end was missing', async () => {
    renderPage(<UsagePage />, {
      path: '/usage?from=2026-03-05',
      handlers: { 'usage.daily': () => rows, 'usage.summary': () => summary },
    });
    expect(await screen.findByTestId('range-notice')).toHaveTextContent(
      'It asked for 2026-03-05 to (no end). Give the end date. Showing the last 30 days instead.',
    );
  });
});
