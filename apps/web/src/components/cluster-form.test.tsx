import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderPage } from '../test/render.tsx';
import { ClusterForm } from './cluster-form.tsx';

describe('ClusterForm', () => {
  it('checks name and URL with the API’s own rules before sending anything', async () => {
    const onSubmit = vi.fn();
    renderPage(<ClusterForm submitLabel="Create" error={null} busy={false} onSubmit={onSubmit} />);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Name'), 'bad name!');
    const url = screen.getByLabelText('API URL');
    await user.clear(url);
    await user.type(url, 'http://plain.example');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    expect(
      await screen.findByText(
        'Use letters, digits, dots, dashes and underscores, like us-east-1-prod',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Use an https:// URL, like https://hopsworks.example.com'),
    ).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText('Name'));
    await user.type(screen.getByLabelText('Name'), 'eu-north-1-prod');
    await user.clear(url);
    await user.type(url, 'https://eu-north-1.hopsworks.example');
    await user.type(screen.getByLabelText(/API key/), 'secret-key');
    await user.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toMatchObject({
      name: 'eu-north-1-prod',
      apiUrl: 'https://eu-north-1.hopsworks.example',
    });
  });
});
