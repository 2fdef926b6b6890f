// The audit log page: filtering by the e-mails the table shows, details that open in full, and a
// CSV of every matching entry with the table's own cells.
import { utcToday } from '@hops/api/days';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as CsvModule from '../../lib/csv.ts';
import { parseCsv } from '../../lib/csv.ts';
import type { RouterInputs, RouterOutputs } from '../../lib/trpc.ts';
import { admin, apiError, renderPage, type Handlers } from '../../test/render.tsx';
import AdminAuditPage from './audit.tsx';

const downloads: { filename: string; csv: string }[] = [];
vi.mock('../../lib/csv.ts', async (importOriginal) => ({
  ...(await importOriginal<typeof CsvModule>()),
  downloadCsv: (filename: string, csv: string) => downloads.push({ filename, csv }),
}));

beforeEach(() => {
  downloads.length = 0;
});

type AuditItem = RouterOutputs['audit']['list']['items'][number];
type AuditInput = RouterInputs['audit']['list'];

let serial = 0;
function entry(extra: Partial<AuditItem> = {}): AuditItem {
  serial += 1;
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    at: '2026-01-05T10:30:00.000Z',
    actorUserId: 'dev|admin',
    actorEmail: 'admin@hops.test',
    via: 'web',
    action: 'admin.users.setStatus',
    targetType: 'user',
    targetId: 'dev|ken',
    targetEmail: 'ken@hooli.test',
    details: { email: 'ken@hooli.test', from: 'active', to: 'suspended', reason: 'Chargeback' },
    ...extra,
  };
}

const suspension = entry();
const grant = entry({
  action: 'credits.grant',
  via: 'slack',
  targetId: 'dev|alice',
  targetEmail: 'alice@acme.test',
  details: { amount: '25.0000', pool: 'free', reason: 'Goodwill, "sorry"', balance: { paid: '0' } },
});
const clusterEdit = entry({
  action: 'clusters.update',
  actorUserId: null,
  actorEmail: null,
  via: 'service',
  targetType: 'cluster',
  targetId: '3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6',
  targetEmail: null,
  details: { name: 'us-east-1-prod' },
});

function show(handlers: Handlers = {}, path = '/admin/audit') {
  return renderPage(
    <Routes>
      <Route path="/admin/audit" element={<AdminAuditPage />} />
    </Routes>,
    {
      me: admin,
      path,
      handlers: {
        'audit.list': () => ({ items: [suspension, grant, clusterEdit], nextCursor: null }),
        ...handlers,
      },
    },
  );
}

const listCalls = (calls: { path: string; input: unknown }[]) =>
  calls.filter((c) => c.path === 'audit.list').map((c) => c.input as AuditInput);

/** The table's cells as a person reads them, header first, without the details' toggle. */
function tableCells(): string[][] {
  const table = screen.getByRole('table', { name: 'Audit log' });
  return within(table)
    .getAllByRole('row')
    .map((tr) =>
      [...tr.querySelectorAll('th, td')].map((cell) =>
        cell.textContent!.replace(/Show all \d+$/, ''),
      ),
    );
}

