// /admin/users/:id: one user with why they have their status, their account, cluster, credits,
// 30-day usage, (owners) billing, the account's spending cap, their accounts on Hopsworks, and
// every admin action of SPEC §3.5; each destructive one asks first. The sections are in
// user-detail/.
import { SimpleGrid, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { ErrorState, Loading } from '../../components/states.tsx';
import { useTRPC } from '../../lib/trpc.ts';
import { AccountCard } from './user-detail/account.tsx';
import { UserActions } from './user-detail/actions.tsx';
import { DeleteUser } from './user-detail/delete-user.tsx';
import { BillingCard } from './user-detail/billing.tsx';
import { GrantCredits } from './user-detail/credits.tsx';
import { DetailsCard } from './user-detail/details.tsx';
import { UserHeader } from './user-detail/header.tsx';
import { HopsworksCard } from './user-detail/hopsworks.tsx';
import { UserStats } from './user-detail/stats.tsx';
import { StatusNote } from './user-detail/status.tsx';
import { UsageCard } from './user-detail/usage.tsx';
import { SpendingCapCard } from '../billing/spending-cap.tsx';

export default function AdminUserPage() {
  const { id = '' } = useParams();
  const trpc = useTRPC();
  const detail = useQuery(trpc.admin.users.get.queryOptions({ userId: id }));
  if (detail.isPending) return <Loading label="Loading the user…" />;
  if (detail.isError)
    return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const d = detail.data;
  return (
    <>
      <UserHeader user={d.user} />
      <Stack gap="md">
        <StatusNote detail={d} />
        <UserStats detail={d} />
        <UserActions detail={d} />
        <DeleteUser detail={d} />
        <GrantCredits detail={d} />
        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <AccountCard detail={d} />
          <UsageCard detail={d} />
        </SimpleGrid>
        {/* A member pays through their owner, whose page shows the billing. */}
        {d.user.role === 'owner' && <BillingCard userId={d.user.id} />}
        <SpendingCapCard
          userId={d.user.id}
          editable={d.user.role === 'owner' && d.user.status !== 'deleted'}
          headingOrder={3}
          note={
            d.user.role === 'member'
              ? `The cap of ${d.account.owner.email}'s account, which pays for this member; set it on the owner's page.`
              : undefined
          }
        />
        <HopsworksCard userId={d.user.id} />
        <DetailsCard user={d.user} />
      </Stack>
    </>
  );
}
