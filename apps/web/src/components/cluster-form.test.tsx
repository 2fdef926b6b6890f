import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { renderPage } from '../test/render.tsx';
import { ClusterForm } from './cluster-form.tsx';

// Typing with user-event is slow on a busy machine; these tests type a lot.
describe('ClusterForm', { timeout: 30_000 }, () => {
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
        'A cluster name can hold letters, digits, dots, dashes and underscores, like us-east-1-prod',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText('Use an https:// URL for the API URL, like https://hopsworks.example.com'),
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

  it('saves the capacity typed over the old one: 25 is 25', async () => {
    const onSubmit = vi.fn();
    renderPage(
      <ClusterForm
        initial={{ name: 'eu-1', apiUrl: 'https://eu-1.example', maxUsers: 100, status: 'active' }}
        secrets={{ hasApiKey: true, hasKubeconfig: false }}
        submitLabel="Save"
        error={null}
        busy={false}
        onSubmit={onSubmit}
      />,
    );
    const user = userEvent.setup();
    const capacity = screen.getByLabelText('Capacity (users)');
    // Select the number, then type over it; and once more after emptying the field.
    await user.tripleClick(capacity);
    await user.keyboard('25');
    expect(capacity).toHaveValue('25');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toMatchObject({ maxUsers: 25 });

    await user.tripleClick(capacity);
    await user.keyboard('{Backspace}');
    await user.keyboard('40');
    expect(capacity).toHaveValue('40');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(2));
    expect(onSubmit.mock.calls[1]?.[0]).toMatchObject({ maxUsers: 40 });
  });

  it('refuses a capacity that is not a whole number of users, with a sentence, and saves nothing', async () => {
    const onSubmit = vi.fn();
    renderPage(
      <ClusterForm
        initial={{ name: 'eu-1', apiUrl: 'https://eu-1.example', maxUsers: 100, status: 'active' }}
        secrets={{ hasApiKey: true, hasKubeconfig: false }}
        submitLabel="Save"
        error={null}
        busy={false}
        onSubmit={onSubmit}
      />,
    );
    const user = userEvent.setup();
    const capacity = screen.getByLabelText('Capacity (users)');
    const refusals = {
      '1.5': 'Capacity must be a whole number of users, like 25',
      '1,000': 'Capacity must be a whole number of users, like 25',
      '-3': 'Capacity must be a whole number of users, like 25',
      '0': 'Capacity must be at least 1 user',
      '2000000': 'Capacity can be at most 1,000,000 users',
      '': 'Give the capacity, in users',
    };
    for (const [typed, sentence] of Object.entries(refusals)) {
      await user.clear(capacity);
      if (typed) await user.type(capacity, typed);
      expect(capacity).toHaveValue(typed);
      await user.click(screen.getByRole('button', { name: 'Save' }));
      expect(await screen.findByText(sentence)).toBeInTheDocument();
    }
    expect(onSubmit).not.toHaveBeenCalled();
  });

  it('takes an OpenCost URL and a CA certificate only in the forms the API accepts', async () => {
    const onSubmit = vi.fn();
    renderPage(
      <ClusterForm
        initial={{ name: 'eu-1', apiUrl: 'https://eu-1.example', maxUsers: 100, status: 'active' }}
        secrets={{ hasApiKey: true, hasKubeconfig: false, hasOpenCostToken: true }}
        submitLabel="Save"
        error={null}
        busy={false}
        onSubmit={onSubmit}
      />,
    );
    const user = userEvent.setup();
    const openCost = screen.getByLabelText('OpenCost URL (optional)');
    const ca = screen.getByLabelText('CA certificate (optional)');
    await user.type(openCost, 'http://opencost.internal');
    await user.type(ca, 'not a certificate');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Paste the CA certificate in PEM form/)).toBeInTheDocument();
    expect(
      screen.getByText(/https/, { selector: '.mantine-InputWrapper-error, [id$=-error]' }),
    ).toBeInTheDocument();
    expect(onSubmit).not.toHaveBeenCalled();

    await user.clear(openCost);
    await user.type(openCost, 'https://opencost.internal');
    await user.clear(ca);
    await user.click(screen.getByLabelText('Remove the stored OpenCost token'));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSubmit).toHaveBeenCalledTimes(1));
    expect(onSubmit.mock.calls[0]?.[0]).toMatchObject({
      openCostUrl: 'https://opencost.internal',
      caCertificate: '',
      clearOpenCostToken: true,
    });
  });
});
