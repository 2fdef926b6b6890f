// /admin/audit: every state change made through the API, newest first, filtered.
import { Anchor, Badge, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { DataTable, useDataTable, type Column } from '../../components/data-table.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Pager, useCursorPager } from '../../components/pager.tsx';
import { Empty, ErrorState, Loading } from '../../components/states.tsx';
import { formatDateTime } from '../../lib/dates.ts';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../../lib/trpc.ts';
import { useUrlState } from '../../lib/url-state.ts';

type AuditItem = RouterOutputs['audit']['list']['items'][number];
type AuditInput = RouterInputs['audit']['list'];

function details(item: AuditItem): string {
  return item.details === null ? '' : JSON.stringify(item.details);
}

const columns: Column<AuditItem>[] = [
  { id: 'at', header: 'When', text: (i) => formatDateTime(i.at) },
  {
    id: 'actor',
    header: 'Who',
    text: (i) => i.actorEmail ?? i.actorUserId ?? 'system',
    render: (i) =>
      i.actorUserId ? (
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(i.actorUserId)}`} size="sm">
          {i.actorEmail ?? i.actorUserId}
        </Anchor>
      ) : (
        <Text size="sm" c="dimmed">
          system
        </Text>
      ),
  },
  {
    id: 'via',
    header: 'Via',
    text: (i) => i.via,
    render: (i) => (
      <Badge
        variant="light"
        color={i.via === 'slack' ? 'grape' : i.via === 'web' ? 'blue' : 'gray'}
      >
        {i.via}
      </Badge>
    ),
  },
  { id: 'action', header: 'Action', text: (i) => i.action, render: (i) => <Code>{i.action}</Code> },
  {
    id: 'target',
    header: 'Target',
    text: (i) => (i.targetType ? `${i.targetType} ${i.targetId ?? ''}`.trim() : '—'),
    render: (i) =>
      i.targetType === 'user' && i.targetId ? (
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(i.targetId)}`} size="sm">
          user {i.targetId}
        </Anchor>
      ) : i.targetType === 'cluster' && i.targetId ? (
        <Anchor component={Link} to={`/admin/clusters/${i.targetId}`} size="sm">
          cluster {i.targetId.slice(0, 8)}…
        </Anchor>
      ) : (
        <Text size="sm">{i.targetType ? `${i.targetType} ${i.targetId ?? ''}` : '—'}</Text>
      ),
  },
  {
    id: 'details',
    header: 'Details',
    text: details,
    render: (i) => (
      <Text
        className="mono"
        title={details(i)}
        style={{ maxWidth: 420, whiteSpace: 'normal', overflowWrap: 'anywhere' }}
        lineClamp={3}
      >
        {details(i)}
      </Text>
    ),
  },
];

export default function AdminAuditPage() {
  const trpc = useTRPC();
  const [params, update] = useUrlState();
  const actorId = params.get('actorId') ?? '';
  const action = params.get('action') ?? '';
  const targetId = params.get('targetId') ?? '';
  const limit = Number(params.get('limit') ?? 50) || 50;
  const [filters] = useDebouncedValue({ actorId, action, targetId }, 300);
  const pager = useCursorPager(JSON.stringify([filters, limit]));
  const input: AuditInput = {
    limit,
    ...(filters.actorId.trim() ? { actorId: filters.actorId.trim() } : {}),
    ...(filters.action.trim() ? { action: filters.action.trim() } : {}),
    ...(filters.targetId.trim() ? { targetId: filters.targetId.trim() } : {}),
    ...(pager.cursor ? { cursor: pager.cursor } : {}),
  };
  const audit = useQuery({
    ...trpc.audit.list.queryOptions(input),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => audit.data?.items ?? [], [audit.data]);
  const table = useDataTable({ columns, rows, getRowId: (i) => i.id });

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, from the web, Slack or a service. Newest first."
      />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            label="Action"
            placeholder="e.g. credits.grant or clusters.*"
            value={action}
            onChange={(event) => update({ action: event.currentTarget.value })}
            style={{ flex: '1 1 200px' }}
          />
          <TextInput
            label="Actor (user id)"
            placeholder="e.g. dev|admin"
            value={actorId}
            onChange={(event) => update({ actorId: event.currentTarget.value })}
            style={{ flex: '1 1 200px' }}
          />
          <TextInput
            label="Target id"
            placeholder="a user or cluster id"
            value={targetId}
            onChange={(event) => update({ targetId: event.currentTarget.value })}
            style={{ flex: '1 1 200px' }}
          />
        </Group>
        {audit.isPending ? (
          <Loading label="Loading the audit log…" />
        ) : audit.isError ? (
          <ErrorState error={audit.error} onRetry={() => void audit.refetch()} />
        ) : rows.length === 0 ? (
          <Empty title="Nothing recorded">No change matches these filters.</Empty>
        ) : (
          <>
            <DataTable table={table} label="Audit log" />
            <Pager
              page={pager.page}
              nextCursor={audit.data.nextCursor}
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
