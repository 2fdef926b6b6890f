// An admin deletes a person's account (SPEC §11), with a reason. Whether it may be deleted (an
// owner with members, an unpaid invoice) is the API's rule: its refusal shows in the dialog.
import { Card, Group, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ConfirmAction } from '../../../components/confirm-action.tsx';
import { useMe } from '../../../lib/me-context.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import type { UserDetail } from './types.ts';

export function DeleteUser({ detail }: { detail: UserDetail }) {
  const { user } = detail;
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefreshAll();
  const remove = useMutation(trpc.admin.users.delete.mutationOptions({ onSuccess: refresh }));
  if (user.status === 'deleted') return null;
  return (
    <Card withBorder>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Text size="sm" style={{ flex: '1 1 260px' }}>
          Deleting the account ends its sign-in for good, withdraws its invites, takes it off its
          cluster and cancels a Stripe subscription with a final invoice. Usage, ledger and audit
          rows are kept.
        </Text>
        <ConfirmAction
          label="Delete account"
          title={`Delete the account of ${user.email}?`}
          confirmLabel="Delete account"
          reason={{ label: 'Reason' }}
          disabledReason={
            user.id === me.id &&
            'You cannot delete your own account from the admin pages; use Settings.'
          }
          onConfirm={(reason) => remove.mutateAsync({ userId: user.id, reason })}
        >
          {user.email} can no longer sign in, and the address is freed for a new account. A mail
          tells them. This cannot be undone.
        </ConfirmAction>
      </Group>
    </Card>
  );
}
