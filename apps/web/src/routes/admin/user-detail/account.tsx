// The user's account: whose member they are, or the members of theirs.
import { Anchor, Card, Stack, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router';
import { StatusBadge } from '../../../components/badges.tsx';
import { formatDateTime } from '../../../lib/dates.ts';
import type { UserDetail } from './types.ts';

export function AccountCard({ detail }: { detail: UserDetail }) {
  const { account, user } = detail;
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={3} size="h5">
          Account
        </Title>
        {user.role === 'member' && (
          <Text size="sm">
            Member of{' '}
            <Anchor component={Link} to={`/admin/users/${encodeURIComponent(account.owner.id)}`}>
              {account.owner.name ?? account.owner.email}
            </Anchor>
            &apos;s account.
          </Text>
        )}
        {account.members.length === 0 ? (
          <Text size="sm" c="dimmed">
            {user.role === 'owner' ? 'A stand-alone account: no members.' : ''}
          </Text>
        ) : (
          <div className="table-scroll">
            <Table verticalSpacing={4} aria-label="Account members">
              <Table.Tbody>
                {account.members.map((member) => (
                  <Table.Tr key={member.id}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/admin/users/${encodeURIComponent(member.id)}`}
                        size="sm"
                      >
                        {member.name ?? member.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={member.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(member.lastLoginAt)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Stack>
    </Card>
  );
}
