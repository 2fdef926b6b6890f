import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { admin, member, owner, renderPage } from '../test/render.tsx';
import { AdminOnly, OwnerOnly } from './guards.tsx';
import { Navigation } from './layout.tsx';

const links = () => screen.getAllByRole('link').map((link) => link.textContent);

describe('role-based navigation', () => {
  it('shows a member Overview, Usage and Team only', () => {
    renderPage(<Navigation />, { me: member });
    expect(links()).toEqual(['Overview', 'Usage', 'Team']);
    expect(screen.queryByText('Admin')).not.toBeInTheDocument();
  });

  it('adds Billing for an owner', () => {
    renderPage(<Navigation />, { me: owner });
    expect(links()).toEqual(['Overview', 'Usage', 'Team', 'Billing']);
  });

  it('adds the admin section for an admin', () => {
    renderPage(<Navigation />, { me: admin });
    expect(links()).toEqual([
      'Overview',
      'Usage',
      'Team',
      'Billing',
      'Users',
      'Clusters',
      'Usage across accounts',
      'Audit log',
    ]);
    expect(screen.getByText('Admin')).toBeInTheDocument();
  });

  it('marks the current page', () => {
    renderPage(<Navigation />, { me: admin, path: '/admin/users/dev%7Calice' });
    expect(screen.getByRole('link', { name: 'Users' })).toHaveAttribute('data-active', 'true');
    expect(screen.getByRole('link', { name: 'Overview' })).not.toHaveAttribute('data-active');
  });
});

describe('pages a person may not use', () => {
  it('tell a non-admin in words, without asking the API', () => {
    const { calls } = renderPage(
      <AdminOnly>
        <p>secret admin page</p>
      </AdminOnly>,
      { me: member },
    );
    expect(screen.getByRole('heading', { name: 'This page is for admins.' })).toBeInTheDocument();
    expect(screen.queryByText('secret admin page')).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it('let an admin through', () => {
    renderPage(
      <AdminOnly>
        <p>admin page</p>
      </AdminOnly>,
      { me: admin },
    );
    expect(screen.getByText('admin page')).toBeInTheDocument();
  });

  it('tell a member that billing belongs to their owner', () => {
    renderPage(
      <OwnerOnly what="Billing">
        <p>billing</p>
      </OwnerOnly>,
      { me: member },
    );
    expect(
      screen.getByRole('heading', { name: 'Billing is for the account owner.' }),
    ).toBeInTheDocument();
    expect(screen.getByText(/Alice Owner manages billing/)).toBeInTheDocument();
  });
});
