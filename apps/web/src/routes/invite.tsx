// /invite/:token: what an invite link leads to (who invites, to what, until when), signing in to
// accept it, and a page of its own for each way an invite cannot be used. Opening the page, or
// coming back to it from the sign-in, never joins the team: only the Accept button does (SPEC
// §12), and why an invite cannot be used is said by the API when it is pressed.
import { sameEmail } from '@hops/api/schemas';
import { Alert, Button, List, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { PublicFrame } from '../components/public-frame.tsx';
import { ActionError, ErrorState, Loading } from '../components/states.tsx';
import { formatDateTime } from '../lib/dates.ts';
import { useRefreshAll } from '../lib/refresh.ts';
import { loginPath, signOut } from '../lib/session.ts';
import { errorCode, useTRPC, type Me, type RouterOutputs } from '../lib/trpc.ts';

type Preview = RouterOutputs['invites']['preview'];

function Outcome({
  testId,
  title,
  children,
}: {
  testId: string;
  title: string;
  children: ReactNode;
}) {
  return (
    <Stack gap="sm" data-testid={testId}>
      <Title order={1} size="h3">
        {title}
      </Title>
      {children}
    </Stack>
  );
}

function inviter(preview: Preview): string {
  return preview.ownerName ? `${preview.ownerName} (${preview.ownerEmail})` : preview.ownerEmail;
}

function Details({ preview }: { preview: Preview }) {
  return (
    <List size="sm" spacing={4}>
      <List.Item>
        <b>From:</b> {inviter(preview)}
      </List.Item>
      <List.Item>
        <b>For:</b> {preview.email}
      </List.Item>
      <List.Item>
        <b>Role in projects:</b> {preview.projectRole}
      </List.Item>
      <List.Item>
        <b>Valid until:</b> {formatDateTime(preview.expiresAt)}
      </List.Item>
    </List>
  );
}

function Accept({ token, preview }: { token: string; preview: Preview }) {
  const trpc = useTRPC();
  const refresh = useRefreshAll();
  const accept = useMutation(
    trpc.invites.accept.mutationOptions({
      // The success page is the refetched preview, now 'accepted' (see InviteBody).
      onSuccess: refresh,
    }),
  );
  return (
    <Outcome testId="invite-open" title={`Join ${preview.ownerName ?? preview.ownerEmail}'s team`}>
      <Text size="sm">
        {inviter(preview)} invites you to their hops account. Once you accept, your usage is billed
        to their account and you work on their cluster.
      </Text>
      <Details preview={preview} />
      <ActionError error={accept.error} />
      <Button onClick={() => accept.mutate({ token })} loading={accept.isPending}>
        Accept invite
      </Button>
    </Outcome>
  );
}

function InviteBody({ token, preview, me }: { token: string; preview: Preview; me: Me | null }) {
  const here = `/invite/${token}`;
  const isMember = me?.owner && sameEmail(me.owner.email, preview.ownerEmail);
  switch (preview.status) {
    case 'expired':
      return (
        <Outcome testId="invite-expired" title="This invite has expired">
          <Text size="sm">
            The invite for {preview.email} ran out on {formatDateTime(preview.expiresAt)}. Ask{' '}
            {preview.ownerEmail} to send you a new one.
          </Text>
        </Outcome>
      );
    case 'revoked':
      return (
        <Outcome testId="invite-revoked" title="This invite was withdrawn">
          <Text size="sm">
            {inviter(preview)} revoked this invite. Ask them for a new one if you should still join
            their team.
          </Text>
        </Outcome>
      );
    case 'accepted':
      if (me && isMember && sameEmail(me.email, preview.email)) {
        return (
          <Outcome testId="invite-joined" title="You are on the team">
            <Text size="sm">
              You are a member of {inviter(preview)}&apos;s account: your usage is billed to them
              {me.cluster ? `, and you work on ${me.cluster.name}` : ''}.
            </Text>
            <Button component={Link} to="/team">
              Go to your team
            </Button>
          </Outcome>
        );
      }
      return (
        <Outcome testId="invite-used" title="This invite has already been used">
          <Text size="sm">
            An invite link works only once. Ask {preview.ownerEmail} for a new one if you still need
            to join.
          </Text>
        </Outcome>
      );
    case 'open':
      if (!me) {
        return (
          <Outcome
            testId="invite-sign-in"
            title={`Join ${preview.ownerName ?? preview.ownerEmail}'s team`}
          >
            <Text size="sm">{inviter(preview)} invites you to their hops account.</Text>
            <Details preview={preview} />
            <Button component="a" href={loginPath({ invite: token, returnTo: here })}>
              Sign in to accept
            </Button>
            <Text size="xs" c="dimmed">
              Sign in as {preview.email}; the invite works only for that e-mail.
            </Text>
          </Outcome>
        );
      }
      if (!sameEmail(me.email, preview.email)) {
        return (
          <Outcome testId="invite-wrong-email" title="This invite is for someone else">
            <Text size="sm">
              This invite is for <b>{preview.email}</b>, but you are signed in as <b>{me.email}</b>.
              Sign in as {preview.email} to accept it.
            </Text>
            <Button
              onClick={() => void signOut(loginPath({ invite: token, returnTo: here }))}
              variant="light"
            >
              Sign out and sign in as {preview.email}
            </Button>
          </Outcome>
        );
      }
      return <Accept token={token} preview={preview} />;
  }
}

export default function InvitePage() {
  const { token = '' } = useParams();
  const trpc = useTRPC();
  const preview = useQuery(trpc.invites.preview.queryOptions({ token }));
  const me = useQuery({ ...trpc.me.get.queryOptions(), retry: false });
  const signedOut = me.isError && errorCode(me.error) === 'UNAUTHORIZED';

  let body: ReactNode;
  if (preview.isPending || (me.isPending && !preview.isError)) {
    body = <Loading label="Opening the invite…" />;
  } else if (preview.isError) {
    body =
      errorCode(preview.error) === 'NOT_FOUND' ? (
        <Outcome testId="invite-invalid" title="This invite link does not work">
          <Alert color="red">{preview.error.message}</Alert>
        </Outcome>
      ) : (
        <ErrorState error={preview.error} onRetry={() => void preview.refetch()} />
      );
  } else if (me.isError && !signedOut) {
    body = <ErrorState error={me.error} title="You cannot accept invites right now" />;
  } else {
    body = <InviteBody token={token} preview={preview.data} me={me.data ?? null} />;
  }
  return (
    <PublicFrame>
      {/* No text from the address is shown: a crafted link cannot put words in hops' mouth. */}
      <Stack gap="md">{body}</Stack>
    </PublicFrame>
  );
}
