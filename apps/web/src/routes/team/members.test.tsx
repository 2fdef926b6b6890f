import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { formatDateTime, formatLocalDay } from '../../lib/dates.ts';
import { owner, renderPage } from '../../test/render.tsx';
import { Members } from './members.tsx';

const team = {
  owner: {
    id: owner.id,
    email: owner.email,
    name: owner.name,
    joinedAt: '2025-11-02T09:30:00.000Z',
    lastLoginAt: '2026-03-04T10:20:00.000Z',
    hopsworksUsername: 'alice',
  },
  members: [
    {
      id: 'dev|bob',
      email: 'bob@acme.test',
      name: 'Bob Builder',
      joinedAt: '2025-12-01T08:00:00.000Z',
      lastLoginAt: null,
      hopsworksUsername: null,
    },
  ],
  isOwner: true,
};

describe('Members', () => {
  it("shows when the owner joined and last signed in on the owner's own row", () => {
    renderPage(<Members team={team} canRemove />);
    const row = screen.getByText('Alice Owner').closest('tr')!;
    expect(within(row).getByText(formatLocalDay(team.owner.joinedAt))).toBeInTheDocument();
    expect(within(row).getByText(formatDateTime(team.owner.lastLoginAt))).toBeInTheDocument();
    expect(within(row).getByText('you')).toBeInTheDocument();
    expect(within(row).queryByText('—')).toBeNull();
    // A member who never signed in says so with a dash, as before.
    const bob = screen.getByText('Bob Builder').closest('tr')!;
    expect(within(bob).getByText('—')).toBeInTheDocument();
  });
});
