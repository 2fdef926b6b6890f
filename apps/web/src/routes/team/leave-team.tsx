// A member leaving their owner's account, after saying what they lose.
import { Card, Group, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { notifyDone } from '../../lib/notify.ts';
import { useRefreshAll } from '../../lib/refresh.ts';
import { useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

type Team = RouterOutputs['team']['get'];

export function LeaveTeam({ team }: { team: Team }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const leave = useMutation(
    trpc.team.leave.mutationOptions({
      onSuccess: async () => {
        notifyDone('You left the team.');
        await refresh();
      },
    }),
  );
  return (
    <Card withBorder>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Text size="sm" style={{ flex: '1 1 260px' }}>
          You are a member of the account of {team.owner.name ?? team.owner.email}. Leaving makes
          you a stand-alone account: you lose access to the team&apos;s cluster.
        </Text>
        <ConfirmAction
          label="Leave team"
          title="Leave this team?"
          onConfirm={() => leave.mutateAsync()}
        >
          You will no longer be part of {team.owner.email}&apos;s account and lose access to its
          cluster. To come back you need a new invite.
        </ConfirmAction>
      </Group>
    </Card>
  );
}
