// The owner hands the account to one of its members (team.transferOwnership): pick the member,
// then a confirmation that says what moves with the account and that the owner becomes a member.
// The rules (who may receive it) are the API's; its refusal shows in the dialog as its sentence.
import { formatUsd } from '@hops/api/decimal';
import { Card, Group, List, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { useMe } from '../../lib/me-context.ts';
import { notifyDone } from '../../lib/notify.ts';
import { useRefreshAll } from '../../lib/refresh.ts';
import { useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

type Team = RouterOutputs['team']['get'];

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function TransferOwnership({ team }: { team: Team }) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefreshAll();
  const [memberId, setMemberId] = useState<string | null>(null);
  const invites = useQuery(trpc.invites.list.queryOptions({}));
  const balance = useQuery({
    ...trpc.credits.balance.queryOptions({}),
    enabled: me.billingMode === 'prepaid',
  });
  const transfer = useMutation(
    trpc.team.transferOwnership.mutationOptions({
      onSuccess: async (_result, input) => {
        const heir = team.members.find((m) => m.id === input.memberId);
        notifyDone(`${heir?.name ?? heir?.email ?? 'The member'} now owns this account.`);
        await refresh();
      },
    }),
  );

  const heir = team.members.find((m) => m.id === memberId) ?? null;
  const heirName = heir ? (heir.name ?? heir.email) : '';
  const others = team.members.length - (heir ? 1 : 0);
  const openInvites = invites.data?.length ?? 0;

  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={2} size="h4">
          Transfer ownership
        </Title>
        <Text size="sm">
          Hand this account to one of its members. They become its owner and pay for it; you stay on
          the team as a member.
        </Text>
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label="New owner"
            placeholder="Choose a member"
            data={team.members.map((m) => ({
              value: m.id,
              label: m.name ? `${m.name} (${m.email})` : m.email,
            }))}
            value={memberId}
            onChange={setMemberId}
            allowDeselect={false}
            style={{ flex: '1 1 240px', maxWidth: 420 }}
          />
          <ConfirmAction
            label="Transfer ownership"
            title={heir ? `Make ${heirName} the owner?` : 'Transfer ownership'}
            confirmLabel="Transfer ownership"
            color="orange"
            buttonProps={{ size: 'sm' }}
            disabledReason={!heir && 'Choose the member who becomes the owner first.'}
            onConfirm={() => transfer.mutateAsync({ memberId: heir!.id })}
          >
            {heir && (
              <Stack gap="xs">
                <Text size="sm">
                  {heirName} ({heir.email}) becomes the owner of this account, and you become a
                  member of it. With the account go:
                </Text>
                <List size="sm" spacing={4}>
                  <List.Item>
                    its members:{' '}
                    {others > 0
                      ? `${count(others, 'other member', 'other members')} ${others === 1 ? 'joins' : 'join'} ${heirName}, and so do you;`
                      : 'you, now as a member;'}
                  </List.Item>
                  <List.Item>
                    its open invites:{' '}
                    {openInvites > 0
                      ? `${count(openInvites, 'invite', 'invites')}, which ${heirName} can resend or revoke;`
                      : 'none;'}
                  </List.Item>
                  <List.Item>
                    its cluster:{' '}
                    {me.cluster
                      ? `everyone stays on ${me.cluster.name};`
                      : 'none yet, and nobody is moved;'}
                  </List.Item>
                  <List.Item>
                    its billing: {me.billingMode === 'prepaid' ? 'prepaid' : 'postpaid'}, with the
                    card and Stripe customer on file, if any;
                  </List.Item>
                  <List.Item>
                    its credits
                    {balance.data
                      ? `: ${formatUsd(balance.data.available)} available.`
                      : ', if any.'}
                  </List.Item>
                </List>
                <Text size="sm">
                  Usage from now on is billed to {heirName}; usage so far stays billed to you. You
                  lose the owner&apos;s rights (invites, billing, removing members); only {heirName}{' '}
                  can hand the account back.
                </Text>
              </Stack>
            )}
          </ConfirmAction>
        </Group>
      </Stack>
    </Card>
  );
}
