// The Hopsworks section of the admin user page: the person's state on each cluster and every
// change made for them, and Retry on a failed change (only the newest of its cluster).
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { EAST, WEST, cellText, job, provisioningApi } from '../../../test/provisioning.ts';
import { admin, renderPage } from '../../../test/render.tsx';
import { HopsworksCard } from './hopsworks.tsx';

const ERROR =
  'Hopsworks of us-west-2-staging did not answer in 10 s (find user alice@acme.test): connect ECONNREFUSED 10.0.0.7:443';

/** Alice: on east, then moved to west, where activating her failed after 5 tries. */
const aliceJobs = () => [
  job(1, { ...EAST, action: 'activate', reason: 'assign' }),
  job(2, { ...EAST, action: 'deactivate', reason: 'move' }),
  job(3, {
    ...WEST,
    action: 'activate',
    reason: 'move',
    state: 'failed',
    attempts: 5,
    lastError: ERROR,
    hopsworksUsername: null,
  }),
  // Someone else's job: not on Alice's page.
  job(4, { userId: 'dev|bob', email: 'bob@acme.test' }),
];

/** The rows of a table as a person reads them, header first. */
function cells(name: string): string[][] {
  const table = screen.getByRole('table', { name });
  return within(table)
    .getAllByRole('row')
    .map((tr) => [...tr.querySelectorAll('th, td')].map(cellText));
}

describe('admin user page: Hopsworks', { timeout: 30_000 }, () => {
  it("shows the person's state per cluster, and their history, with attempts, error and username", async () => {
    const api = provisioningApi(aliceJobs());
    const { calls } = renderPage(<HopsworksCard userId="dev|alice" />, {
      me: admin,
      handlers: api.handlers,
    });
    await screen.findByRole('table', { name: 'Hopsworks state by cluster' });
    const state = cells('Hopsworks state by cluster');
    expect(state[0]).toEqual([
      'Cluster',
      'State',
      'Change',
      'Tries',
      'Username',
      'Last error',
      'Actions',
    ]);
    expect(state.slice(1).map((r) => r.slice(0, 6))).toEqual([
      ['us-west-2-staging', 'failed', 'activate (moved)', '5', '—', ERROR],
      ['us-east-1-prod', 'done', 'deactivate (moved)', '1', 'alice000', '—'],
    ]);
    await screen.findByRole('table', { name: 'Provisioning history' });
    expect(
      cells('Provisioning history')
        .slice(1)
        .map((r) => r.slice(0, 3)),
    ).toEqual([
      ['us-west-2-staging', 'failed', 'activate (moved)'],
      ['us-east-1-prod', 'done', 'deactivate (moved)'],
      ['us-east-1-prod', 'done', 'activate (assigned)'],
    ]);
    expect(calls.filter((c) => c.path === 'clusters.provisioning').map((c) => c.input)).toEqual([
      { userId: 'dev|alice', view: 'latest' },
      { userId: 'dev|alice', view: 'history', limit: 50 },
    ]);
  });

  it('retries the failed change, which is then pending again', async () => {
    const api = provisioningApi(aliceJobs());
    const { calls } = renderPage(<HopsworksCard userId="dev|alice" />, {
      me: admin,
      handlers: api.handlers,
    });
    const user = userEvent.setup();
    const table = await screen.findByRole('table', { name: 'Hopsworks state by cluster' });
    // Retry only on the failed row: once in the state table, once in the history.
    const retries = await screen.findAllByRole('button', {
      name: 'Retry activate of alice@acme.test on us-west-2-staging',
    });
    expect(retries).toHaveLength(2);
    expect(within(table).getAllByRole('button', { name: /^Retry/ })).toHaveLength(1);
    await user.click(within(table).getByRole('button', { name: /^Retry/ }));
    await waitFor(() =>
      expect(cells('Hopsworks state by cluster')[1]?.slice(0, 4)).toEqual([
        'us-west-2-staging',
        'pending',
        'activate (moved)',
        '0',
      ]),
    );
    expect(
      calls.filter((c) => c.path === 'clusters.retryProvisioning').map((c) => c.input),
    ).toEqual([{ jobId: '3' }]);
    await waitFor(() =>
      expect(screen.queryByRole('button', { name: /^Retry/ })).not.toBeInTheDocument(),
    );
  });

  it('offers no Retry on a failed change that a newer one overtook, and shows a refusal', async () => {
    const api = provisioningApi([
      job(5, { state: 'failed', attempts: 5, lastError: ERROR }),
      job(6, {
        action: 'deactivate',
        reason: 'unassign',
        state: 'failed',
        attempts: 5,
        lastError: ERROR,
      }),
    ]);
    renderPage(<HopsworksCard userId="dev|alice" />, { me: admin, handlers: api.handlers });
    const history = await screen.findByRole('table', { name: 'Provisioning history' });
    // Only job 6 (the newest) can be retried.
    expect(
      within(history)
        .getAllByRole('button', { name: /^Retry/ })
        .map((b) => b.getAttribute('aria-label')),
    ).toEqual(['Retry deactivate of alice@acme.test on us-east-1-prod']);
    // Someone else retried it meanwhile: the API's sentence is shown.
    api.jobs.find((j) => j.id === '6')!.state = 'pending';
    await userEvent.setup().click(within(history).getByRole('button', { name: /^Retry/ }));
    expect(
      await screen.findAllByText(
        'Provisioning job 6 is pending, not failed: there is nothing to retry.',
      ),
    ).not.toHaveLength(0);
  });

  it('says so when the person was never on a cluster', async () => {
    renderPage(<HopsworksCard userId="dev|carol" />, {
      me: admin,
      handlers: provisioningApi(aliceJobs()).handlers,
    });
    expect(await screen.findByText('Not on any Hopsworks cluster yet')).toBeInTheDocument();
    expect(await screen.findByText('No changes on Hopsworks yet')).toBeInTheDocument();
  });
});
