import { Stack, Text } from '@mantine/core';

/** A name over its e-mail, or the e-mail alone. */
export function Person({ name, email }: { name: string | null | undefined; email: string }) {
  return (
    <Stack gap={0} style={{ minWidth: 0 }}>
      <Text size="sm" fw={500} truncate>
        {name ?? email}
      </Text>
      {name && (
        <Text size="xs" c="dimmed" truncate>
          {email}
        </Text>
      )}
    </Stack>
  );
}
