// /admin/users: every user, searched and filtered, one keyset page at a time.
import { userStatus } from '@hops/api/schemas';
import { Anchor, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link, useNavigate } from 'react-router';
import { RoleBadge, StatusBadge } from '../../components/badges.tsx';
import { DataTable, useDataTable, type Column } from '../../components/data-table.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Pager, useCursorPager } from '../../components/pager.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { formatDateTime, formatDay } from '../../lib/dates.ts';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../../lib/trpc.ts';
import { useUrlState } from '../../lib/url-state.ts';

type UserItem = RouterOutputs['admin']['users']['list']['items'][number];
type ListInput = RouterInputs['admin']['users']['list'];

const STATUSES = userStatus.options;
/** The list's role filter (admin is a right, not a role, but it filters the same way). */
const ROLES: readonly NonNullable<ListInput['role']>[] = ['owner', 'member', 'admin'];

const columns: Column<UserItem>[] = [
  {
    id: 'user',
    header: 'User',
    text: (u) => u.name ?? u.email,
    render: (u) => (
      <Stack gap={0}>
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(u.id)}`} size="sm" fw={500}>
          {u.name ?? u.email}
        </Anchor>
        {u.name && (
          <Text size="xs" c="dimmed">
            {u.email}
          </Text>
        )}
      </Stack>
    ),
  },
  {
    id: 'role',
    header: 'Role',
    text: (u) => (u.isAdmin ? `${u.role}, admin` : u.role),
    render: (u) => <RoleBadge role={u.role} isAdmin={u.isAdmin} />,
  },
  {
    id: 'status',
    header: 'Status',
    text: (u) => u.status,
    render: (u) => <StatusBadge status={u.status} />,
  },
  { id: 'billing', header: 'Billing', text: (u) => (u.role === 'owner' ? u.billingMode : '—') },
  { id: 'cluster', header: 'Cluster', text: (u) => u.cluster?.name ?? 'unassigned' },
  { id: 'created', header: 'Signed up', text: (u) => formatDay(u.createdAt) },
  { id: 'last', header: 'Last sign-in', text: (u) => formatDateTime(u.lastLoginAt) },
];

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((item) => item === value);
}

export default function AdminUsersPage() {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const [params, update] = useUrlState();
  const search = params.get('q') ?? '';
  const status = pick(params.get('status'), STATUSES);
  const role = pick(params.get('role'), ROLES);
  const clusterId = params.get('cluster') ?? undefined;
  const limit = Number(params.get('limit') ?? 50) || 50;
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);

  const filterKey = JSON.stringify([debouncedSearch, status, role, clusterId, limit]);
  const pager = useCursorPager(filterKey);
  const input: ListInput = {
    limit,
    ...(debouncedSearch ? { search: debouncedSearch } : {}),
    ...(status ? { status } : {}),
    ...(role ? { role } : {}),
    ...(clusterId ? { clusterId } : {}),
    ...(pager.cursor ? { cursor: pager.cursor } : {}),
  };
  const users = useQuery({
    ...trpc.admin.users.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const clusters = useQuery(trpc.clusters.list.queryOptions());
  const rows = useMemo(() => users.data?.items ?? [], [users.data]);
  const table = useDataTable({ columns, rows, getRowId: (u) => u.id });

  return (
    <>
      <PageHeader title="Users" description="Everyone who has signed in, newest first." />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            label="Search"
            placeholder="E-mail, name or id"
            value={search}
            onChange={(event) => update({ q: event.currentTarget.value })}
            style={{ flex: '1 1 220px' }}
          />
          <Select
            label="Status"
            placeholder="Any"
            clearable
            data={[...STATUSES]}
            value={status ?? null}
            onChange={(value) => update({ status: value })}
            w={150}
          />
          <Select
            label="Role"
            placeholder="Any"
            clearable
            data={[...ROLES]}
            value={role ?? null}
            onChange={(value) => update({ role: value })}
            w={150}
          />
          <Select
            label="Cluster"
            placeholder="Any"
            clearable
            data={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={clusterId ?? null}
            onChange={(value) => update({ cluster: value })}
            w={200}
          />
        </Group>
        {users.isPending ? (
          <Loading label="Loading users…" />
        ) : users.isError ? (
          <ErrorState error={users.error} onRetry={() => void users.refetch()} />
        ) : rows.length === 0 ? (
          <Empty title="No users match">Try another search or clear the filters.</Empty>
        ) : (
          <>
            <DataTable
              table={table}
              label="Users"
              onRowClick={(u) => void navigate(`/admin/users/${encodeURIComponent(u.id)}`)}
            />
            <Pager
              page={pager.page}
              nextCursor={users.data.nextCursor}
              onNext={pager.next}
              onPrevious={pager.previous}
              limit={limit}
              onLimit={(value) => update({ limit: String(value) })}
              shown={rows.length}
            />
          </>
        )}
      </Stack>
    </>
  );
}
