// The admin actions on a user (SPEC §3.5, §12): suspend or reactivate, sign out everywhere, admin
// rights, billing mode, and the account's cluster. Each asks first.
import { Card, Group, Stack, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { ConfirmAction } from '../../../components/confirm-action.tsx';
import { useMe } from '../../../lib/me-context.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import { ClusterActions } from './cluster.tsx';
import { SignOutEverywhere } from './sign-out-everywhere.tsx';
import type { UserDetail } from './types.ts';

type User = UserDetail['user'];

function StatusAction({ user }: { user: User }) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefreshAll();
  const setStatus = useMutation(trpc.admin.users.setStatus.mutationOptions({ onSuccess: refresh }));
  if (user.status === 'active') {
    return (
      <ConfirmAction
        label="Suspend"
        title={`Suspend ${user.email}?`}
        reason={{ label: 'Reason' }}
        disabledReason={
          user.id === me.id && 'You cannot suspend your own account. Ask another admin.'
        }
        onConfirm={(reason) =>
          setStatus.mutateAsync({ userId: user.id, status: 'suspended', reason })
        }
      >
        Every session of theirs ends at once, and they can no longer sign in or use the API until an
        admin reactivates them.
      </ConfirmAction>
    );
  }
  return (
    <ConfirmAction
      label="Reactivate"
      title={`Reactivate ${user.email}?`}
      color="teal"
      reason={{ label: 'Reason' }}
      onConfirm={(reason) => setStatus.mutateAsync({ userId: user.id, status: 'active', reason })}
    >
      They can sign in and use hops again.
    </ConfirmAction>
  );
}

function AdminAction({ user }: { user: User }) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefreshAll();
  const setAdmin = useMutation(trpc.admin.users.setAdmin.mutationOptions({ onSuccess: refresh }));
  return user.isAdmin ? (
    <ConfirmAction
      label="Revoke admin"
      title={`Revoke admin rights of ${user.email}?`}
      disabledReason={
        user.id === me.id && 'You cannot remove your own admin rights. Ask another admin to do it.'
      }
      onConfirm={() => setAdmin.mutateAsync({ userId: user.id, isAdmin: false })}
    >
      They keep their account but lose every admin page and action.
    </ConfirmAction>
  ) : (
    <ConfirmAction
      label="Make admin"
      title={`Make ${user.email} an admin?`}
      color="grape"
      onConfirm={() => setAdmin.mutateAsync({ userId: user.id, isAdmin: true })}
    >
      Admins see every account and can change users, clusters and credits.
    </ConfirmAction>
  );
}

function BillingModeAction({ user }: { user: User }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const setMode = useMutation(
    trpc.admin.users.setBillingMode.mutationOptions({ onSuccess: refresh }),
  );
  const target = user.billingMode === 'prepaid' ? 'postpaid' : 'prepaid';
  return (
    <ConfirmAction
      label={`Switch to ${target}`}
      title={`Switch ${user.email} to ${target}?`}
      color="blue"
      onConfirm={() => setMode.mutateAsync({ userId: user.id, billingMode: target })}
    >
      {target === 'prepaid'
        ? 'From now on usage is paid from credits, free credits first.'
        : 'From now on usage is billed afterwards to the payment method on file.'}
    </ConfirmAction>
  );
}

export function UserActions({ detail }: { detail: UserDetail }) {
  const { user } = detail;
  return (
    <Card withBorder>
      <Stack gap="sm">
        <Title order={3} size="h5">
          Actions
        </Title>
        <Group gap="xs" wrap="wrap">
          <StatusAction user={user} />
          <SignOutEverywhere user={user} />
          <AdminAction user={user} />
          {user.role === 'owner' && <BillingModeAction user={user} />}
        </Group>
        <Title order={4} size="h6" mt="xs">
          Cluster
        </Title>
        <ClusterActions detail={detail} />
      </Stack>
    </Card>
  );
}
