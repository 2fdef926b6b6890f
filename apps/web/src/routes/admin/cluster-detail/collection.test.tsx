// "Usage collection" of the admin cluster page: the health of the hourly OpenCost collection, the
// last 48 hours, the namespaces billed to nobody, and "Collect now" with what it did or why not.
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { EAST } from '../../../test/provisioning.ts';
import { admin, apiError, renderPage, type Handlers } from '../../../test/render.tsx';
import { CollectionBadge, UsageCollection, type Collection } from './collection.tsx';

const OPENCOST = 'https://k8s.east.test/api/v1/namespaces/opencost/services/opencost:9003/proxy';
const ERROR =
  'OpenCost of us-east-1-prod answered code 500 (allocation 2026-12-02T09:00:00Z–2026-12-02T10:00:00Z): error querying Prometheus';

/** 48 hours back from 2026-12-02 11:00 UTC, newest first: one failed, one partial. */
function hours(): Collection['hours'] {
  return Array.from({ length: 48 }, (_, i) => {
    const hour = new Date(Date.UTC(2026, 11, 2, 11 - i)).toISOString();
    const state = i === 2 ? 'failed' : i === 5 ? 'partial' : 'complete';
    return {
      hour,
      state,
      attempts: state === 'complete' ? 1 : 2,
      minutes: state === 'partial' ? '30' : state === 'failed' ? '0' : '60',
      namespaces: state === 'failed' ? 0 : 12,
      unmapped: state === 'failed' ? 0 : 2,
      error: state === 'failed' ? ERROR : null,
      collectedAt: new Date(Date.parse(hour) + 3_900_000).toISOString(),
    } as const;
  });
}

const collection: Collection = {
  health: {
    lastHour: '2026-12-02T11:00:00.000Z',
    hoursBehind: 0,
    gap: false,
    partialHours: 1,
    failedHours: 1,
    lastError: ERROR,
    lastErrorAt: '2026-12-02T10:05:00.000Z',
    unmappedNamespaces: 2,
  },
  hours: hours(),
  unmapped: [
    {
      namespace: 'kube-system',
      reason: 'system',
      hours: 47,
      lastHour: '2026-12-02T11:00:00.000Z',
      cpuCoreHours: '93.5000',
    },
    {
      namespace: 'fraud_detection',
      reason: 'no_project',
      hours: 12,
      lastHour: '2026-12-02T08:00:00.000Z',
      cpuCoreHours: '4.2500',
    },
  ],
};

function show(handlers: Handlers, openCostUrl: string | null = OPENCOST) {
  return renderPage(<UsageCollection clusterId={EAST.clusterId} openCostUrl={openCostUrl} />, {
    me: admin,
    handlers: { 'clusters.collection': () => collection, ...handlers },
  });
}

function cells(name: string): string[][] {
  const table = screen.getByRole('table', { name });
  return within(table)
    .getAllByRole('row')
    .map((tr) => [...tr.querySelectorAll('th, td')].map((cell) => cell.textContent!));
}

