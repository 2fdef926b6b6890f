// /admin/audit: every state change made through the API, newest first, filtered by action, by the
// e-mail of who acted and of whom it is about; each entry's details open in full; a CSV download
// holds every matching entry with the cells the table shows.
import { utcToday } from '@hops/api/days';
import { Anchor, Badge, Code, Group, Stack, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState, type ChangeEvent } from 'react';
import { Link } from 'react-router';
import { ActionButton } from '../../components/action-button.tsx';
import { DataTable, useDataTable, type Column } from '../../components/data-table.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { Pager, useCursorPager } from '../../components/pager.tsx';
import { ActionError, Empty, ErrorState, Loading } from '../../components/states.tsx';
import { downloadCsv, toCsv } from '../../lib/csv.ts';
import { formatDateTime } from '../../lib/dates.ts';
import { notifyDone } from '../../lib/notify.ts';
import { useTRPC, type RouterInputs, type RouterOutputs } from '../../lib/trpc.ts';
import { useUrlState } from '../../lib/url-state.ts';

type AuditItem = RouterOutputs['audit']['list']['items'][number];
type AuditInput = RouterInputs['audit']['list'];

/** The most entries one CSV holds (20 pages of the API's largest page). */
const CSV_MAX_ROWS = 10_000;
const CSV_PAGE = 500;

/** A details value as text: strings as they are, anything else as JSON. */
function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function fieldsOf(item: AuditItem): [string, unknown][] {
  const details = item.details;
  if (details === null || details === undefined) return [];
  if (typeof details !== 'object' || Array.isArray(details)) return [['value', details]];
  return Object.entries(details);
}

/** Every field of the details on one line, `key: value · key: value` (the cell and the CSV). */
function detailsText(item: AuditItem): string {
  return fieldsOf(item)
    .map(([key, value]) => `${key}: ${valueText(value)}`)
    .join(' · ');
}

function whoText(item: AuditItem): string {
  return item.actorEmail ?? item.actorUserId ?? (item.via === 'service' ? 'a service' : 'system');
}

function clusterName(item: AuditItem): string | null {
  const details = item.details as Record<string, unknown> | null;
  return details && typeof details === 'object' && typeof details.name === 'string'
    ? details.name
    : null;
}

/** Whom or what a change is about: a person by e-mail, a cluster by name, else the id. */
function targetText(item: AuditItem): string {
  if (!item.targetType) return '—';
  const label =
    item.targetType === 'cluster'
      ? (clusterName(item) ?? item.targetId)
      : (item.targetEmail ?? item.targetId);
  return `${item.targetType} ${label ?? ''}`.trim();
}

/** Short details show whole; longer ones open in full, one field a line, on demand. */
function DetailsCell({ item }: { item: AuditItem }) {
  const [open, setOpen] = useState(false);
  const fields = fieldsOf(item);
  const text = detailsText(item);
  if (fields.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        —
      </Text>
    );
  }
  const long = fields.length > 2 || text.length > 60;
  return (
    // Wraps inside its column (table cells do not wrap by themselves), so opening the details
    // makes the row taller, not the table wider.
    <Stack gap={2} align="flex-start" maw={380} style={{ minWidth: 0, whiteSpace: 'normal' }}>
      {open ? (
        <Stack gap={2} component="dl" m={0} data-testid="audit-details-open">
          {fields.map(([key, value]) => (
            <div key={key} style={{ overflowWrap: 'anywhere' }}>
              <Text component="dt" size="xs" c="dimmed" display="inline">
                {key}:{' '}
              </Text>
              <Text component="dd" size="sm" m={0} display="inline" className="mono">
                {typeof value === 'object' && value !== null ? (
                  <Code block>{JSON.stringify(value, null, 2)}</Code>
                ) : (
                  valueText(value)
                )}
              </Text>
            </div>
          ))}
        </Stack>
      ) : (
        <Text
          size="sm"
          className="mono"
          lineClamp={long ? 2 : undefined}
          style={{ whiteSpace: 'normal', overflowWrap: 'anywhere' }}
          data-testid="audit-details"
        >
          {text}
        </Text>
      )}
      {long && (
        <Anchor
          component="button"
          type="button"
          size="xs"
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          aria-label={open ? 'Show less of these details' : `Show all ${fields.length} details`}
        >
          {open ? 'Show less' : `Show all ${fields.length}`}
        </Anchor>
      )}
    </Stack>
  );
}

