// /admin/users/:id: one user with their account, cluster, credits and 30-day usage, and every
// admin action of SPEC §3.5; each destructive one asks first.
import { zodResolver } from '@hookform/resolvers/zod';
import { creditPool, money, reason as reasonSchema } from '@hops/api/schemas';
import {
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import { Link, useParams } from 'react-router';
import { z } from 'zod';
import { RoleBadge, StatusBadge } from '../../components/badges.tsx';
import { ConfirmAction } from '../../components/confirm-action.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Person } from '../../components/person.tsx';
import { Stat } from '../../components/stat.tsx';
import { ActionError, ErrorState, Loading } from '../../components/states.tsx';
import { formatDateTime, formatDay } from '../../lib/dates.ts';
import { formatQuantity, formatUsd } from '../../lib/money.ts';
import { useMe } from '../../lib/me-context.ts';
import { notifyDone } from '../../lib/notify.ts';
import { useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

type Detail = RouterOutputs['admin']['users']['get'];

/** Refreshes everything an admin action may have changed (user, lists, clusters, audit). */
function useRefresh() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries();
}

function StatusAction({ detail }: { detail: Detail }) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefresh();
  const setStatus = useMutation(trpc.admin.users.setStatus.mutationOptions({ onSuccess: refresh }));
  const user = detail.user;
  if (user.status === 'active') {
    return (
      <ConfirmAction
        label="Suspend"
        title={`Suspend ${user.email}?`}
        reason={{ label: 'Reason' }}
        disabled={user.id === me.id}
        onConfirm={(reason) =>
          setStatus.mutateAsync({ userId: user.id, status: 'suspended', reason })
        }
      >
        They can no longer sign in or use the API until an admin reactivates them.
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

function AdminAction({ detail }: { detail: Detail }) {
  const trpc = useTRPC();
  const me = useMe();
  const refresh = useRefresh();
  const setAdmin = useMutation(trpc.admin.users.setAdmin.mutationOptions({ onSuccess: refresh }));
  const user = detail.user;
  return user.isAdmin ? (
    <ConfirmAction
      label="Revoke admin"
      title={`Revoke admin rights of ${user.email}?`}
      disabled={user.id === me.id}
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

function BillingModeAction({ detail }: { detail: Detail }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const setMode = useMutation(
    trpc.admin.users.setBillingMode.mutationOptions({ onSuccess: refresh }),
  );
  const user = detail.user;
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

const grantForm = z.object({ amount: money, pool: creditPool, reason: reasonSchema });

function GrantCredits({ detail }: { detail: Detail }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const grant = useMutation(trpc.credits.grant.mutationOptions({ onSuccess: refresh }));
  const [opened, { open, close }] = useDisclosure(false);
  const [pending, setPending] = useState<z.output<typeof grantForm> | null>(null);
  const form = useForm<z.input<typeof grantForm>, unknown, z.output<typeof grantForm>>({
    resolver: zodResolver(grantForm),
    defaultValues: { amount: '', pool: 'free', reason: '' },
  });
  const submit = form.handleSubmit((values) => {
    grant.reset();
    setPending(values);
    open();
  });
  const confirm = async () => {
    if (!pending) return;
    await grant
      .mutateAsync({ userId: detail.account.owner.id, ...pending })
      .then(() => {
        notifyDone(`Granted ${formatUsd(pending.amount)} of ${pending.pool} credits.`);
        form.reset({ amount: '', pool: pending.pool, reason: '' });
        close();
      })
      .catch(() => undefined);
  };
  return (
    <Card withBorder>
      <form onSubmit={(event) => void submit(event)} noValidate>
        <Stack gap="xs">
          <Title order={3} size="h5">
            Grant credits
          </Title>
          <Group align="flex-start" gap="sm" wrap="wrap">
            <TextInput
              label="Amount (USD)"
              placeholder="25"
              inputMode="decimal"
              w={140}
              error={form.formState.errors.amount?.message}
              {...form.register('amount')}
            />
            <Controller
              control={form.control}
              name="pool"
              render={({ field }) => (
                <Stack gap={4}>
                  <Text size="sm" fw={500}>
                    Pool
                  </Text>
                  <SegmentedControl
                    aria-label="Credit pool"
                    value={field.value}
                    onChange={field.onChange}
                    data={[
                      { value: 'free', label: 'Free' },
                      { value: 'paid', label: 'Paid' },
                    ]}
                  />
                </Stack>
              )}
            />
            <TextInput
              label="Reason"
              placeholder="Why, for the audit log"
              style={{ flex: '1 1 220px' }}
              error={form.formState.errors.reason?.message}
              {...form.register('reason')}
            />
          </Group>
          <Group>
            <Button type="submit" variant="light">
              Grant…
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal opened={opened} onClose={close} title="Grant credits?" centered>
        {pending && (
          <Stack>
            <Text size="sm">
              Grant <b>{formatUsd(pending.amount)}</b> of {pending.pool} credits to{' '}
              {detail.account.owner.email}? Reason: “{pending.reason}”.
            </Text>
            <ActionError error={grant.error} />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button onClick={() => void confirm()} loading={grant.isPending}>
                Grant credits
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Card>
  );
}

function ClusterActions({ detail }: { detail: Detail }) {
  const trpc = useTRPC();
  const refresh = useRefresh();
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const assign = useMutation(trpc.clusters.assign.mutationOptions({ onSuccess: refresh }));
  const unassign = useMutation(trpc.clusters.unassign.mutationOptions({ onSuccess: refresh }));
  const [target, setTarget] = useState<string | null>(null);
  const user = detail.user;
  const current = detail.cluster;

  if (user.role === 'member') {
    return (
      <Text size="sm" c="dimmed">
        Members are always on their owner&apos;s cluster. To move this person, move the account of{' '}
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(detail.account.owner.id)}`}>
          {detail.account.owner.email}
        </Anchor>
        .
      </Text>
    );
  }
  const options = [
    { value: 'auto', label: 'Automatic (least loaded with room)' },
    ...(clusters.data ?? [])
      .filter((c) => c.id !== current?.id)
      .map((c) => ({
        value: c.id,
        label: `${c.name} · ${c.currentUsers}/${c.maxUsers} · ${c.status}`,
      })),
  ];
  const targetName =
    target === 'auto'
      ? 'the least-loaded cluster with room'
      : clusters.data?.find((c) => c.id === target)?.name;
  const people = detail.account.members.length + 1;
  return (
    <Stack gap="xs">
      {clusters.isError && <ErrorState error={clusters.error} />}
      <Group align="flex-end" gap="sm" wrap="wrap">
        <Select
          label={current ? 'Move the account to' : 'Assign the account to'}
          placeholder="Pick a cluster"
          data={options}
          value={target}
          onChange={setTarget}
          style={{ flex: '1 1 240px' }}
          aria-label="Target cluster"
        />
        <ConfirmAction
          label={current ? 'Move' : 'Assign'}
          title={current ? 'Move this account?' : 'Assign this account?'}
          color="blue"
          disabled={!target}
          onConfirm={async () => {
            if (!target) return;
            const outcome = await assign.mutateAsync({ userId: user.id, clusterId: target });
            if ('cluster' in outcome) notifyDone(`The account is on ${outcome.cluster.name}.`);
            setTarget(null);
          }}
        >
          {current ? `Move` : 'Assign'} all {people} {people === 1 ? 'person' : 'people'} of{' '}
          {user.email}&apos;s account{current ? ` from ${current.name}` : ''} to {targetName}.
        </ConfirmAction>
        {current && (
          <ConfirmAction
            label="Unassign"
            title="Take this account off its cluster?"
            onConfirm={() => unassign.mutateAsync({ userId: user.id })}
          >
            All {people} {people === 1 ? 'person' : 'people'} of {user.email}&apos;s account lose
            access to {current.name}.
          </ConfirmAction>
        )}
      </Group>
    </Stack>
  );
}

function Account({ detail }: { detail: Detail }) {
  const { account, user } = detail;
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Title order={3} size="h5">
          Account
        </Title>
        {user.role === 'member' && (
          <Text size="sm">
            Member of{' '}
            <Anchor component={Link} to={`/admin/users/${encodeURIComponent(account.owner.id)}`}>
              {account.owner.name ?? account.owner.email}
            </Anchor>
            &apos;s account.
          </Text>
        )}
        {account.members.length === 0 ? (
          <Text size="sm" c="dimmed">
            {user.role === 'owner' ? 'A stand-alone account: no members.' : ''}
          </Text>
        ) : (
          <div className="table-scroll">
            <Table verticalSpacing={4} aria-label="Account members">
              <Table.Tbody>
                {account.members.map((member) => (
                  <Table.Tr key={member.id}>
                    <Table.Td>
                      <Anchor
                        component={Link}
                        to={`/admin/users/${encodeURIComponent(member.id)}`}
                        size="sm"
                      >
                        {member.name ?? member.email}
                      </Anchor>
                    </Table.Td>
                    <Table.Td>
                      <StatusBadge status={member.status} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="xs" c="dimmed">
                        {formatDateTime(member.lastLoginAt)}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </div>
        )}
      </Stack>
    </Card>
  );
}

function Usage30({ detail }: { detail: Detail }) {
  const u = detail.usage30d;
  const rows: [string, string, string][] = [
    ['CPU', `${formatQuantity(u.quantities.cpuHours)} h`, u.byResource.cpu],
    ['GPU', `${formatQuantity(u.quantities.gpuHours)} h`, u.byResource.gpu],
    ['RAM', `${formatQuantity(u.quantities.ramGbHours)} GB·h`, u.byResource.ram],
    [
      'Storage',
      `${formatQuantity(u.quantities.onlineStorageGb)} GB online, ${formatQuantity(u.quantities.offlineStorageGb)} GB offline`,
      u.byResource.storage,
    ],
    ['Network', `${formatQuantity(u.quantities.networkEgressGb)} GB egress`, u.byResource.network],
  ];
  return (
    <Card withBorder>
      <Stack gap="xs">
        <Group justify="space-between">
          <Title order={3} size="h5">
            Usage, {formatDay(u.from)} – {formatDay(u.to)}
          </Title>
          <Text fw={700}>{formatUsd(u.totalCost)}</Text>
        </Group>
        <div className="table-scroll">
          <Table verticalSpacing={4} aria-label="30-day usage">
            <Table.Tbody>
              {rows.map(([label, quantity, cost]) => (
                <Table.Tr key={label}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td c="dimmed">{quantity}</Table.Td>
                  <Table.Td ta="right">{formatUsd(cost)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </div>
        <Text size="xs" c="dimmed">
          {detail.user.role === 'owner'
            ? 'The whole account (what the owner pays).'
            : 'This member’s own usage.'}
        </Text>
      </Stack>
    </Card>
  );
}

export default function AdminUserPage() {
  const { id = '' } = useParams();
  const trpc = useTRPC();
  const detail = useQuery(trpc.admin.users.get.queryOptions({ userId: id }));
  if (detail.isPending) return <Loading label="Loading the user…" />;
  if (detail.isError)
    return <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />;
  const d = detail.data;
  const user = d.user;
  const credits = d.credits;
  return (
    <>
      <PageHeader
        title={user.name ?? user.email}
        description={
          <Group gap={6} wrap="wrap">
            <span>{user.email}</span>
            <RoleBadge role={user.role} isAdmin={user.isAdmin} />
            <StatusBadge status={user.status} />
          </Group>
        }
        actions={
          <Button
            component={Link}
            to={`/admin/audit?targetId=${encodeURIComponent(user.id)}`}
            variant="default"
            size="xs"
          >
            Audit log
          </Button>
        }
      />
      <Stack gap="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <Stat label="Cluster" value={d.cluster?.name ?? 'Unassigned'} hint={d.cluster?.status} />
          <Stat
            label="Billing"
            value={user.role === 'owner' ? user.billingMode : 'via owner'}
            hint={user.stripeCustomerId ? 'payment method on file' : 'no payment method'}
          />
          <Stat
            label="Credits available"
            value={credits ? formatUsd(credits.available) : '—'}
            hint={
              credits
                ? `paid ${formatUsd(credits.paid)} · free ${formatUsd(credits.free)}${
                    credits.unpaidUsage !== '0.0000'
                      ? ` · unpaid ${formatUsd(credits.unpaidUsage)}`
                      : ''
                  }`
                : 'never had credits'
            }
            testId="user-credits"
          />
          <Stat
            label="Sign-ins"
            value={user.loginCount}
            hint={`last ${formatDateTime(user.lastLoginAt)}`}
          />
        </SimpleGrid>

        <Card withBorder>
          <Stack gap="sm">
            <Title order={3} size="h5">
              Actions
            </Title>
            <Group gap="xs" wrap="wrap">
              <StatusAction detail={d} />
              <AdminAction detail={d} />
              {user.role === 'owner' && <BillingModeAction detail={d} />}
            </Group>
            <Title order={4} size="h6" mt="xs">
              Cluster
            </Title>
            <ClusterActions detail={d} />
          </Stack>
        </Card>

        <GrantCredits detail={d} />

        <SimpleGrid cols={{ base: 1, md: 2 }}>
          <Account detail={d} />
          <Usage30 detail={d} />
        </SimpleGrid>

        <Card withBorder>
          <Stack gap={4}>
            <Title order={3} size="h5">
              Details
            </Title>
            <Person name={user.name} email={user.email} />
            <Text size="xs" c="dimmed" className="mono">
              id {user.id}
            </Text>
            <Text size="xs" c="dimmed">
              Signed up {formatDateTime(user.createdAt)}
            </Text>
            <Text size="xs" c="dimmed" className="mono" style={{ overflowWrap: 'anywhere' }}>
              feature flags {JSON.stringify(user.featureFlags)}
            </Text>
          </Stack>
        </Card>
      </Stack>
    </>
  );
}
