// One table for every list: columns declare the text of each cell (which CSV downloads reuse),
// optional richer rendering, and how to sort. A table whose columns do not fit the width it has
// (a phone) is shown as cards instead, one per row, each figure beside its column's name, with a
// "Sort by" choice in place of the headers: nothing is cut and nothing scrolls sideways.
import { NativeSelect, Table, Text, UnstyledButton } from '@mantine/core';
import {
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
  type Table as TanstackTable,
} from '@tanstack/react-table';
import { useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { CsvColumn } from '../lib/csv.ts';
import { formatDateTime, formatDay } from '../lib/dates.ts';
import { DateTime, Day } from './dates.tsx';

export interface Column<Row> extends CsvColumn<Row> {
  id: string;
  /** A richer cell than `text` (a link, a badge); the CSV still uses `text`. */
  render?: (row: Row) => ReactNode;
  /** Makes the column sortable. */
  compare?: (a: Row, b: Row) => number;
  align?: 'left' | 'right';
  /**
   * How a sort on this column is worded in the cards' "Sort by": numbers highest or lowest first
   * (the default of right-aligned columns), dates newest or oldest first, text A to Z.
   */
  sortAs?: 'number' | 'date' | 'text';
}

const byTime = (a: string | null | undefined, b: string | null | undefined) =>
  (a ? Date.parse(a) : 0) - (b ? Date.parse(b) : 0);

/** A column of moments (sign-ins, audit entries), on the person's clock with UTC on hover. */
export function dateTimeColumn<Row>(
  id: string,
  header: string,
  at: (row: Row) => string | null | undefined,
): Column<Row> {
  return {
    id,
    header,
    text: (row) => formatDateTime(at(row)),
    render: (row) => <DateTime at={at(row)} />,
    compare: (a, b) => byTime(at(a), at(b)),
    sortAs: 'date',
  };
}

/** A column of UTC days (usage, reporting), with the hours they cover on hover. */
export function dayColumn<Row>(
  id: string,
  header: string,
  day: (row: Row) => string | null | undefined,
): Column<Row> {
  return {
    id,
    header,
    text: (row) => formatDay(day(row)),
    render: (row) => <Day day={day(row)} />,
    compare: (a, b) => byTime(day(a), day(b)),
    sortAs: 'date',
  };
}

export function useDataTable<Row>(options: {
  columns: readonly Column<Row>[];
  rows: readonly Row[];
  getRowId: (row: Row) => string;
  initialSort?: SortingState;
}): TanstackTable<Row> {
  const { columns, rows, getRowId, initialSort } = options;
  const [sorting, setSorting] = useState<SortingState>(initialSort ?? []);
  const columnDefs = useMemo<ColumnDef<Row>[]>(
    () =>
      columns.map((column) => ({
        id: column.id,
        header: column.header,
        accessorFn: (row: Row) => column.text(row),
        enableSorting: Boolean(column.compare),
        sortingFn: (a, b) => (column.compare ? column.compare(a.original, b.original) : 0),
        meta: column,
      })),
    [columns],
  );
  return useReactTable({
    data: rows as Row[],
    columns: columnDefs,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (row) => getRowId(row),
  });
}

/** The rows in the order the table shows them (what a CSV download must contain). */
export function shownRows<Row>(table: TanstackTable<Row>): Row[] {
  return table.getRowModel().rows.map((row) => row.original);
}

/** Cards of this many figures or more put two on a line (a day of usage), so they stay short. */
const DENSE_CARD_COLUMNS = 9;

function sortMark(direction: false | 'asc' | 'desc'): string {
  return direction === 'asc' ? ' ▲' : direction === 'desc' ? ' ▼' : '';
}

/**
 * Whether a table is to be shown as cards: when, shown as a table, it is wider than its box. The
 * table's own width is measured whenever it is shown as one (first, and again when its content
 * changes), so it turns back into a table as soon as its box is wide enough again. Layout effects
 * run before the browser paints, so a person never sees the measuring.
 */
function useStacked(content: unknown) {
  const box = useRef<HTMLDivElement>(null);
  const table = useRef<HTMLTableElement>(null);
  // `cards` while measuring new content: what sits beside the table (its "Sort by") stays put.
  const [state, setState] = useState({ stacked: false, cards: false });
  const tableWidth = useRef(0);
  const measured = useRef<unknown>(undefined);
  const { stacked } = state;
  useLayoutEffect(() => {
    const boxElement = box.current;
    const tableElement = table.current;
    if (!boxElement || !tableElement) return;
    if (stacked && measured.current !== content) {
      setState({ stacked: false, cards: true }); // new rows: measure them as a table first
      return;
    }
    const measure = () => {
      if (!stacked) {
        tableWidth.current = tableElement.offsetWidth;
        measured.current = content;
      }
      const next = tableWidth.current > boxElement.clientWidth + 1;
      setState((now) =>
        now.stacked === next && now.cards === next ? now : { stacked: next, cards: next },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(boxElement);
    if (!stacked) observer.observe(tableElement);
    return () => observer.disconnect();
  }, [stacked, content]);
  return { box, table, stacked, cards: state.cards };
}

const SORT_WORDS = {
  number: { asc: 'lowest first', desc: 'highest first' },
  date: { asc: 'oldest first', desc: 'newest first' },
  text: { asc: 'A to Z', desc: 'Z to A' },
} as const;

/** The cards' sorting: what the headers' buttons do when the table is a table. */
function SortBy<Row>({ table, label }: { table: TanstackTable<Row>; label: string }) {
  const sortable = table.getAllLeafColumns().filter((column) => column.getCanSort());
  if (sortable.length === 0) return null;
  const current = table.getState().sorting[0];
  const options = [
    { value: '', label: 'As listed' },
    ...sortable.flatMap((column) => {
      const meta = column.columnDef.meta as Column<Row>;
      const kind = meta.sortAs ?? (meta.align === 'right' ? 'number' : 'text');
      // Text reads A to Z first; figures and dates the biggest or newest first.
      const order = kind === 'text' ? (['asc', 'desc'] as const) : (['desc', 'asc'] as const);
      const words = SORT_WORDS[kind];
      return order.map((direction) => ({
        value: `${direction}:${column.id}`,
        label: `${meta.header}, ${words[direction]}`,
      }));
    }),
  ];
  return (
    <NativeSelect
      label="Sort by"
      aria-label={`Sort ${label} by`}
      size="xs"
      mb="xs"
      maw={320}
      data={options}
      value={current ? `${current.desc ? 'desc' : 'asc'}:${current.id}` : ''}
      onChange={(event) => {
        const [direction, ...id] = event.currentTarget.value.split(':');
        table.setSorting(direction ? [{ id: id.join(':'), desc: direction === 'desc' }] : []);
      }}
    />
  );
}

export function DataTable<Row>({
  table,
  label,
  onRowClick,
  footer,
}: {
  table: TanstackTable<Row>;
  label: string;
  onRowClick?: (row: Row) => void;
  footer?: ReactNode;
}) {
  const rows = table.getRowModel().rows;
  // Sorting moves rows but changes no width: only new data is measured again.
  const layout = useStacked(table.options.data);
  const dense = table.getVisibleLeafColumns().length >= DENSE_CARD_COLUMNS;
  return (
    <div
      className="data-table"
      data-stacked={layout.stacked ? (dense ? 'dense' : 'cards') : undefined}
    >
      {layout.cards && <SortBy table={table} label={label} />}
      <div className="data-table-box" ref={layout.box} data-testid={`table-${label}`}>
        <Table
          ref={layout.table}
          striped
          highlightOnHover={Boolean(onRowClick)}
          verticalSpacing="xs"
          aria-label={label}
        >
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {group.headers.map((header) => {
                  const column = header.column.columnDef.meta as Column<Row>;
                  const sorted = header.column.getIsSorted();
                  return (
                    <Table.Th
                      key={header.id}
                      ta={column.align ?? 'left'}
                      aria-sort={
                        sorted === 'asc'
                          ? 'ascending'
                          : sorted === 'desc'
                            ? 'descending'
                            : undefined
                      }
                    >
                      {header.column.getCanSort() ? (
                        <UnstyledButton
                          onClick={header.column.getToggleSortingHandler()}
                          fw={600}
                          fz="sm"
                        >
                          {column.header}
                          {sortMark(sorted)}
                        </UnstyledButton>
                      ) : (
                        <Text fw={600} fz="sm" span>
                          {column.header}
                        </Text>
                      )}
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr
                key={row.id}
                onClick={onRowClick ? () => onRowClick(row.original) : undefined}
                style={onRowClick ? { cursor: 'pointer' } : undefined}
              >
                {row.getVisibleCells().map((cell) => {
                  const column = cell.column.columnDef.meta as Column<Row>;
                  return (
                    <Table.Td key={cell.id} ta={column.align ?? 'left'} data-label={column.header}>
                      {column.render ? column.render(row.original) : column.text(row.original)}
                    </Table.Td>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Tbody>
          {footer}
        </Table>
      </div>
    </div>
  );
}

/**
 * A table built by hand (a few fixed rows, or rows with their own actions) that, like DataTable,
 * becomes cards where its columns do not fit. The first cell of a row is the card's title; give
 * every other cell a `data-label`, its column's name, which the card shows beside it.
 */
export function CardTable({
  label,
  children,
  striped = false,
}: {
  label: string;
  children: ReactNode;
  striped?: boolean;
}) {
  const layout = useStacked(children);
  return (
    <div className="data-table" data-stacked={layout.stacked ? 'cards' : undefined}>
      <div className="data-table-box" ref={layout.box} data-testid={`table-${label}`}>
        <Table ref={layout.table} striped={striped} verticalSpacing="xs" aria-label={label}>
          {children}
        </Table>
      </div>
    </div>
  );
}
