// /team: the members of my account. Owners invite (and copy, resend or revoke invite links) and
// remove members; members see their owner and teammates and may leave.
import { zodResolver } from '@hookform/resolvers/zod';
import { email as emailSchema, projectRole } from '@hops/api/schemas';
import {
  Badge,
  Button,
  Card,
  CopyButton,
  Group,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { z } from 'zod';
import { ConfirmAction } from '../components/confirm-action.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { Person } from '../components/person.tsx';
import { ActionError, Empty, ErrorState, Loading } from '../components/states.tsx';
import { formatDateTime, formatDay } from '../lib/dates.ts';
import { useMe } from '../lib/me-context.ts';
import { notifyDone } from '../lib/notify.ts';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';

type Team = RouterOutputs['team']['get'];
type Invite = RouterOutputs['invites']['list'][number];

const ROLES = projectRole.options;

const inviteForm = z.object({ email: emailSchema, projectRole });
type InviteFormInput = z.input<typeof inviteForm>;
type InviteFormOutput = z.output<typeof inviteForm>;

/** A link to copy, with the button that copies it. */
export function InviteLink({ url, email }: { url: string; email: string }) {
  return (
    <Card withBorder bg="teal.0" data-testid="invite-link">
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

function InviteFormCard({ onLink }: { onLink: (invite: Invite, url: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const create = useMutation(
    trpc.invites.create.mutationOptions({
      onSuccess: async ({ invite, inviteUrl }) => {
        onLink(invite, inviteUrl);
        notifyDone(`Invite created for ${invite.email}.`);
        await queryClient.invalidateQueries({ queryKey: trpc.invites.list.pathKey() });
      },
    }),
  );
  const form = useForm<InviteFormInput, unknown, InviteFormOutput>({
    resolver: zodResolver(inviteForm),
    defaultValues: { email: '', projectRole: 'Data scientist' },
  });
  const submit = form.handleSubmit(async (values) => {
    await create.mutateAsync(values).then(
      () => form.reset({ email: '', projectRole: values.projectRole }),
      () => undefined,
    );
  });
  return (
    <Card withBorder>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="sm">
          <Title order={2} size="h4">
            Invite someone
          </Title>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="E-mail"
              placeholder="name@company.com"
              type="email"
              autoComplete="off"
              style={{ flex: '1 1 240px' }}
              error={form.formState.errors.email?.message}
              {...form.register('email')}
            />
            <Controller
              control={form.control}
              name="projectRole"
              render={({ field }) => (
                <Select
                  label="Project role"
                  data={ROLES}
                  allowDeselect={false}
                  value={field.value}
                  onChange={(value) => value && field.onChange(value)}
                  style={{ flex: '0 1 200px' }}
                />
              )}
            />
          </Group>
          <ActionError error={create.error} />
          <Group>
            <Button type="submit" loading={create.isPending}>
              Create invite link
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function OpenInvites({
  links,
  onLink,
}: {
  links: ReadonlyMap<string, string>;
  onLink: (invite: Invite, url: string) => void;
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
      <div className="table-scroll">
        <Table aria-label="Open invites" verticalSpacing="xs">
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
              return (
                <Table.Tr key={invite.id}>
                  <Table.Td>{invite.email}</Table.Td>
                  <Table.Td>{invite.projectRole}</Table.Td>
                  <Table.Td>
                    {invite.status === 'expired' ? (
                      <Badge color="orange" variant="light">
                        expired
                      </Badge>
                    ) : (
                      formatDateTime(invite.expiresAt)
                    )}
                  </Table.Td>
                  <Table.Td>
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
                          loading={resend.isPending && resend.variables?.inviteId === invite.id}
                          onClick={() => resend.mutate({ inviteId: invite.id })}
                        >
                          {invite.status === 'expired' ? 'Resend' : 'New link'}
                        </Button>
                      )}
                      {url && (
                        <Button
                          size="xs"
                          variant="subtle"
                          loading={resend.isPending && resend.variables?.inviteId === invite.id}
                          onClick={() => resend.mutate({ inviteId: invite.id })}
                        >
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
        </Table>
      </div>
      <Text size="xs" c="dimmed">
        A link is shown only when it is made. To share an invite again, resend it: that makes a new
        link and the old one stops working.
      </Text>
    </Stack>
  );
}

function Members({ team, canRemove }: { team: Team; canRemove: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useMe();
  const remove = useMutation(
    trpc.team.removeMember.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.team.get.queryKey() }),
    }),
  );
  return (
    <div className="table-scroll">
      <Table aria-label="Team members" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Person</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Joined</Table.Th>
            <Table.Th>Last sign-in</Table.Th>
            {canRemove && <Table.Th ta="right">Actions</Table.Th>}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          <Table.Tr>
            <Table.Td>
              <Person name={team.owner.name} email={team.owner.email} />
            </Table.Td>
            <Table.Td>
              <Badge variant="light">owner</Badge>
            </Table.Td>
            <Table.Td>—</Table.Td>
            <Table.Td>—</Table.Td>
            {canRemove && <Table.Td />}
          </Table.Tr>
          {team.members.map((member) => (
            <Table.Tr key={member.id}>
              <Table.Td>
                <Person name={member.name} email={member.email} />
                {member.id === me.id && (
                  <Text size="xs" c="teal">
                    you
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color="gray">
                  member
                </Badge>
              </Table.Td>
              <Table.Td>{formatDay(member.joinedAt)}</Table.Td>
              <Table.Td>{formatDateTime(member.lastLoginAt)}</Table.Td>
              {canRemove && (
                <Table.Td ta="right">
                  <ConfirmAction
                    label="Remove"
                    title={`Remove ${member.name ?? member.email}?`}
                    onConfirm={() => remove.mutateAsync({ memberId: member.id })}
                  >
                    {member.email} leaves your account and loses access to its cluster. Their usage
                    is no longer billed to you; their past usage stays in your history.
                  </ConfirmAction>
                </Table.Td>
              )}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function LeaveTeam({ team }: { team: Team }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const leave = useMutation(
    trpc.team.leave.mutationOptions({
      onSuccess: async () => {
        notifyDone('You left the team.');
        await queryClient.invalidateQueries();
      },
    }),
  );
  return (
    <Card withBorder>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Text size="sm" style={{ flex: '1 1 260px' }}>
          You are a member of the account of {team.owner.name ?? team.owner.email}. Leaving makes
          you a stand-alone account: you lose access to the team&apos;s cluster.
        </Text>
        <ConfirmAction
          label="Leave team"
          title="Leave this team?"
          onConfirm={() => leave.mutateAsync()}
        >
          You will no longer be part of {team.owner.email}&apos;s account and lose access to its
          cluster. To come back you need a new invite.
        </ConfirmAction>
      </Group>
    </Card>
  );
}

export default function TeamPage() {
  const trpc = useTRPC();
  const team = useQuery(trpc.team.get.queryOptions());
  const [links, setLinks] = useState<ReadonlyMap<string, string>>(new Map());
  const [latest, setLatest] = useState<{ email: string; url: string } | null>(null);
  const onLink = (invite: Invite, url: string) => {
    setLinks((current) => new Map(current).set(invite.id, url));
    setLatest({ email: invite.email, url });
  };

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
            <InviteFormCard onLink={onLink} />
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
        {!data.isOwner && <LeaveTeam team={data} />}
      </Stack>
    </>
  );
}