describe('admin cluster page: usage collection', { timeout: 30_000 }, () => {
  it('shows the last hour collected, partial and failed hours, the last error and unmapped namespaces', async () => {
    const { calls } = show({});
    const health = await screen.findByTestId('collection-health');
    expect(within(health).getByTestId('collection-last-hour')).toHaveTextContent(
      '2 Dec 2026, 11:00 UTC',
    );
    expect(within(health).getByTestId('collection-last-hour')).toHaveTextContent('Up to date.');
    expect(within(health).getByTestId('collection-partial')).toHaveTextContent('Partial hours1');
    expect(within(health).getByTestId('collection-failed')).toHaveTextContent('Failed hours1');
    expect(within(health).getByTestId('collection-unmapped')).toHaveTextContent(
      'Unmapped namespaces2',
    );
    expect(within(health).getByTestId('collection-last-error')).toHaveTextContent(ERROR);
    expect(within(health).queryByTestId('collection-gap')).not.toBeInTheDocument();

    // The 48 hours, oldest first, each saying its state.
    const strip = within(screen.getByTestId('hour-strip')).getAllByRole('listitem');
    expect(strip).toHaveLength(48);
    expect(strip.at(-1)).toHaveAccessibleName('2 Dec 2026, 11:00 UTC: complete');
    expect(strip.at(-3)).toHaveAccessibleName('2 Dec 2026, 09:00 UTC: failed');
    expect(strip.at(-6)).toHaveAccessibleName('2 Dec 2026, 06:00 UTC: partial, 30 minutes');

    // The hours needing attention, then all of them.
    expect(cells('Collected hours').map((r) => r.slice(0, 6))).toEqual([
      ['Hour (UTC)', 'State', 'Minutes covered', 'Namespaces', 'Unmapped', 'Tries'],
      ['2 Dec 2026, 09:00 UTC', 'failed', '0', '0', '0', '2'],
      ['2 Dec 2026, 06:00 UTC', 'partial', '30', '12', '2', '2'],
    ]);
    expect(cells('Collected hours')[1]).toContain(ERROR);
    await userEvent.setup().click(screen.getByRole('radio', { name: 'All hours (48)' }));
    expect(cells('Collected hours')).toHaveLength(49);

    expect(cells('Unmapped namespaces')).toEqual([
      ['Namespace', 'Why unmapped', 'Hours', 'CPU core-hours', 'Last hour (UTC)'],
      ['kube-system', 'system namespace', '47', '93.5', '2 Dec 2026, 11:00 UTC'],
      [
        'fraud_detection',
        'no Hopsworks project of that name',
        '12',
        '4.25',
        '2 Dec 2026, 08:00 UTC',
      ],
    ]);
    expect(calls.map((c) => c.input)).toEqual([{ clusterId: EAST.clusterId }]);
  });

  it('warns of a gap in the collection', async () => {
    show({
      'clusters.collection': () => ({
        ...collection,
        health: {
          ...collection.health!,
          lastHour: '2026-12-02T05:00:00.000Z',
          hoursBehind: 6,
          gap: true,
        },
      }),
    });
    const gap = await screen.findByTestId('collection-gap');
    expect(gap).toHaveTextContent(
      'Nothing after 2 Dec 2026, 05:00 UTC has been collected: 6 completed hours not collected yet.',
    );
    expect(screen.getByTestId('collection-last-hour')).toHaveTextContent(
      '6 completed hours not collected yet.',
    );
  });

  it('collects now and says what the run did', async () => {
    const { calls } = show({
      'clusters.collectNow': () => ({
        clusters: [
          {
            clusterId: EAST.clusterId,
            name: 'us-east-1-prod',
            hours: 3,
            namespaces: 14,
            unmapped: 2,
            users: 9,
            partial: 1,
            error: null,
          },
        ],
      }),
    });
    await userEvent.setup().click(await screen.findByRole('button', { name: 'Collect now' }));
    expect(await screen.findByTestId('collect-outcome')).toHaveTextContent(
      'us-east-1-prod: 3 hours collected — 14 namespaces, 2 unmapped, 9 people, 1 partial.',
    );
    expect(calls.filter((c) => c.path === 'clusters.collectNow').map((c) => c.input)).toEqual([
      { clusterId: EAST.clusterId },
    ]);
    // The health is read again after the run.
    await waitFor(() =>
      expect(calls.filter((c) => c.path === 'clusters.collection')).toHaveLength(2),
    );
  });

  it('shows why a run could not collect: a failure, or another server already collecting', async () => {
    show({
      'clusters.collectNow': () => ({
        clusters: [
          {
            clusterId: EAST.clusterId,
            name: 'us-east-1-prod',
            hours: 0,
            namespaces: 0,
            unmapped: 0,
            users: 0,
            partial: 0,
            error: ERROR,
          },
        ],
      }),
    });
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Collect now' }));
    expect(await screen.findByTestId('collect-outcome')).toHaveTextContent(
      `us-east-1-prod: ${ERROR}`,
    );

    show({
      'clusters.collectNow': () => {
        throw apiError(
          'CONFLICT',
          'Usage of us-east-1-prod is being collected by another server right now; try again in a minute.',
        );
      },
    });
    await user.click((await screen.findAllByRole('button', { name: 'Collect now' })).at(-1)!);
    expect(
      await screen.findByText(
        'Usage of us-east-1-prod is being collected by another server right now; try again in a minute.',
      ),
    ).toBeInTheDocument();
  });

  it('says a cluster without an OpenCost URL is not collected, and asks nothing', async () => {
    const { calls } = show({}, null);
    expect(await screen.findByText('Usage of this cluster is not collected')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Collect now' })).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });
});

describe('the clusters list: collection in a word', () => {
  it('says up to date, hours behind, a gap, failed hours or never collected', () => {
    const health = collection.health!;
    const cases: [Partial<typeof health>, string][] = [
      [{ failedHours: 0 }, 'usage up to date'],
      [{ failedHours: 0, hoursBehind: 2 }, 'usage 2 h behind'],
      [{ hoursBehind: 6, gap: true }, 'usage 6 h behind'],
      [{ failedHours: 3 }, '3 failed hours'],
      [{ lastHour: null, hoursBehind: null, gap: true }, 'usage never collected'],
    ];
    for (const [change, text] of cases) {
      const { unmount } = renderPage(<CollectionBadge health={{ ...health, ...change }} />);
      expect(screen.getByTestId('collection-badge')).toHaveTextContent(text);
      unmount();
    }
  });
});
