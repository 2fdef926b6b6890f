// The admin users list: sorting asked of the API (the list is paged), the "unassigned" cluster
// filter, and the API's refusal shown as its sentence.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { RouterOutputs } from '../../lib/trpc.ts';
import { admin, apiError, renderPage, type Handlers } from '../../test/render.tsx';
import AdminUsersPage from './users.tsx';

type UserItem = RouterOutputs['admin']['users']['list']['items'][number];

function person(id: string, extra: Partial<UserItem> = {}): UserItem {
  return {
    id: `dev|${id}`,
    email: `${id}@acme.test`,
    name: null,
    status: 'active',
    role: 'owner',
    isAdmin: false,
    billingMode: 'postpaid',
    accountOwnerId: null,
    cluster: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    lastLoginAt: null,
    ...extra,
  };
}

const alice = person('alice', {
  name: 'Alice Owner',
  cluster: { id: '3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6', name: 'us-east-1-prod' },
});
const bob = person('bob', { role: 'member', accountOwnerId: 'dev|alice', cluster: alice.cluster });
const nina = person('nina', { billingMode: 'prepaid' });

const clusters = [{ id: alice.cluster!.id, name: 'us-east-1-prod' }];

function show(path = '/admin/users', handlers: Handlers = {}) {
  return renderPage(
    <Routes>
      <Route path="/admin/users" element={<AdminUsersPage />} />
    </Routes>,
    {
      me: admin,
      path,
      handlers: {
        'admin.users.list': () => ({ items: [alice, bob, nina], nextCursor: null }),
        'clusters.list': () => clusters,
        ...handlers,
      },
    },
  );
}

const listCalls = (calls: { path: string; input: unknown }[]) =>
  calls.filter((c) => c.path === 'admin.users.list').map((c) => c.input);

function column(index: number): string[] {
  const table = screen.getByRole('table', { name: 'Users' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((tr) => tr.querySelectorAll('td')[index]!.textContent!);
}

describe('admin users list', { timeout: 30_000 }, () => {
  it('asks the API for the chosen order, and reverses it on demand', async () => {
    const user = userEvent.setup();
    const { calls } = show();
    await screen.findByRole('table', { name: 'Users' });
    expect(listCalls(calls)).toEqual([{ limit: 50 }]);
    expect(screen.getByText(/sorted by “Signed up”, newest first, across all pages/)).toBeVisible();

    await user.click(screen.getByRole('combobox', { name: 'Sort by' }));
    await user.click(await screen.findByRole('option', { name: 'E-mail', hidden: true }));
    await waitFor(() => expect(listCalls(calls).at(-1)).toEqual({ limit: 50, sort: 'email' }));
    expect(screen.getByText(/sorted by “E-mail”, A to Z/)).toBeVisible();

    await user.click(screen.getByRole('button', { name: 'Sorted A to Z. Reverse the order' }));
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toEqual({ limit: 50, sort: 'email', order: 'desc' }),
    );
    expect(screen.getByRole('button', { name: 'Sorted Z to A. Reverse the order' })).toBeVisible();

    // The rows stay in the API's order: a page is never re-sorted on its own.
    expect(column(0)).toEqual(['Alice Owneralice@acme.test', 'bob@acme.test', 'nina@acme.test']);
  });

  it('keeps the order in the address, and reverses a date to oldest first', async () => {
    const user = userEvent.setup();
    const { calls } = show('/admin/users?sort=lastSignIn');
    await screen.findByRole('table', { name: 'Users' });
    expect(listCalls(calls)).toEqual([{ limit: 50, sort: 'lastSignIn' }]);
    await user.click(
      screen.getByRole('button', { name: 'Sorted newest first. Reverse the order' }),
    );
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toEqual({ limit: 50, sort: 'lastSignIn', order: 'asc' }),
    );
  });

  it('filters to the people on no cluster', async () => {
    const user = userEvent.setup();
    const { calls } = show();
    await screen.findByRole('table', { name: 'Users' });
    expect(column(4)).toEqual(['us-east-1-prod', 'us-east-1-prod', 'unassigned']);
    await user.click(screen.getByRole('combobox', { name: 'Cluster' }));
    await user.click(
      await screen.findByRole('option', { name: 'Unassigned (no cluster)', hidden: true }),
    );
    await waitFor(() =>
      expect(listCalls(calls).at(-1)).toEqual({ limit: 50, clusterId: 'unassigned' }),
    );
  });

  it("says a member's billing is via their owner", async () => {
    show();
    await screen.findByRole('table', { name: 'Users' });
    expect(column(3)).toEqual(['postpaid', 'via owner', 'prepaid']);
  });

  it('shows the API’s sentence for a refused filter in the address', async () => {
    show('/admin/users?cluster=nonsense', {
      'admin.users.list': () => {
        throw apiError(
          'BAD_REQUEST',
          'Pick a cluster from the list, or "unassigned" for people on no cluster.',
        );
      },
    });
    expect(
      await screen.findByText(
        'Pick a cluster from the list, or "unassigned" for people on no cluster.',
      ),
    ).toBeVisible();
  });
});
