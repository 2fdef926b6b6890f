// The user's record as stored: id, sign-up, feature flags.
import { Card, Stack, Text, Title } from '@mantine/core';
import { Person } from '../../../components/person.tsx';
import { formatDateTime } from '../../../lib/dates.ts';
import type { UserDetail } from './types.ts';

export function DetailsCard({ user }: { user: UserDetail['user'] }) {
  return (
    <Card withBorder>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Details
        </Title>
        <Person name={user.name} email={user.email} />
        <Text size="xs" c="dimmed" className="mono">
          id {user.id}
        </Text>
        <Text size="xs" c="dimmed">
          Signed up {formatDateTime(user.createdAt)}
        </Text>
        <Text size="xs" c="dimmed" className="mono" style={{ overflowWrap: 'anywhere' }}>
          feature flags {JSON.stringify(user.featureFlags)}
        </Text>
      </Stack>
    </Card>
  );
}
