import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { admin, renderPage, type Handlers } from '../../test/render.tsx';
import AdminClusterPage from './cluster-detail.tsx';

const cluster = {
  id: '3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6',
  name: 'us-west-2-staging',
  apiUrl: 'https://us-west-2.hopsworks.example',
  status: 'maintenance' as const,
  currentUsers: 0,
  maxUsers: 10,
  overCapacity: false,
  utilisation: '0.0',
  accounts: 0,
  metadata: {},
  hasApiKey: true,
  hasKubeconfig: false,
  openCostUrl: null,
  hasOpenCostToken: false,
  caCertificate: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const from = {
  id: 'c-east',
  name: 'us-east-1-prod',
  status: 'active' as const,
  currentUsers: 14,
  maxUsers: 50,
};

function handlers(assigned: unknown[]): Handlers {
  return {
    'clusters.get': () => ({ cluster, accounts: [] }),
    'clusters.list': () => [],
    'clusters.provisioning': () => [],
    'clusters.previewAssign': (input) => {
      const { email } = input as { email: string };
      if (email === 'bob@acme.test') {
        return {
          ok: false,
          reason: 'member',
          message:
            'bob@acme.test is a member of another account and moves with it; assign the account owner instead.',
        };
      }
      if (email === 'ghost@nowhere.test') {
        return {
          ok: false,
          reason: 'no_such_user',
          message: 'No user has the e-mail ghost@nowhere.test.',
        };
      }
      return {
        ok: true,
        change: 'move',
        owner: { id: 'dev|alice', email: 'alice@acme.test', name: 'Alice Owner' },
        users: 5,
        members: 4,
        from,
        to: { ...cluster, status: 'maintenance' },
        auto: false,
        warnings: [
          "us-west-2-staging is in maintenance: the account's people may not be able to work there until it is active again.",
        ],
      };
    },
    'clusters.assign': (input) => {
      assigned.push(input);
      return {
        status: 'moved',
        ownerId: 'dev|alice',
        cluster: { id: cluster.id, name: cluster.name, currentUsers: 5, maxUsers: 10 },
        fromClusterId: from.id,
      };
    },
  };
}

describe('Assign an account here', { timeout: 30_000 }, () => {
  it('says why Assign cannot be used while no e-mail is typed, and asks nothing', async () => {
    const assigned: unknown[] = [];
    const { calls } = renderPage(<AdminClusterPage />, { me: admin, handlers: handlers(assigned) });
    await screen.findByLabelText("Account owner's e-mail");
    const assign = screen.getByRole('button', { name: 'Assign' });
    expect(assign).toHaveAttribute('aria-disabled', 'true');
    expect(assign).toHaveAccessibleDescription("Type the account owner's e-mail first.");
    await userEvent.setup().click(assign);
    expect(calls.filter((c) => c.path === 'clusters.previewAssign')).toEqual([]);
  });

  it('checks the e-mail first: a bad one, an unknown one or a member’s is refused with a sentence and no Confirm', async () => {
    const assigned: unknown[] = [];
    const { calls } = renderPage(<AdminClusterPage />, { me: admin, handlers: handlers(assigned) });
    const user = userEvent.setup();
    const field = await screen.findByLabelText("Account owner's e-mail");

    await user.type(field, 'not an email');
    await user.click(screen.getByRole('button', { name: 'Assign' }));
    expect(await screen.findByText('Enter a valid e-mail address.')).toBeInTheDocument();
    expect(calls.filter((c) => c.path === 'clusters.previewAssign')).toEqual([]);

    for (const [email, sentence] of [
      ['ghost@nowhere.test', 'No user has the e-mail ghost@nowhere.test.'],
      [
        'bob@acme.test',
        'bob@acme.test is a member of another account and moves with it; assign the account owner instead.',
      ],
    ]) {
      await user.clear(field);
      await user.type(field, email!);
      await user.click(screen.getByRole('button', { name: 'Assign' }));
      expect(await screen.findByText(sentence!)).toBeInTheDocument();
      expect(screen.queryByRole('dialog')).toBeNull();
      expect(screen.queryByRole('button', { name: 'Move' })).toBeNull();
    }
    expect(assigned).toEqual([]);
  });

  it('then confirms who moves from where to where, warns of maintenance, and assigns on Confirm', async () => {
    const assigned: unknown[] = [];
    renderPage(<AdminClusterPage />, { me: admin, handlers: handlers(assigned) });
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Account owner's e-mail"), 'alice@acme.test');
    await user.click(screen.getByRole('button', { name: 'Assign' }));
    const dialog = await screen.findByRole('dialog');
    expect(
      within(dialog).getByText(
        'The whole account of alice@acme.test (the owner and 4 members) moves from us-east-1-prod to us-west-2-staging.',
      ),
    ).toBeInTheDocument();
    expect(within(dialog).getByTestId('assign-warning')).toHaveTextContent(
      "us-west-2-staging is in maintenance: the account's people may not be able to work there until it is active again.",
    );
    expect(assigned).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Move' }));
    await waitFor(() => expect(assigned).toEqual([{ userId: 'dev|alice', clusterId: cluster.id }]));
  });
});