const auditColumns: Column<AuditItem>[] = [
  { id: 'at', header: 'When', text: (i) => formatDateTime(i.at) },
  {
    id: 'actor',
    header: 'Who',
    text: whoText,
    render: (i) =>
      i.actorUserId ? (
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(i.actorUserId)}`} size="sm">
          {whoText(i)}
        </Anchor>
      ) : (
        <Text size="sm" c="dimmed">
          {whoText(i)}
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
    header: 'About',
    text: targetText,
    render: (i) =>
      i.targetType === 'user' && i.targetId ? (
        <Anchor component={Link} to={`/admin/users/${encodeURIComponent(i.targetId)}`} size="sm">
          {targetText(i)}
        </Anchor>
      ) : i.targetType === 'cluster' && i.targetId ? (
        <Anchor component={Link} to={`/admin/clusters/${i.targetId}`} size="sm">
          {targetText(i)}
        </Anchor>
      ) : (
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {targetText(i)}
        </Text>
      ),
  },
  { id: 'details', header: 'Details', text: detailsText, render: (i) => <DetailsCell item={i} /> },
];

const FILTERS = ['action', 'actorEmail', 'targetEmail', 'targetId'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

export default function AdminAuditPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [params, update] = useUrlState();
  const typed: Filters = {
    action: params.get('action') ?? '',
    actorEmail: params.get('actorEmail') ?? '',
    targetEmail: params.get('targetEmail') ?? '',
    targetId: params.get('targetId') ?? '',
  };
  const limit = Number(params.get('limit') ?? 50) || 50;
  const [filters] = useDebouncedValue(typed, 300);
  const pager = useCursorPager(JSON.stringify([filters, limit]));
  const filterInput: Omit<AuditInput, 'limit' | 'cursor'> = {};
  for (const key of FILTERS) {
    const value = filters[key].trim();
    if (value) filterInput[key] = value;
  }
  const audit = useQuery({
    ...trpc.audit.list.queryOptions({
      ...filterInput,
      limit,
      ...(pager.cursor ? { cursor: pager.cursor } : {}),
    }),
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => audit.data?.items ?? [], [audit.data]);
  const table = useDataTable({ columns: auditColumns, rows, getRowId: (i) => i.id });

  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>(null);
  /** Every entry matching the filters, newest first, page by page up to CSV_MAX_ROWS. */
  const exportCsv = async () => {
    setExporting(true);
    setExportError(null);
    try {
      const items: AuditItem[] = [];
      let cursor: string | undefined;
      let more = true;
      while (more && items.length < CSV_MAX_ROWS) {
        const page = await queryClient.fetchQuery(
          trpc.audit.list.queryOptions({
            ...filterInput,
            limit: CSV_PAGE,
            ...(cursor ? { cursor } : {}),
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
        more = cursor !== undefined;
      }
      const kept = items.slice(0, CSV_MAX_ROWS);
      downloadCsv(`hops-audit-log-${utcToday()}.csv`, toCsv(auditColumns, kept));
      notifyDone(
        more || items.length > CSV_MAX_ROWS
          ? `The CSV holds the newest ${CSV_MAX_ROWS.toLocaleString('en-US')} matching entries; narrow the filters to export older ones.`
          : kept.length === 1
            ? 'The CSV holds the one matching entry.'
            : `The CSV holds all ${kept.length.toLocaleString('en-US')} matching entries.`,
      );
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };

  const field = (key: keyof Filters) => ({
    value: typed[key],
    onChange: (event: ChangeEvent<HTMLInputElement>) =>
      update({ [key]: event.currentTarget.value }),
    style: { flex: '1 1 200px' },
  });

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Who changed what, from the web, Slack or a service. Newest first."
        actions={
          <ActionButton
            variant="default"
            size="xs"
            onClick={() => void exportCsv()}
            loading={exporting}
            disabledReason={
              !audit.data
                ? 'The audit log is still loading.'
                : rows.length === 0 &&
                  'No entry matches the filters, so there is nothing to download.'
            }
          >
            Download CSV
          </ActionButton>
        }
      />
      <Stack gap="md">
        <Group gap="sm" align="flex-end" wrap="wrap">
          <TextInput
            label="Action"
            placeholder="e.g. credits.grant or clusters.*"
            {...field('action')}
          />
          <TextInput
            label="Who (e-mail)"
            placeholder="who acted, or part of it"
            {...field('actorEmail')}
          />
          <TextInput
            label="About (e-mail)"
            placeholder="whom it is about, or part of it"
            {...field('targetEmail')}
          />
          <TextInput label="Target id" placeholder="a user or cluster id" {...field('targetId')} />
        </Group>
        <ActionError error={exportError} />
        {audit.isPending ? (
          <Loading label="Loading the audit log…" />
        ) : audit.isError ? (
          <ErrorState error={audit.error} onRetry={() => void audit.refetch()} />
        ) : rows.length === 0 ? (
          <Empty title="Nothing recorded">No change matches these filters.</Empty>
        ) : (
          <>
            <DataTable table={table} label="Audit log" />
            <Text size="xs" c="dimmed">
              The CSV holds every entry matching the filters (up to{' '}
              {CSV_MAX_ROWS.toLocaleString('en-US')}), newest first, with the cells shown here.
            </Text>
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
