// Delete on the admin user page: asks for a reason, sends it with the user's id, shows the API's
// refusal inside the dialog, is unavailable for the admin's own account and gone once deleted.
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { admin, apiError, renderPage, type Handlers } from '../../../test/render.tsx';
import { DeleteUser } from './delete-user.tsx';
import type { UserDetail } from './types.ts';

const detailOf = (user: Partial<UserDetail['user']>) =>
  ({
    user: { id: 'dev|olive', email: 'olive@acme.test', status: 'active', ...user },
  }) as unknown as UserDetail;

function show(detail: UserDetail, handlers: Handlers = {}) {
  return renderPage(<DeleteUser detail={detail} />, { me: admin, handlers });
}

describe('DeleteUser', { timeout: 30_000 }, () => {
  it('asks for a reason and deletes with it', async () => {
    const { calls } = show(detailOf({}), {
      'admin.users.delete': () => ({ userId: 'dev|olive' }),
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Delete account' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('olive@acme.test can no longer sign in');
    const confirm = within(dialog).getByRole('button', { name: 'Delete account' });
    await user.type(within(dialog).getByLabelText(/Reason/), 'asked by mail');
    await user.click(confirm);
    await screen.findByRole('button', { name: 'Delete account' });
    expect(calls.filter((c) => c.path === 'admin.users.delete').map((c) => c.input)).toEqual([
      { userId: 'dev|olive', reason: 'asked by mail' },
    ]);
  });

  it('shows the refusal in the dialog', async () => {
    const refusal =
      'olive@acme.test has 1 member: remove them or transfer ownership first, then delete the account of olive@acme.test.';
    show(detailOf({}), {
      'admin.users.delete': () => {
        throw apiError('PRECONDITION_FAILED', refusal);
      },
    });
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Delete account' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/Reason/), 'asked by mail');
    await user.click(within(dialog).getByRole('button', { name: 'Delete account' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(refusal);
  });

  it("is unavailable on the admin's own account, and gone once deleted", () => {
    const { unmount } = show(detailOf({ id: admin.id, email: admin.email }));
    expect(screen.getByRole('button', { name: 'Delete account' })).toHaveAttribute(
      'aria-disabled',
      'true',
    );
    unmount();
    show(detailOf({ status: 'deleted' }));
    expect(screen.queryByRole('button', { name: 'Delete account' })).toBeNull();
  });
});
