// /team: the members of my account. Owners invite (and copy, resend or revoke invite links) and
// remove members, or hand the account to a member; members see their owner and teammates and may
// leave. The sections are in team/.
import { Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { PageHeader } from '../components/page-header.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { useTRPC } from '../lib/trpc.ts';
import { InviteForm } from './team/invite-form.tsx';
import { InviteLink } from './team/invite-link.tsx';
import { useInviteLinks } from './team/use-invite-links.ts';
import { LeaveTeam } from './team/leave-team.tsx';
import { Members } from './team/members.tsx';
import { OpenInvites } from './team/open-invites.tsx';
import { TransferOwnership } from './team/transfer-ownership.tsx';

export default function TeamPage() {
  const trpc = useTRPC();
  const team = useQuery(trpc.team.get.queryOptions());
  const { links, latest, onLink } = useInviteLinks();

  if (team.isPending) return <Loading label="Loading your team…" />;
  if (team.isError) return <ErrorState error={team.error} onRetry={() => void team.refetch()} />;
  const data = team.data;

  return (
    <>
      <PageHeader
        title="Team"
        description={
          data.isOwner
            ? 'The people whose usage is billed to your account.'
            : `You are on ${data.owner.name ?? data.owner.email}'s team.`
        }
      />
      <Stack gap="lg">
        {data.isOwner && (
          <>
            <InviteForm onLink={onLink} />
            {latest && <InviteLink url={latest.url} email={latest.email} />}
            <Stack gap="xs">
              <Title order={2} size="h4">
                Open invites
              </Title>
              <OpenInvites links={links} onLink={onLink} />
            </Stack>
          </>
        )}
        <Stack gap="xs">
          <Title order={2} size="h4">
            Members
          </Title>
          {data.members.length === 0 && data.isOwner ? (
            <Empty title="No members yet">
              Invite someone above; once they accept, their usage is billed to your account.
            </Empty>
          ) : (
            <Members team={data} canRemove={data.isOwner} />
          )}
        </Stack>
        {data.isOwner && data.members.length > 0 && <TransferOwnership team={data} />}
        {!data.isOwner && <LeaveTeam team={data} />}
      </Stack>
    </>
  );
}
