// Sign out everywhere on the admin user page: asks for a reason and sends it with the user's id,
// shows the API's refusal inside the dialog, is gone for a deleted account, and on the admin's own
// account goes on to the sign-in page (this session ended with the others).
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { admin, apiError, renderPage, type Handlers } from '../../../test/render.tsx';
import { SignOutEverywhere } from './sign-out-everywhere.tsx';

const leftTo: string[] = [];
vi.mock('../../../lib/navigate.ts', () => ({ leaveTo: (url: string) => leftTo.push(url) }));

const fetched: string[] = [];
beforeEach(() => {
  leftTo.length = 0;
  fetched.length = 0;
  vi.stubGlobal('fetch', async (url: string) => {
    fetched.push(url);
    return new Response(null, { status: 204 });
  });
});
afterEach(() => vi.unstubAllGlobals());

const olive = { id: 'dev|olive', email: 'olive@acme.test', status: 'active' as const };
const signedOut = () => ({ signedOutAt: '2026-03-01T12:00:00.000Z' });

function show(
  user: typeof olive | { id: string; email: string; status: 'deleted' },
  handlers: Handlers = {},
) {
  return renderPage(<SignOutEverywhere user={user} />, { me: admin, handlers });
}

async function confirmWith(reason: string) {
  const user = userEvent.setup();
  await user.click(screen.getByRole('button', { name: 'Sign out everywhere' }));
  const dialog = await screen.findByRole('dialog');
  await user.type(within(dialog).getByLabelText(/Reason/), reason);
  await user.click(within(dialog).getByRole('button', { name: 'Sign out everywhere' }));
  return dialog;
}

describe('SignOutEverywhere', { timeout: 30_000 }, () => {
  it('asks for a reason, says what ends, and sends it with the user id', async () => {
    const { calls } = show(olive, { 'admin.users.signOutEverywhere': signedOut });
    const dialog = await confirmWith('lost laptop');
    expect(dialog).toHaveTextContent(
      'Every session of olive@acme.test ends at once, in every browser. They can sign in again.',
    );
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(
      calls.filter((c) => c.path === 'admin.users.signOutEverywhere').map((c) => c.input),
    ).toEqual([{ userId: 'dev|olive', reason: 'lost laptop' }]);
    // Someone else's sessions: the admin stays where they are.
    expect(leftTo).toEqual([]);
    expect(fetched).toEqual([]);
  });

  it('shows the refusal in the dialog', async () => {
    const refusal = 'There is no user with id dev|olive.';
    show(olive, {
      'admin.users.signOutEverywhere': () => {
        throw apiError('NOT_FOUND', refusal);
      },
    });
    const dialog = await confirmWith('lost laptop');
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(refusal);
  });

  it("on the admin's own account signs out here too and goes to the sign-in page", async () => {
    show(
      { id: admin.id, email: admin.email, status: 'active' },
      { 'admin.users.signOutEverywhere': signedOut },
    );
    await confirmWith('testing it');
    await waitFor(() => expect(leftTo).toEqual(['/login']));
    expect(fetched).toEqual(['/auth/logout']);
  });

  it('is not offered for a deleted account', () => {
    show({ id: 'dev|olive', email: 'olive@acme.test', status: 'deleted' });
    expect(screen.queryByRole('button', { name: 'Sign out everywhere' })).toBeNull();
  });
});
