// The frame of the pages seen before signing in (/login, /invite/…).
import { Box, Center, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export function PublicFrame({ children, width = 460 }: { children: ReactNode; width?: number }) {
  return (
    <Center mih="100vh" p="md">
      <Stack w="100%" maw={width} gap="md">
        <Box ta="center">
          <Text fw={800} size="xl" className="brand">
            hops
          </Text>
          <Text size="sm" c="dimmed">
            Managed Hopsworks
          </Text>
        </Box>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          {children}
        </Paper>
      </Stack>
    </Center>
  );
}
