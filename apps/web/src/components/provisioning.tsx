// People's accounts on their Hopsworks cluster (SPEC §9), as the provisioning jobs say: each
// change's state, attempts, last error and the Hopsworks username, with Retry on a failed one. The
// admin user page lists a person's clusters, the admin cluster page the people on it.
import { Anchor, Badge, Stack, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { ActionButton } from './action-button.tsx';
import { DataTable, useDataTable, type Column } from './data-table.tsx';
import { DateTime } from './dates.tsx';
import { Person } from './person.tsx';
import { ActionError, Empty } from './states.tsx';
import { notifyDone } from '../lib/notify.ts';
import { useRefreshAll } from '../lib/refresh.ts';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';

export type ProvisioningItem = RouterOutputs['clusters']['provisioning'][number];
type State = ProvisioningItem['state'];
type Reason = ProvisioningItem['reason'];

const STATE_COLORS: Record<State, string> = {
  pending: 'blue',
  done: 'teal',
  failed: 'red',
  superseded: 'gray',
  skipped: 'gray',
};

const STATE_HINTS: Record<State, string> = {
  pending: 'Waiting to be carried out, or being retried',
  done: 'Carried out on Hopsworks',
  failed: 'Gave up after its attempts; retry it once the cause is fixed',
  superseded: 'Overtaken by a later change of this person on this cluster',
  skipped: 'Nothing to do on Hopsworks',
};

/** Why the change was asked for, as words. */
const REASONS: Record<Reason, string> = {
  assign: 'assigned',
  move: 'moved',
  join: 'joined a team',
  unassign: 'unassigned',
  remove: 'removed from a team',
  leave: 'left a team',
  suspend: 'suspended',
  reactivate: 'reactivated',
  delete: 'account deleted',
  spending_cap: 'spending cap reached',
  spending_cap_lifted: 'spending cap lifted',
};

export function ProvisioningStateBadge({ state }: { state: State }) {
  return (
    <Badge variant="light" color={STATE_COLORS[state]} title={STATE_HINTS[state]}>
      {state}
    </Badge>
  );
}

const changeText = (p: ProvisioningItem) => `${p.action} (${REASONS[p.reason]})`;

/**
 * A table of provisioning jobs, newest first. `by`: the column that names whose or where (a
 * cluster's page lists people, a person's page lists clusters). Retry is offered on a failed job
 * that is the newest of its person on its cluster (an older one was overtaken; the API says so).
 */
export function ProvisioningTable({
  rows,
  by,
  label,
  empty,
}: {
  rows: readonly ProvisioningItem[];
  by: 'person' | 'cluster';
  label: string;
  empty: { title: string; text?: string };
}) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const retry = useMutation(
    trpc.clusters.retryProvisioning.mutationOptions({
      onSuccess: async (job) => {
        notifyDone(`Provisioning of ${job.email} on ${job.cluster} is tried again.`);
        await refresh();
      },
    }),
  );
  // The newest job of each person on each cluster: rows come newest first.
  const newest = useMemo(() => {
    const seen = new Set<string>();
    const ids = new Set<string>();
    for (const p of rows) {
      const key = `${p.userId}\n${p.clusterId}`;
      if (!seen.has(key)) ids.add(p.id);
      seen.add(key);
    }
    return ids;
  }, [rows]);
  const columns = useMemo<Column<ProvisioningItem>[]>(
    () => [
      by === 'person'
        ? {
            id: 'person',
            header: 'Person',
            text: (p) => p.email,
            render: (p) => (
              <Anchor component={Link} to={`/admin/users/${encodeURIComponent(p.userId)}`}>
                <Person name={null} email={p.email} />
              </Anchor>
            ),
            compare: (a, b) => a.email.localeCompare(b.email),
          }
        : {
            id: 'cluster',
            header: 'Cluster',
            text: (p) => p.cluster,
            render: (p) => (
              <Anchor component={Link} to={`/admin/clusters/${encodeURIComponent(p.clusterId)}`}>
                {p.cluster}
              </Anchor>
            ),
            compare: (a, b) => a.cluster.localeCompare(b.cluster),
          },
      {
        id: 'state',
        header: 'State',
        text: (p) => p.state,
        // When it last changed, under its state: a column of its own does not fit beside the
        // error. Inline, so a card puts both on the right like its other figures.
        render: (p) => (
          <>
            <ProvisioningStateBadge state={p.state} />
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              <DateTime at={p.updatedAt} />
            </Text>
          </>
        ),
        compare: (a, b) => a.state.localeCompare(b.state),
      },
      { id: 'change', header: 'Change', text: changeText },
      {
        id: 'attempts',
        header: 'Tries',
        text: (p) => String(p.attempts),
        align: 'right',
        compare: (a, b) => a.attempts - b.attempts,
      },
      {
        id: 'username',
        header: 'Username',
        text: (p) => p.hopsworksUsername ?? '—',
      },
      {
        id: 'error',
        header: 'Last error',
        text: (p) => p.lastError ?? '—',
        render: (p) =>
          p.lastError ? (
            <Text size="sm" c="red" className="cell-note">
              {p.lastError}
            </Text>
          ) : (
            '—'
          ),
      },
      {
        id: 'actions',
        header: 'Actions',
        text: () => '',
        align: 'right',
        render: (p) =>
          p.state === 'failed' && newest.has(p.id) ? (
            <ActionButton
              size="xs"
              variant="light"
              color="blue"
              loading={retry.isPending && retry.variables.jobId === p.id}
              onClick={() => retry.mutate({ jobId: p.id })}
              aria-label={`Retry ${p.action} of ${p.email} on ${p.cluster}`}
            >
              Retry
            </ActionButton>
          ) : null,
      },
    ],
    [by, newest, retry],
  );
  const table = useDataTable({ columns, rows, getRowId: (p) => p.id });
  if (rows.length === 0) return <Empty title={empty.title}>{empty.text}</Empty>;
  return (
    <Stack gap="xs">
      <ActionError error={retry.error} />
      <DataTable table={table} label={label} />
    </Stack>
  );
}
