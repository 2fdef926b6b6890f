// /admin/users: every user, searched, filtered (people on no cluster too) and sorted by any column
// on the server, one keyset page at a time.
import { userStatus } from '@hops/api/schemas';
import { ActionIcon, Anchor, Group, Select, Stack, Text, TextInput, Tooltip } from '@mantine/core';
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

type Sort = NonNullable<ListInput['sort']>;
type Order = NonNullable<ListInput['order']>;
/** The API sorts; each order is named after the column it sorts by. */
const SORTS: Record<Sort, string> = {
  signedUp: 'Signed up',
  lastSignIn: 'Last sign-in',
  user: 'User (name, or e-mail)',
  email: 'E-mail',
  role: 'Role',
  status: 'Status',
  billing: 'Billing',
  cluster: 'Cluster',
};
const SORT_KEYS = Object.keys(SORTS) as Sort[];
/** The API's default direction of each order: newest dates first, text A to Z. */
const defaultOrder = (sort: Sort): Order =>
  sort === 'signedUp' || sort === 'lastSignIn' ? 'desc' : 'asc';
const isDate = (sort: Sort) => sort === 'signedUp' || sort === 'lastSignIn';
function orderWords(sort: Sort, order: Order): string {
  if (isDate(sort)) return order === 'desc' ? 'newest first' : 'oldest first';
  return order === 'asc' ? 'A to Z' : 'Z to A';
}

/** The cluster filter's choice for people on no cluster (the API's word for it). */
const UNASSIGNED = 'unassigned';

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
  {
    id: 'billing',
    header: 'Billing',
    // A member pays through their owner (and the list sorts them so).
    text: (u) => (u.role === 'owner' ? u.billingMode : 'via owner'),
  },
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
  const sort = pick(params.get('sort'), SORT_KEYS) ?? 'signedUp';
  const order = pick(params.get('order'), ['asc', 'desc'] as const) ?? defaultOrder(sort);
  const limit = Number(params.get('limit') ?? 50) || 50;
  const [debouncedSearch] = useDebouncedValue(search.trim(), 300);

  const filterKey = JSON.stringify([debouncedSearch, status, role, clusterId, sort, order, limit]);
  const pager = useCursorPager(filterKey);
  const input: ListInput = {
    limit,
    ...(debouncedSearch ? { search: debouncedSearch } : {}),
    ...(status ? { status } : {}),
    ...(role ? { role } : {}),
    ...(clusterId ? { clusterId } : {}),
    ...(sort !== 'signedUp' ? { sort } : {}),
    ...(order !== defaultOrder(sort) ? { order } : {}),
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
      <PageHeader
        title="Users"
        description={`Everyone who has signed in, sorted by “${SORTS[sort]}”, ${orderWords(sort, order)}, across all pages.`}
      />
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
            data={[
              { value: UNASSIGNED, label: 'Unassigned (no cluster)' },
              ...(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name })),
            ]}
            value={clusterId ?? null}
            onChange={(value) => update({ cluster: value })}
            w={200}
          />
          <Group gap={4} align="flex-end" wrap="nowrap">
            <Select
              label="Sort by"
              data={SORT_KEYS.map((key) => ({ value: key, label: SORTS[key] }))}
              value={sort}
              allowDeselect={false}
              onChange={(value) => {
                const next = pick(value, SORT_KEYS) ?? 'signedUp';
                update({ sort: next === 'signedUp' ? null : next, order: null });
              }}
              w={200}
            />
            <Tooltip label={`Now ${orderWords(sort, order)}; click to reverse`}>
              <ActionIcon
                variant="default"
                size={36}
                aria-label={`Sorted ${orderWords(sort, order)}. Reverse the order`}
                onClick={() => {
                  const next: Order = order === 'asc' ? 'desc' : 'asc';
                  update({ order: next === defaultOrder(sort) ? null : next });
                }}
              >
                {order === 'asc' ? '↑' : '↓'}
              </ActionIcon>
            </Tooltip>
          </Group>
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
