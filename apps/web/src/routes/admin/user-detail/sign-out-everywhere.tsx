// An admin signs a person out everywhere (SPEC §12): every session of theirs ends at once, with a
// reason for the audit log. On the admin's own account this session ends too: on to sign-in.
import { useMutation } from '@tanstack/react-query';
import { ConfirmAction } from '../../../components/confirm-action.tsx';
import { useMe } from '../../../lib/me-context.ts';
import { useRefreshAll } from '../../../lib/refresh.ts';
import { signOut } from '../../../lib/session.ts';
import { useTRPC } from '../../../lib/trpc.ts';
import type { UserDetail } from './types.ts';

export function SignOutEverywhere({
  user,
}: {
  user: Pick<UserDetail['user'], 'id' | 'email' | 'status'>;
}) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefreshAll();
  const own = user.id === me.id;
  const signOutEverywhere = useMutation(
    trpc.admin.users.signOutEverywhere.mutationOptions({
      onSuccess: () => (own ? signOut('/login') : refresh()),
    }),
  );
  if (user.status === 'deleted') return null;
  return (
    <ConfirmAction
      label="Sign out everywhere"
      title={`Sign ${user.email} out everywhere?`}
      color="orange"
      reason={{ label: 'Reason' }}
      onConfirm={(reason) => signOutEverywhere.mutateAsync({ userId: user.id, reason })}
    >
      {own
        ? 'Every session of yours ends at once, this one included; you sign in again afterwards.'
        : `Every session of ${user.email} ends at once, in every browser. They can sign in again.`}
    </ConfirmAction>
  );
}
