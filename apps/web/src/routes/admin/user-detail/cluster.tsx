// Which cluster the user's account is on: assign, move or unassign the whole account (owners;
// a member's page points to their owner's).
import { Anchor, Group, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { CheckedAssignButton } from '../../../components/assign-check.tsx';
import { ConfirmAction } from '../../../components/confirm-action.tsx';
import { ErrorState } from '../../../components/states.tsx';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import type { UserDetail } from './types.ts';

export function ClusterActions({ detail }: { detail: UserDetail }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const unassign = useMutation(trpc.clusters.unassign.mutationOptions({ onSuccess: refresh }));
  const [target, setTarget] = useState<string | null>(null);
  const user = detail.user;
  const current = detail.cluster;

  if (user.role === 'member') {
    return (
      <Text size="sm" c="dimmed">
        Members are always on their owner&apos;s cluster. To move this person, move the account of{' '}
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(detail.account.owner.id)}`}>
          {detail.account.owner.email}
        </Anchor>
        .
      </Text>
    );
  }
  const options = [
    { value: 'auto', label: 'Automatic (least loaded with room)' },
    ...(clusters.data ?? [])
      .filter((c) => c.id !== current?.id)
      .map((c) => ({
        value: c.id,
        label: `${c.name} · ${c.currentUsers}/${c.maxUsers} · ${c.status}`,
      })),
  ];
  const people = detail.account.members.length + 1;
  return (
    <Stack gap="xs">
      {clusters.isError && <ErrorState error={clusters.error} />}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label={current ? 'Move the account to' : 'Assign the account to'}
          placeholder="Pick a cluster"
          data={options}
          value={target}
          onChange={setTarget}
          style={{ flex: '1 1 240px' }}
          aria-label="Target cluster"
        />
        {/* Checked first (clusters.previewAssign): a refusal is a sentence, no Confirm; a
            cluster in maintenance is a warning in the confirmation. */}
        <CheckedAssignButton
          label={current ? 'Move' : 'Assign'}
          input={target ? { userId: user.id, clusterId: target } : null}
          onDone={() => setTarget(null)}
        />
        {current && (
          <ConfirmAction
            label="Unassign"
            title="Take this account off its cluster?"
            onConfirm={() => unassign.mutateAsync({ userId: user.id })}
          >
            All {people} {people === 1 ? 'person' : 'people'} of {user.email}&apos;s account lose
            access to {current.name}.
          </ConfirmAction>
        )}
      </Group>
    </Stack>
  );
}