describe('audit log page', { timeout: 30_000 }, () => {
  it('shows who acted and whom it is about by e-mail, a cluster by name', async () => {
    show();
    await screen.findByRole('table', { name: 'Audit log' });
    const cells = tableCells();
    expect(cells[0]).toEqual(['When', 'Who', 'Via', 'Action', 'About', 'Details']);
    expect(cells.slice(1).map((row) => [row[1], row[4]])).toEqual([
      ['admin@hops.test', 'user ken@hooli.test'],
      ['admin@hops.test', 'user alice@acme.test'],
      ['a service', 'cluster us-east-1-prod'],
    ]);
    expect(screen.getByRole('link', { name: 'user alice@acme.test' })).toHaveAttribute(
      'href',
      '/admin/users/dev%7Calice',
    );
  });

  it('filters by the e-mail of who acted and of whom it is about', async () => {
    const user = userEvent.setup();
    const { calls } = show();
    await screen.findByRole('table', { name: 'Audit log' });
    await user.type(screen.getByLabelText('Who (e-mail)'), 'ADMIN@hops');
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toEqual({ limit: 50, actorEmail: 'ADMIN@hops' }),
    );
    await user.type(screen.getByLabelText('About (e-mail)'), ' ken@hooli.test ');
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toEqual({
        limit: 50,
        actorEmail: 'ADMIN@hops',
        targetEmail: 'ken@hooli.test',
      }),
    );
  });

  it('shows short details whole and opens long ones in full, one field a line', async () => {
    const user = userEvent.setup();
    show();
    const table = await screen.findByRole('table', { name: 'Audit log' });
    const rows = within(table).getAllByRole('row').slice(1);
    // Short: whole, nothing to open.
    expect(within(rows[2]!).getByTestId('audit-details')).toHaveTextContent('name: us-east-1-prod');
    expect(within(rows[2]!).queryByRole('button')).not.toBeInTheDocument();
    // Long: its first lines, and a way to see all of it.
    const open = within(rows[1]!).getByRole('button', { name: 'Show all 4 details' });
    expect(open).toHaveAttribute('aria-expanded', 'false');
    await user.click(open);
    const full = within(rows[1]!).getByTestId('audit-details-open');
    expect([...full.querySelectorAll('div')].map((line) => line.textContent)).toEqual([
      'amount: 25.0000',
      'pool: free',
      'reason: Goodwill, "sorry"',
      expect.stringMatching(/^balance: \{\s+"paid": "0"\s+\}$/),
    ]);
    await user.click(within(rows[1]!).getByRole('button', { name: 'Show less of these details' }));
    expect(within(rows[1]!).getByTestId('audit-details')).toBeInTheDocument();
  });

  it('downloads every matching entry, page after page, with the table’s cells', async () => {
    const user = userEvent.setup();
    const more = entry({ action: 'invites.create', targetType: 'invite', targetEmail: 'x@y.test' });
    const { calls } = show(
      {
        'audit.list': (input) => {
          const { limit, cursor } = input as AuditInput;
          if (limit !== 500) return { items: [suspension, grant, clusterEdit], nextCursor: 'p2' };
          return cursor === 'p2'
            ? { items: [more], nextCursor: null }
            : { items: [suspension, grant, clusterEdit], nextCursor: 'p2' };
        },
      },
      '/admin/audit?actorEmail=admin',
    );
    await screen.findByRole('table', { name: 'Audit log' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(downloads[0]!.filename).toBe(`hops-audit-log-${utcToday()}.csv`);
    const csv = parseCsv(downloads[0]!.csv);
    // The table's cells, cell for cell, then the next page's entries.
    expect(csv.slice(0, 4)).toEqual(tableCells());
    expect(csv[2]![5]).toBe(
      'amount: 25.0000 · pool: free · reason: Goodwill, "sorry" · balance: {"paid":"0"}',
    );
    expect(csv).toHaveLength(5);
    expect(csv[4]![3]).toBe('invites.create');
    expect(csv[4]![4]).toBe('invite x@y.test');
    // With the page's filters, 500 at a time.
    expect(listCalls(calls).filter((c) => c.limit === 500)).toEqual([
      { actorEmail: 'admin', limit: 500 },
      { actorEmail: 'admin', limit: 500, cursor: 'p2' },
    ]);
    expect(await screen.findByText('The CSV holds all 4 matching entries.')).toBeVisible();
  });

  it('stops at 10,000 entries and says so', async () => {
    const user = userEvent.setup();
    const page = Array.from({ length: 500 }, () => entry());
    let pages = 0;
    show({
      'audit.list': (input) => {
        if ((input as AuditInput).limit !== 500) return { items: [suspension], nextCursor: 'p1' };
        pages += 1;
        return { items: page, nextCursor: `p${pages + 1}` };
      },
    });
    await screen.findByRole('table', { name: 'Audit log' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    await waitFor(() => expect(downloads).toHaveLength(1));
    expect(pages).toBe(20);
    expect(parseCsv(downloads[0]!.csv)).toHaveLength(10_001);
    expect(
      await screen.findByText(
        'The CSV holds the newest 10,000 matching entries; narrow the filters to export older ones.',
      ),
    ).toBeVisible();
  });

  it('shows the API’s sentence when the download fails, and downloads nothing', async () => {
    const user = userEvent.setup();
    show({
      'audit.list': (input) => {
        if ((input as AuditInput).limit === 500) {
          throw apiError(
            'BAD_REQUEST',
            'This page cursor is not valid. Start from the first page.',
          );
        }
        return { items: [suspension], nextCursor: null };
      },
    });
    await screen.findByRole('table', { name: 'Audit log' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(
      await screen.findByText('This page cursor is not valid. Start from the first page.'),
    ).toBeVisible();
    expect(downloads).toEqual([]);
  });
});
