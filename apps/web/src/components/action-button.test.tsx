import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderPage } from '../test/render.tsx';
import { ActionButton } from './action-button.tsx';
import { ConfirmAction } from './confirm-action.tsx';
import { Pager } from './pager.tsx';

describe('a button that cannot be used says why', () => {
  it('gives its reason on hover and to screen readers, and ignores a click', async () => {
    const user = userEvent.setup();
    const onClick = vi.fn();
    renderPage(
      <ActionButton disabledReason="No days in this range to download." onClick={onClick}>
        Download CSV
      </ActionButton>,
    );
    const button = screen.getByRole('button', { name: 'Download CSV' });
    expect(button).toHaveAttribute('aria-disabled', 'true');
    expect(button).toHaveAccessibleDescription('No days in this range to download.');
    await user.click(button);
    expect(onClick).not.toHaveBeenCalled();
    await user.hover(button);
    await waitFor(() =>
      expect(document.querySelector('.mantine-Tooltip-tooltip')).toHaveTextContent(
        'No days in this range to download.',
      ),
    );
  });

  it('acts as a plain button when there is no reason', async () => {
    const user = userEvent.setup();
    const onClick = vi.fn();
    renderPage(
      <ActionButton disabledReason={false} onClick={onClick}>
        Download CSV
      </ActionButton>,
    );
    const button = screen.getByRole('button', { name: 'Download CSV' });
    expect(button).not.toHaveAttribute('aria-disabled');
    await user.click(button);
    expect(onClick).toHaveBeenCalledOnce();
  });

  it('tells why the pager cannot go back on the first page, or on past the last', () => {
    renderPage(
      <Pager
        page={1}
        nextCursor={null}
        onNext={() => undefined}
        onPrevious={() => undefined}
        limit={25}
        onLimit={() => undefined}
        shown={3}
      />,
    );
    expect(screen.getByRole('button', { name: 'Previous' })).toHaveAccessibleDescription(
      'This is the first page.',
    );
    expect(screen.getByRole('button', { name: 'Next' })).toHaveAccessibleDescription(
      'This is the last page: there is nothing after it.',
    );
  });

  it('tells why a confirmation cannot be given yet, then lets it be given', async () => {
    const user = userEvent.setup();
    const onConfirm = vi.fn(() => Promise.resolve());
    renderPage(
      <ConfirmAction
        label="Suspend"
        title="Suspend bob@acme.test?"
        reason={{ label: 'Reason' }}
        onConfirm={onConfirm}
      >
        They can no longer sign in.
      </ConfirmAction>,
    );
    await user.click(screen.getByRole('button', { name: 'Suspend' }));
    const dialog = await screen.findByRole('dialog');
    const confirm = within(dialog).getByRole('button', { name: 'Suspend' });
    expect(confirm).toHaveAccessibleDescription('Give a reason of at least 3 characters first.');
    await user.click(confirm);
    expect(onConfirm).not.toHaveBeenCalled();
    await user.type(screen.getByLabelText('Reason'), 'Abuse');
    await user.click(confirm);
    await waitFor(() => expect(onConfirm).toHaveBeenCalledWith('Abuse'));
  });

  it('a deprecated bare `disabled` still says something', () => {
    renderPage(
      <ConfirmAction label="Move" title="Move?" disabled onConfirm={() => Promise.resolve()}>
        x
      </ConfirmAction>,
    );
    expect(screen.getByRole('button', { name: 'Move' })).toHaveAccessibleDescription(
      'This cannot be done now.',
    );
  });

  it('names what is missing when a reason is given', () => {
    renderPage(
      <ConfirmAction
        label="Move"
        title="Move?"
        disabledReason="Pick a cluster to move the account to first."
        onConfirm={() => Promise.resolve()}
      >
        x
      </ConfirmAction>,
    );
    expect(screen.getByRole('button', { name: 'Move' })).toHaveAccessibleDescription(
      'Pick a cluster to move the account to first.',
    );
  });
});
