// "People on Hopsworks" of the admin cluster page: each person's newest change on this cluster,
// the failed ones on their own, and Retry.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { EAST, WEST, cellText, job, provisioningApi } from '../../../test/provisioning.ts';
import { admin, renderPage } from '../../../test/render.tsx';
import { PeopleOnHopsworks } from './people.tsx';

const ERROR =
  'Hopsworks of us-east-1-prod refused the call (create user carol@acme.test): 400 Bad Request: email already in use';

const jobs = () => [
  job(1, { userId: 'dev|alice', email: 'alice@acme.test', hopsworksUsername: 'alice000' }),
  job(2, {
    userId: 'dev|bob',
    email: 'bob@acme.test',
    reason: 'join',
    hopsworksUsername: 'bob00001',
  }),
  job(3, {
    userId: 'dev|carol',
    email: 'carol@acme.test',
    reason: 'join',
    state: 'failed',
    attempts: 5,
    lastError: ERROR,
    hopsworksUsername: null,
  }),
  // Bob left: his newest change here is the deactivation.
  job(4, {
    userId: 'dev|bob',
    email: 'bob@acme.test',
    action: 'deactivate',
    reason: 'leave',
    hopsworksUsername: 'bob00001',
  }),
  // Another cluster's job.
  job(5, { ...WEST, userId: 'dev|dave', email: 'dave@acme.test' }),
];

function rows(): string[][] {
  const table = screen.getByRole('table', { name: 'People on Hopsworks' });
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((tr) => [...tr.querySelectorAll('td')].slice(0, 5).map(cellText));
}

describe('admin cluster page: people on Hopsworks', { timeout: 30_000 }, () => {
  it("shows each person's state on this cluster, and the failed ones on their own", async () => {
    const api = provisioningApi(jobs());
    const { calls } = renderPage(<PeopleOnHopsworks clusterId={EAST.clusterId} />, {
      me: admin,
      handlers: api.handlers,
    });
    await screen.findByRole('table', { name: 'People on Hopsworks' });
    expect(rows()).toEqual([
      ['bob@acme.test', 'done', 'deactivate (left a team)', '1', 'bob00001'],
      ['carol@acme.test', 'failed', 'activate (joined a team)', '5', '—'],
      ['alice@acme.test', 'done', 'activate (assigned)', '1', 'alice000'],
    ]);
    expect(screen.getByRole('link', { name: 'carol@acme.test' })).toHaveAttribute(
      'href',
      '/admin/users/dev%7Ccarol',
    );
    expect(screen.getByText(ERROR)).toBeInTheDocument();
    expect(calls.map((c) => c.input)).toEqual([
      { clusterId: EAST.clusterId, view: 'latest', limit: 500 },
    ]);

    await userEvent.setup().click(screen.getByRole('radio', { name: 'Failed (1)' }));
    expect(rows().map((r) => r[0])).toEqual(['carol@acme.test']);
  });

  it('retries a failed change; the person is pending again', async () => {
    const api = provisioningApi(jobs());
    const { calls } = renderPage(<PeopleOnHopsworks clusterId={EAST.clusterId} />, {
      me: admin,
      handlers: api.handlers,
    });
    const user = userEvent.setup();
    await user.click(
      await screen.findByRole('button', {
        name: 'Retry activate of carol@acme.test on us-east-1-prod',
      }),
    );
    await waitFor(() =>
      expect(rows()[1]).toEqual([
        'carol@acme.test',
        'pending',
        'activate (joined a team)',
        '0',
        '—',
      ]),
    );
    expect(
      calls.filter((c) => c.path === 'clusters.retryProvisioning').map((c) => c.input),
    ).toEqual([{ jobId: '3' }]);
    expect(screen.queryByRole('button', { name: /^Retry/ })).not.toBeInTheDocument();
  });

  it('says so when nobody is on the cluster yet', async () => {
    renderPage(<PeopleOnHopsworks clusterId={WEST.clusterId} />, {
      me: admin,
      handlers: provisioningApi([]).handlers,
    });
    expect(await screen.findByText('Nobody on this cluster on Hopsworks yet')).toBeInTheDocument();
  });
});
