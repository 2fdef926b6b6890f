// The link just made, to copy and send.
import { Button, Card, CopyButton, Group, Stack, Text, TextInput } from '@mantine/core';

export function InviteLink({ url, email }: { url: string; email: string }) {
  return (
    <Card withBorder bg="var(--mantine-primary-color-light)" data-testid="invite-link">
      <Stack gap="xs">
        <Text size="sm">
          Send this link to <b>{email}</b>. It works once, for 7 days, and only for that e-mail.
        </Text>
        <Group gap="xs" wrap="nowrap" align="flex-end">
          <TextInput
            readOnly
            value={url}
            aria-label="Invite link"
            style={{ flex: 1, minWidth: 0 }}
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton value={url}>
            {({ copied, copy }) => (
              <Button onClick={copy} color={copied ? 'teal' : 'dark'} variant="filled">
                {copied ? 'Copied' : 'Copy link'}
              </Button>
            )}
          </CopyButton>
        </Group>
      </Stack>
    </Card>
  );
}
