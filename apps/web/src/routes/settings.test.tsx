// The Settings page: the identity as the provider gives it, and deleting the account with a typed
// confirmation — the call carries what was typed, and a refusal shows as the API's sentence.
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { apiError, member, owner, renderPage } from '../test/render.tsx';
import SettingsPage from './settings.tsx';

describe('Settings', { timeout: 30_000 }, () => {
  it("shows the person's name and e-mail, and offers no sign-out-everywhere", () => {
    renderPage(<SettingsPage />, { me: member });
    expect(screen.getByRole('heading', { name: 'Settings' })).toBeInTheDocument();
    expect(screen.getByText('Bob Builder')).toBeInTheDocument();
    expect(screen.getByText('bob@acme.test')).toBeInTheDocument();
    expect(screen.queryByText(/sign out everywhere/i)).toBeNull();
  });

  it('sends what was typed, and shows the refusal of an owner with members as its sentence', async () => {
    const refusal =
      'Your account has 2 members: remove them all or transfer ownership first, then delete your account.';
    const { calls } = renderPage(<SettingsPage />, {
      me: owner,
      handlers: {
        'account.delete': () => {
          throw apiError('PRECONDITION_FAILED', refusal);
        },
      },
    });
    const user = userEvent.setup();
    await user.type(
      screen.getByLabelText('Type your e-mail address (alice@acme.test) to confirm'),
      'alice@acme.test',
    );
    await user.click(screen.getByRole('button', { name: 'Delete my account' }));
    expect(await screen.findByRole('alert')).toHaveTextContent(refusal);
    expect(calls.filter((c) => c.path === 'account.delete').map((c) => c.input)).toEqual([
      { confirm: 'alice@acme.test' },
    ]);
  });

  it('shows a wrong confirmation refused, and nothing else happens', async () => {
    const sentence =
      'To delete your account, type your e-mail address (bob@acme.test) exactly as shown.';
    renderPage(<SettingsPage />, {
      me: member,
      handlers: {
        'account.delete': () => {
          throw apiError('BAD_REQUEST', sentence);
        },
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Delete my account' }));
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent(sentence));
  });
});
