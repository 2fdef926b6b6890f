// Transfer ownership on the Team page: a member must be chosen first, the confirmation says what
// moves and that the owner becomes a member, the call names the member, and a refusal is shown
// as the API's sentence with the dialog still open.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, owner, renderPage, type Handlers } from '../../test/render.tsx';
import { TransferOwnership } from './transfer-ownership.tsx';

const team = {
  owner: {
    id: owner.id,
    email: owner.email,
    name: owner.name,
    joinedAt: '2025-11-02T09:30:00.000Z',
    lastLoginAt: null,
    hopsworksUsername: null,
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
    {
      id: 'dev|carol',
      email: 'carol@acme.test',
      name: null,
      joinedAt: '2025-12-02T08:00:00.000Z',
      lastLoginAt: null,
      hopsworksUsername: null,
    },
  ],
  isOwner: true,
};

const prepaid = { ...owner, billingMode: 'prepaid' as const };

function show(handlers: Handlers = {}) {
  return renderPage(<TransferOwnership team={team} />, {
    me: prepaid,
    handlers: {
      'invites.list': () => [{ id: 'i1' }, { id: 'i2' }],
      'credits.balance': () => ({
        userId: owner.id,
        paid: '40.0000',
        free: '2.5000',
        available: '42.5000',
        unpaidUsage: '0.0000',
        creditsExhausted: false,
        billingMode: 'prepaid',
      }),
      'team.transferOwnership': () => ({ newOwnerId: 'dev|bob' }),
      ...handlers,
    },
  });
}

async function openFor(name: string) {
  const user = userEvent.setup();
  await user.click(screen.getByRole('combobox', { name: 'New owner' }));
  await user.click(await screen.findByRole('option', { name, hidden: true }));
  await user.click(screen.getByRole('button', { name: 'Transfer ownership' }));
  return { user, dialog: await screen.findByRole('dialog') };
}

describe('TransferOwnership', { timeout: 30_000 }, () => {
  it('asks for the member first', async () => {
    show();
    const button = screen.getByRole('button', { name: 'Transfer ownership' });
    expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(
      screen.getByText('Choose the member who becomes the owner first.', { exact: false }),
    ).toBeInTheDocument();
  });

  it('says what moves, then hands the account to the chosen member', async () => {
    const { calls } = show();
    const { user, dialog } = await openFor('Bob Builder (bob@acme.test)');
    expect(dialog).toHaveTextContent('Make Bob Builder the owner?');
    expect(dialog).toHaveTextContent(
      'Bob Builder (bob@acme.test) becomes the owner of this account, and you become a member of it.',
    );
    await waitFor(() => expect(dialog).toHaveTextContent('$42.50 available'));
    expect(dialog).toHaveTextContent(
      'its members: 1 other member joins Bob Builder, and so do you;',
    );
    expect(dialog).toHaveTextContent(
      'its open invites: 2 invites, which Bob Builder can resend or revoke;',
    );
    expect(dialog).toHaveTextContent('everyone stays on us-east-1-prod');
    expect(dialog).toHaveTextContent('its billing: prepaid');
    expect(dialog).toHaveTextContent('usage so far stays billed to you');
    await user.click(within(dialog).getByRole('button', { name: 'Transfer ownership' }));
    await waitFor(() =>
      expect(calls.filter((c) => c.path === 'team.transferOwnership')).toEqual([
        { path: 'team.transferOwnership', input: { memberId: 'dev|bob' } },
      ]),
    );
    expect(await screen.findByText('Bob Builder now owns this account.')).toBeInTheDocument();
  });

  it("shows the API's refusal in the dialog", async () => {
    show({
      'team.transferOwnership': () => {
        throw apiError(
          'PRECONDITION_FAILED',
          'carol@acme.test is suspended, so the account cannot be handed to them. Ask an admin to reactivate them first.',
        );
      },
    });
    const { user, dialog } = await openFor('carol@acme.test');
    await user.click(within(dialog).getByRole('button', { name: 'Transfer ownership' }));
    expect(
      await within(dialog).findByText(
        'carol@acme.test is suspended, so the account cannot be handed to them. Ask an admin to reactivate them first.',
      ),
    ).toBeInTheDocument();
  });
});
