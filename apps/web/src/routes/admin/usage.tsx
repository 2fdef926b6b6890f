// /admin/usage: what every account costs over a range — the accounts that cost most, and totals;
// a CSV download holds exactly the table's rows, in its order, cell for cell.
import { compareDecimals, formatUsd, sumDecimals } from '@hops/api/decimal';
import { Anchor, Button, Card, Group, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { DataTable, shownRows, useDataTable, type Column } from '../../components/data-table.tsx';
import { TopAccountsChart } from '../../components/lazy-charts.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { RangePicker } from '../../components/range-picker.tsx';
import { RangeProblem } from '../../components/range-problem.tsx';
import { RoundingNote } from '../../components/rounding-note.tsx';
import { Stat } from '../../components/stat.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { downloadCsv, toCsv } from '../../lib/csv.ts';
import { useRangeParam } from '../../lib/range.ts';
import { useTRPC, type RouterOutputs } from '../../lib/trpc.ts';

type TopAccount = RouterOutputs['usage']['top'][number] & { rank: number };

const topAccountColumns: Column<TopAccount>[] = [
  {
    id: 'rank',
    header: '#',
    text: (a) => String(a.rank),
    align: 'right',
    compare: (a, b) => a.rank - b.rank,
  },
  {
    id: 'account',
    header: 'Account owner',
    text: (a) => a.ownerName ?? a.ownerEmail,
    render: (a) => (
      <Anchor
        component={Link}
        to={`/admin/users/${encodeURIComponent(a.accountOwnerId)}`}
        size="sm"
      >
        {a.ownerName ?? a.ownerEmail}
      </Anchor>
    ),
    compare: (a, b) => (a.ownerName ?? a.ownerEmail).localeCompare(b.ownerName ?? b.ownerEmail),
  },
  { id: 'email', header: 'E-mail', text: (a) => a.ownerEmail },
  {
    id: 'users',
    header: 'Active users',
    text: (a) => String(a.activeUsers),
    align: 'right',
    compare: (a, b) => a.activeUsers - b.activeUsers,
  },
  {
    id: 'cost',
    header: 'Cost',
    text: (a) => formatUsd(a.totalCost),
    align: 'right',
    compare: (a, b) => compareDecimals(a.totalCost, b.totalCost),
  },
];

export default function AdminUsagePage() {
  const trpc = useTRPC();
  const [range, setRange, rangeNotice] = useRangeParam();
  const [limit, setLimit] = useState(10);
  // The totals add up the 100 costliest accounts (the API's maximum page) — every account only
  // when fewer than 100 have usage, as the hint says; the table shows the top N of them.
  const all = useQuery({
    ...trpc.usage.top.queryOptions({ ...range, limit: 100 }),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo<TopAccount[]>(
    () =>
      (all.data ?? []).slice(0, limit).map((account, index) => ({ ...account, rank: index + 1 })),
    [all.data, limit],
  );
  const table = useDataTable({
    columns: topAccountColumns,
    rows,
    getRowId: (a) => a.accountOwnerId,
  });
  const download = () =>
    downloadCsv(
      `hops-usage-by-account-${range.from}-to-${range.to}.csv`,
      toCsv(topAccountColumns, shownRows(table)),
    );
  // The sum of the fetched page (at most 100 accounts), not of every account.
  const total = sumDecimals((all.data ?? []).map((a) => a.totalCost));
  const users = (all.data ?? []).reduce((n, a) => n + a.activeUsers, 0);

  return (
    <>
      <PageHeader title="Usage across accounts" description="What each account cost, by payer." />
      <Stack gap="md">
        {rangeNotice && <RangeProblem notice={rangeNotice} />}
        <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
          <RangePicker value={range} onChange={setRange} />
          <Select
            label="Show"
            data={['5', '10', '25', '50', '100'].map((n) => ({ value: n, label: `Top ${n}` }))}
            value={String(limit)}
            onChange={(value) => value && setLimit(Number(value))}
            allowDeselect={false}
            w={120}
          />
        </Group>
        {all.isPending ? (
          <Loading label="Loading usage…" />
        ) : all.isError ? (
          <ErrorState error={all.error} onRetry={() => void all.refetch()} />
        ) : all.data.length === 0 ? (
          <Empty title="No usage in this range">
            No account used anything between {range.from} and {range.to}.
          </Empty>
        ) : (
          <>
            <SimpleGrid cols={{ base: 1, xs: 3 }}>
              <Stat
                label="Total cost"
                value={formatUsd(total)}
                hint={all.data.length === 100 ? 'the 100 costliest accounts' : 'all accounts'}
              />
              <Stat label="Accounts with usage" value={all.data.length} />
              <Stat label="Active users" value={users} />
            </SimpleGrid>
            {rows.length === all.data.length && (
              <RoundingNote
                total={total}
                rows={rows.map((a) => a.totalCost)}
                rowsAre="the accounts below"
              />
            )}
            <Card withBorder>
              <Title order={2} size="h5" mb="sm">
                Top {Math.min(limit, rows.length)} accounts
              </Title>
              <TopAccountsChart
                accounts={rows.map((a) => ({
                  label: a.ownerName ?? a.ownerEmail,
                  totalCost: a.totalCost,
                }))}
              />
            </Card>
            <DataTable table={table} label="Top accounts" />
            <Group justify="space-between" gap="sm" wrap="wrap">
              <Text size="xs" c="dimmed">
                The CSV holds exactly the rows above, in this order; show more accounts to export
                more (up to 100).
              </Text>
              <Button variant="default" size="xs" onClick={download}>
                Download CSV
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </>
  );
}
