// /usage: cost and quantities per day over a range, as a chart stacked by resource and a table;
// owners also see each member's share and can look at one member. The CSV download is built from
// the very rows and cells the table shows.
import { compareDecimals, formatUsd, sumDecimals } from '@hops/api/decimal';
import { COSTS, QUANTITIES, type AmountField, type CostField } from '@hops/api/resources';
import { Anchor, Card, Group, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { ActionButton } from '../components/action-button.tsx';
import { DataTable, shownRows, useDataTable, type Column } from '../components/data-table.tsx';
import { UsageChart } from '../components/lazy-charts.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { RangeProblem } from '../components/range-problem.tsx';
import { RoundingNote } from '../components/rounding-note.tsx';
import { Stat } from '../components/stat.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { downloadCsv, toCsv } from '../lib/csv.ts';
import { formatDayRange } from '../lib/dates.ts';
import { useMe } from '../lib/me-context.ts';
import { useRangeParam } from '../lib/range.ts';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';
import { useUrlState } from '../lib/url-state.ts';
import { amountColumn, usageColumns } from '../lib/usage-rows.ts';

type MemberUsage = RouterOutputs['usage']['summary']['byMember'][number];

/** What the breakdown shows of each person besides their cost. */
const BREAKDOWN_QUANTITIES = QUANTITIES.filter(
  (q) => q.field === 'cpuHours' || q.field === 'gpuHours',
);

/** The range's total and its cost columns, '…' until they are known. */
function Totals({
  total,
  costOf,
}: {
  total: string | undefined;
  costOf: (field: CostField) => string | undefined;
}) {
  const usd = (value: string | undefined) => (value === undefined ? '…' : formatUsd(value));
  return (
    <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
      <Stat label="Total" value={usd(total)} testId="usage-total" />
      {COSTS.map((cost) => (
        <Stat key={cost.field} label={cost.label} value={usd(costOf(cost.field))} />
      ))}
    </SimpleGrid>
  );
}

function share(part: string, whole: string): string {
  if (compareDecimals(whole, '0') <= 0) return '—';
  // Display only: a percentage of two exact sums.
  return `${((Number(part) / Number(whole)) * 100).toFixed(1)}%`;
}

function Breakdown({
  members,
  whole,
  selected,
  onSelect,
}: {
  members: readonly MemberUsage[];
  /** The account's total, what each share is of. */
  whole: string;
  selected: string | null;
  onSelect: (userId: string | null) => void;
}) {
  const columns: Column<MemberUsage>[] = [
    {
      id: 'person',
      header: 'Person',
      text: (m) => `${m.name ?? m.email}${m.formerMember ? ' (no longer a member)' : ''}`,
      render: (m) => (
        <>
          <Anchor
            component="button"
            size="sm"
            fw={m.userId === selected ? 700 : 500}
            onClick={() => onSelect(m.userId === selected ? null : m.userId)}
          >
            {m.name ?? m.email}
          </Anchor>
          {/* Usage from before they left or were removed stays the account's. */}
          {m.formerMember && (
            <Text span size="xs" c="dimmed" ml={6}>
              (no longer a member)
            </Text>
          )}
        </>
      ),
      compare: (a, b) => (a.name ?? a.email).localeCompare(b.name ?? b.email),
    },
    { id: 'email', header: 'E-mail', text: (m) => m.email },
    ...BREAKDOWN_QUANTITIES.map((q) => amountColumn<MemberUsage>(q.field, q.heading, 'quantity')),
    amountColumn<MemberUsage>('totalCost', 'Cost', 'cost'),
    { id: 'share', header: 'Share', text: (m) => share(m.totalCost, whole), align: 'right' },
  ];
  const table = useDataTable({
    columns,
    rows: members,
    getRowId: (m) => m.userId,
    initialSort: [{ id: 'totalCost', desc: true }],
  });
  return <DataTable table={table} label="Usage by member" />;
}

export default function UsagePage() {
  const me = useMe();
  const trpc = useTRPC();
  const [range, setRange, rangeNotice] = useRangeParam();
  const [params, update] = useUrlState();
  const isOwner = me.role === 'owner';
  const memberId = isOwner ? params.get('member') : null;
  const selectMember = (userId: string | null) => update({ member: userId });

  // What is shown: the whole account or one member (owners), or my own usage (members).
  const scope = { ...range, ...(memberId ? { userId: memberId } : {}) };
  const daily = useQuery({
    ...trpc.usage.daily.queryOptions(scope),
    placeholderData: keepPreviousData,
  });
  // Owners: the account's breakdown, and the sums of what is shown (the same query until a
  // member is picked).
  const account = useQuery({
    ...trpc.usage.summary.queryOptions(range),
    enabled: isOwner,
    placeholderData: keepPreviousData,
  });
  const shown = useQuery({
    ...trpc.usage.summary.queryOptions(scope),
    enabled: isOwner,
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => daily.data ?? [], [daily.data]);
  const table = useDataTable({
    columns: usageColumns,
    rows,
    getRowId: (row) => row.date,
    initialSort: [{ id: 'date', desc: true }],
  });
  // Owners have the server's sums; a member's page asks for their days only (the breakdown is the
  // owner's), so a member's sums are added up from those days: one request, not two — which
  // usage.test.tsx holds it to (a member's page calls usage.daily alone).
  const sumOfDays = (field: AmountField) => sumDecimals(rows.map((row) => row[field]));
  const total = isOwner ? shown.data?.totalCost : sumOfDays('totalCost');
  const costOf = (field: CostField) => (isOwner ? shown.data?.totals[field] : sumOfDays(field));
  const members = account.data?.byMember ?? [];
  const selected = members.find((m) => m.userId === memberId);
  const who = !isOwner
    ? 'Your own usage.'
    : selected
      ? `${selected.name ?? selected.email}'s usage, billed to your account.`
      : 'Your whole account: you and every member.';

  const download = () => {
    const csv = toCsv(usageColumns, shownRows(table));
    const suffix = selected ? `-${selected.email}` : '';
    downloadCsv(`hops-usage-${range.from}-to-${range.to}${suffix}.csv`, csv);
  };

  return (
    <>
      <PageHeader title="Usage" description={who} />
      <Stack gap="md">
        {rangeNotice && <RangeProblem notice={rangeNotice} />}
        <Group justify="space-between" align="flex-end" gap="sm" wrap="wrap">
          <RangePicker value={range} onChange={setRange} />
          {isOwner && members.length > 1 && (
            <Select
              label="Whose usage"
              data={[
                { value: '', label: 'Whole account' },
                ...members.map((m) => ({
                  value: m.userId,
                  label: `${m.name ?? m.email}${m.formerMember ? ' (no longer a member)' : ''}`,
                })),
              ]}
              value={memberId ?? ''}
              onChange={(value) => selectMember(value || null)}
              allowDeselect={false}
              w={220}
            />
          )}
        </Group>

        {daily.isPending ? (
          <Loading label="Loading usage…" />
        ) : daily.isError ? (
          <ErrorState error={daily.error} onRetry={() => void daily.refetch()} />
        ) : (
          <>
            {shown.isError ? (
              <ErrorState error={shown.error} onRetry={() => void shown.refetch()} />
            ) : (
              <Stack gap={4}>
                <Totals total={total} costOf={costOf} />
                {total !== undefined && rows.length > 0 && (
                  <RoundingNote
                    total={total}
                    rows={rows.map((row) => row.totalCost)}
                    rowsAre="the days below"
                  />
                )}
              </Stack>
            )}
            {total !== undefined && compareDecimals(total, '0') === 0 && (
              <Empty title="No usage in this range">
                Nothing was used in {formatDayRange(range.from, range.to)}. Try a longer range.
              </Empty>
            )}
            <Card withBorder>
              <Title order={2} size="h5" mb="sm">
                Daily cost by resource
              </Title>
              <UsageChart rows={[...rows].sort((a, b) => a.date.localeCompare(b.date))} />
            </Card>
            <Stack gap="xs">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <Title order={2} size="h5">
                  By day
                </Title>
                <ActionButton
                  size="xs"
                  variant="light"
                  onClick={download}
                  disabledReason={
                    rows.length === 0 && 'There are no days in this range to download.'
                  }
                >
                  Download CSV
                </ActionButton>
              </Group>
              <DataTable table={table} label="Daily usage" />
              <Text size="xs" c="dimmed">
                UTC days. Costs in USD, each day rounded to the cent (the totals above are exact);
                quantities as recorded. Storage is the average GB held each day. The CSV holds
                exactly the rows above, in this order.
              </Text>
            </Stack>
          </>
        )}

        {isOwner && (
          <Stack gap="xs">
            <Title order={2} size="h5">
              By member
            </Title>
            {account.isPending ? (
              <Loading label="Loading the breakdown…" />
            ) : account.isError ? (
              <ErrorState error={account.error} onRetry={() => void account.refetch()} />
            ) : members.length === 0 ? (
              <Empty title="No one in this account used anything in this range" />
            ) : (
              <>
                <Breakdown
                  members={members}
                  whole={account.data.totalCost}
                  selected={memberId}
                  onSelect={selectMember}
                />
                <RoundingNote
                  total={account.data.totalCost}
                  rows={members.map((m) => m.totalCost)}
                  rowsAre="the people above"
                />
              </>
            )}
          </Stack>
        )}
      </Stack>
    </>
  );
}
