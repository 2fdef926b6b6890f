import { screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { member, owner, renderPage } from '../test/render.tsx';
import OverviewPage from './overview.tsx';

vi.mock('../components/lazy-charts.tsx', () => ({
  UsageChart: () => <div data-testid="chart" />,
  TopAccountsChart: () => null,
}));

afterEach(() => vi.useRealTimers());

/** The Overview on a given UTC day; usage.summary answers each range with its own total. */
function overviewOn(now: string, me = owner) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date(now));
  const totals: Record<string, string> = {
    '2026-02-01:2026-02-28': '1234.5670',
    '2026-03-01:2026-03-03': '12.3400',
    '2026-03-01:2026-03-15': '56.7800',
  };
  return renderPage(<OverviewPage />, {
    me,
    handlers: {
      'usage.summary': (input) => {
        const { from, to } = input as { from: string; to: string };
        return { from, to, totalCost: totals[`${from}:${to}`] ?? '0.0000', byMember: [] };
      },
      'usage.daily': () => [],
    },
  });
}

describe('overview', () => {
  it('shows last month’s cost beside this month’s while the month has just begun', async () => {
    const { calls } = overviewOn('2026-03-03T08:00:00Z');
    const last = await screen.findByTestId('overview-last-month');
    await waitFor(() => expect(last).toHaveTextContent('$1,234.57'));
    expect(last).toHaveTextContent('Account cost, last month');
    expect(last).toHaveTextContent('1 – 28 Feb 2026 (UTC days)');
    const month = screen.getByTestId('overview-month');
    await waitFor(() => expect(month).toHaveTextContent('$12.34'));
    expect(month).toHaveTextContent('1 – 3 Mar 2026 (UTC days)');
    expect(calls.map((c) => c.input)).toContainEqual({ from: '2026-02-01', to: '2026-02-28' });
  });

  it('says "my cost" to a member', async () => {
    overviewOn('2026-03-07T23:59:00Z', member);
    expect(await screen.findByTestId('overview-last-month')).toHaveTextContent(
      'My cost, last month',
    );
  });

  it('leaves last month out once the month is a week old, and does not ask for it', async () => {
    const { calls } = overviewOn('2026-03-15T08:00:00Z');
    await waitFor(() => expect(screen.getByTestId('overview-month')).toHaveTextContent('$56.78'));
    expect(screen.queryByTestId('overview-last-month')).toBeNull();
    expect(calls.map((c) => c.input)).not.toContainEqual({ from: '2026-02-01', to: '2026-02-28' });
  });
});
