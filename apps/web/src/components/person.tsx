import { Stack, Text } from '@mantine/core';

/** A name over its e-mail, or the e-mail alone; long ones wrap rather than being cut. */
export function Person({ name, email }: { name: string | null | undefined; email: string }) {
  return (
    <Stack gap={0} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
      <Text size="sm" fw={500}>
        {name ?? email}
      </Text>
      {name && (
        <Text size="xs" c="dimmed">
          {email}
        </Text>
      )}
    </Stack>
  );
}
