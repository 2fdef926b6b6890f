// A cluster's users against its capacity; over capacity is shown, never hidden by the bar's end.
import { Badge, Group, Progress, Stack, Text } from '@mantine/core';

function capacityColor(current: number, max: number): string {
  if (current > max) return 'red';
  if (current * 10 >= max * 9) return 'orange';
  return 'teal';
}

export function CapacityBar({
  currentUsers,
  maxUsers,
  overCapacity,
}: {
  currentUsers: number;
  maxUsers: number;
  overCapacity: boolean;
}) {
  const percent = maxUsers > 0 ? Math.round((currentUsers * 1000) / maxUsers) / 10 : 0;
  return (
    <Stack gap={4} miw={160}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm">
          {currentUsers} / {maxUsers} users
        </Text>
        {overCapacity ? (
          <Badge color="red" size="sm" variant="filled">
            over capacity by {currentUsers - maxUsers}
          </Badge>
        ) : (
          <Text size="xs" c="dimmed">
            {percent}%
          </Text>
        )}
      </Group>
      <Progress
        value={Math.min(100, percent)}
        color={capacityColor(currentUsers, maxUsers)}
        striped={overCapacity}
        aria-label={`${currentUsers} of ${maxUsers} users`}
      />
    </Stack>
  );
}
