// The owner's invites not used yet: copy a link made on this page, resend (a new link), revoke.
import { Badge, Button, CopyButton, Group, Stack, Table, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { CardTable } from '../../components/data-table.tsx';
import { DateTime } from '../../components/dates.tsx';
import { ActionError, Empty, ErrorState, Loading } from '../../components/states.tsx';
import { notifyDone } from '../../lib/notify.ts';
import { useTRPC } from '../../lib/trpc.ts';
import type { OnInviteLink } from './use-invite-links.ts';

export function OpenInvites({
  links,
  onLink,
}: {
  links: ReadonlyMap<string, string>;
  onLink: OnInviteLink;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invites = useQuery(trpc.invites.list.queryOptions({}));
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.invites.list.pathKey() });
  const resend = useMutation(
    trpc.invites.resend.mutationOptions({
      onSuccess: async ({ invite, inviteUrl }) => {
        onLink(invite, inviteUrl);
        notifyDone(`A new link for ${invite.email} is ready; the old one no longer works.`);
        await refresh();
      },
    }),
  );
  const revoke = useMutation(trpc.invites.revoke.mutationOptions({ onSuccess: refresh }));

  if (invites.isPending) return <Loading label="Loading invites…" />;
  if (invites.isError)
    return <ErrorState error={invites.error} onRetry={() => void invites.refetch()} />;
  if (invites.data.length === 0) {
    return (
      <Empty title="No open invites">Invites you create appear here until they are used.</Empty>
    );
  }
  return (
    <Stack gap="xs">
      <ActionError error={resend.error} />
      <CardTable label="Open invites">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>E-mail</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Expires</Table.Th>
            <Table.Th ta="right">Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invites.data.map((invite) => {
            const url = links.get(invite.id);
            const resending = resend.isPending && resend.variables?.inviteId === invite.id;
            const resendThis = () => resend.mutate({ inviteId: invite.id });
            return (
              <Table.Tr key={invite.id}>
                <Table.Td style={{ overflowWrap: 'anywhere' }}>{invite.email}</Table.Td>
                <Table.Td data-label="Role">{invite.projectRole}</Table.Td>
                <Table.Td data-label="Expires">
                  {invite.status === 'expired' ? (
                    <Badge color="orange" variant="light">
                      expired
                    </Badge>
                  ) : (
                    <DateTime at={invite.expiresAt} />
                  )}
                </Table.Td>
                <Table.Td data-label="Actions">
                  <Group gap={6} justify="flex-end" wrap="nowrap">
                    {url ? (
                      <CopyButton value={url}>
                        {({ copied, copy }) => (
                          <Button size="xs" variant="light" onClick={copy}>
                            {copied ? 'Copied' : 'Copy link'}
                          </Button>
                        )}
                      </CopyButton>
                    ) : (
                      <Button
                        size="xs"
                        variant="light"
                        title="Links are shown once; this issues a new one"
                        loading={resending}
                        onClick={resendThis}
                      >
                        {invite.status === 'expired' ? 'Resend' : 'New link'}
                      </Button>
                    )}
                    {url && (
                      <Button size="xs" variant="subtle" loading={resending} onClick={resendThis}>
                        Resend
                      </Button>
                    )}
                    <ConfirmAction
                      label="Revoke"
                      title="Revoke this invite?"
                      onConfirm={() => revoke.mutateAsync({ inviteId: invite.id })}
                    >
                      The link sent to {invite.email} will stop working. You can invite them again
                      later.
                    </ConfirmAction>
                  </Group>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </CardTable>
      <Text size="xs" c="dimmed">
        A link is shown only when it is made. To share an invite again, resend it: that makes a new
        link and the old one stops working.
      </Text>
    </Stack>
  );
}
