// The account's people: the owner first, then the members (owners may remove them).
import { Badge, Table, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { CardTable } from '../../components/data-table.tsx';
import { DateTime, LocalDay } from '../../components/dates.tsx';
import { Person } from '../../components/person.tsx';
import { useMe } from '../../lib/me-context.ts';
import { useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

type Team = RouterOutputs['team']['get'];

export function Members({ team, canRemove }: { team: Team; canRemove: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const remove = useMutation(
    trpc.team.removeMember.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.team.get.queryKey() }),
    }),
  );
  return (
    <CardTable label="Team members">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Person</Table.Th>
          <Table.Th>Role</Table.Th>
          <Table.Th>Joined</Table.Th>
          <Table.Th>Last sign-in</Table.Th>
          {canRemove && <Table.Th ta="right">Actions</Table.Th>}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        <Table.Tr>
          <Table.Td>
            <Person name={team.owner.name} email={team.owner.email} />
            {team.owner.id === me.id && (
              <Text size="xs" c="teal">
                you
              </Text>
            )}
          </Table.Td>
          <Table.Td data-label="Role">
            <Badge variant="light">owner</Badge>
          </Table.Td>
          <Table.Td data-label="Joined">
            <LocalDay at={team.owner.joinedAt} />
          </Table.Td>
          <Table.Td data-label="Last sign-in">
            <DateTime at={team.owner.lastLoginAt} />
          </Table.Td>
          {canRemove && <Table.Td />}
        </Table.Tr>
        {team.members.map((member) => (
          <Table.Tr key={member.id}>
            <Table.Td>
              <Person name={member.name} email={member.email} />
              {member.id === me.id && (
                <Text size="xs" c="teal">
                  you
                </Text>
              )}
            </Table.Td>
            <Table.Td data-label="Role">
              <Badge variant="light" color="gray">
                member
              </Badge>
            </Table.Td>
            <Table.Td data-label="Joined">
              <LocalDay at={member.joinedAt} />
            </Table.Td>
            <Table.Td data-label="Last sign-in">
              <DateTime at={member.lastLoginAt} />
            </Table.Td>
            {canRemove && (
              <Table.Td ta="right" data-label="Actions">
                <ConfirmAction
                  label="Remove"
                  title={`Remove ${member.name ?? member.email}?`}
                  onConfirm={() => remove.mutateAsync({ memberId: member.id })}
                >
                  {member.email} leaves your account and loses access to its cluster. Their usage is
                  no longer billed to you; their past usage stays in your history.
                </ConfirmAction>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </CardTable>
  );
}
