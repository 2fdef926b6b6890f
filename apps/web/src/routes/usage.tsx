// /usage: cost and quantities per day over a range, as a chart stacked by resource and a table;
// owners also see each member's share and can look at one member. The CSV download is built from
// the very rows and cells the table shows.
import { Anchor, Button, Card, Group, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { DataTable, shownRows, useDataTable, type Column } from '../components/data-table.tsx';
import { UsageChart } from '../components/lazy-charts.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { RangePicker } from '../components/range-picker.tsx';
import { Stat } from '../components/stat.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { downloadCsv, toCsv } from '../lib/csv.ts';
import { lastDays, type DayRange } from '../lib/dates.ts';
import { useMe } from '../lib/me-context.ts';
import { compareDecimals, formatQuantity, formatUsd, sumDecimals } from '../lib/money.ts';
import { validateRange } from '../lib/range.ts';
import { useTRPC, type RouterOutputs } from '../lib/trpc.ts';
import { COST_PARTS, usageColumns, type DailyUsageRow } from '../lib/usage-rows.ts';

type MemberUsage = RouterOutputs['usage']['summary']['byMember'][number];

/** The range in the address bar (so a view can be shared), or the last 30 days. */
export function useRangeParam(): [DayRange, (range: DayRange) => void] {
  const [params, setParams] = useSearchParams();
  const fromUrl = { from: params.get('from') ?? '', to: params.get('to') ?? '' };
  const range = validateRange(fromUrl) ? lastDays(30) : fromUrl;
  const setRange = (next: DayRange) =>
    setParams(
      (current) => {
        const updated = new URLSearchParams(current);
        updated.set('from', next.from);
        updated.set('to', next.to);
        return updated;
      },
      { replace: true },
    );
  return [range, setRange];
}

/** The range's sums of the rows shown, computed exactly from their decimal strings. */
function totalsOf(rows: readonly DailyUsageRow[]) {
  const total = (key: Exclude<keyof DailyUsageRow, 'date'>) => sumDecimals(rows.map((r) => r[key]));
  return {
    totalCost: total('totalCost'),
    parts: COST_PARTS.map((part) => ({ ...part, value: total(part.key) })),
    cpuHours: total('cpuHours'),
    gpuHours: total('gpuHours'),
  };
}

function share(part: string, whole: string): string {
  if (compareDecimals(whole, '0') <= 0) return '—';
  // Display only: a percentage of two exact sums.
  return `${((Number(part) / Number(whole)) * 100).toFixed(1)}%`;
}

function Breakdown({
  members,
  selected,
  onSelect,
}: {
  members: readonly MemberUsage[];
  selected: string | null;
  onSelect: (userId: string | null) => void;
}) {
  const whole = sumDecimals(members.map((m) => m.totalCost));
  const columns: Column<MemberUsage>[] = [
    {
      id: 'person',
      header: 'Person',
      text: (m) => m.name ?? m.email,
      render: (m) => (
        <Anchor
          component="button"
          size="sm"
          fw={m.userId === selected ? 700 : 500}
          onClick={() => onSelect(m.userId === selected ? null : m.userId)}
        >
          {m.name ?? m.email}
        </Anchor>
      ),
      compare: (a, b) => (a.name ?? a.email).localeCompare(b.name ?? b.email),
    },
    { id: 'email', header: 'E-mail', text: (m) => m.email },
    {
      id: 'cpu',
      header: 'CPU h',
      text: (m) => formatQuantity(m.cpuHours, 4),
      compare: (a, b) => compareDecimals(a.cpuHours, b.cpuHours),
      align: 'right',
    },
    {
      id: 'gpu',
      header: 'GPU h',
      text: (m) => formatQuantity(m.gpuHours, 4),
      compare: (a, b) => compareDecimals(a.gpuHours, b.gpuHours),
      align: 'right',
    },
    {
      id: 'cost',
      header: 'Cost',
      text: (m) => formatUsd(m.totalCost),
      compare: (a, b) => compareDecimals(a.totalCost, b.totalCost),
      align: 'right',
    },
    { id: 'share', header: 'Share', text: (m) => share(m.totalCost, whole), align: 'right' },
  ];
  const table = useDataTable({
    columns,
    rows: members,
    getRowId: (m) => m.userId,
    initialSort: [{ id: 'cost', desc: true }],
  });
  return <DataTable table={table} label="Usage by member" />;
}

export default function UsagePage() {
  const me = useMe();
  const trpc = useTRPC();
  const [range, setRange] = useRangeParam();
  const [params, setParams] = useSearchParams();
  const isOwner = me.role === 'owner';
  const memberId = isOwner ? params.get('member') : null;
  const selectMember = (userId: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (userId) next.set('member', userId);
        else next.delete('member');
        return next;
      },
      { replace: true },
    );

  const daily = useQuery({
    ...trpc.usage.daily.queryOptions({ ...range, ...(memberId ? { userId: memberId } : {}) }),
    placeholderData: keepPreviousData,
  });
  const summary = useQuery({
    ...trpc.usage.summary.queryOptions(range),
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
  const totals = totalsOf(rows);
  const members = summary.data?.byMember ?? [];
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
        <Group justify="space-between" align="flex-end" gap="sm" wrap="wrap">
          <RangePicker value={range} onChange={setRange} />
          {isOwner && members.length > 1 && (
            <Select
              label="Whose usage"
              data={[
                { value: '', label: 'Whole account' },
                ...members.map((m) => ({ value: m.userId, label: m.name ?? m.email })),
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
            <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }}>
              <Stat label="Total" value={formatUsd(totals.totalCost)} testId="usage-total" />
              {totals.parts.map((part) => (
                <Stat key={part.key} label={part.label} value={formatUsd(part.value)} />
              ))}
            </SimpleGrid>
            {compareDecimals(totals.totalCost, '0') === 0 && (
              <Empty title="No usage in this range">
                Nothing was used between {range.from} and {range.to}. Try a longer range.
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
                <Button size="xs" variant="light" onClick={download} disabled={rows.length === 0}>
                  Download CSV
                </Button>
              </Group>
              <DataTable table={table} label="Daily usage" />
              <Text size="xs" c="dimmed">
                UTC days. Costs in USD, rounded to cents; quantities as recorded. Storage is the
                average GB held each day. The CSV holds exactly the rows above, in this order.
              </Text>
            </Stack>
          </>
        )}

        {isOwner && (
          <Stack gap="xs">
            <Title order={2} size="h5">
              By member
            </Title>
            {summary.isPending ? (
              <Loading label="Loading the breakdown…" />
            ) : summary.isError ? (
              <ErrorState error={summary.error} onRetry={() => void summary.refetch()} />
            ) : members.length === 0 ? (
              <Empty title="No one in this account used anything in this range" />
            ) : (
              <Breakdown members={members} selected={memberId} onSelect={selectMember} />
            )}
          </Stack>
        )}
      </Stack>
    </>
  );
}
