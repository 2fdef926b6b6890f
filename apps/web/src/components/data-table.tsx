// One table for every list: columns declare the text of each cell (which CSV downloads reuse),
// optional richer rendering, and how to sort. Wide tables scroll inside their own box.
import { Table, Text, UnstyledButton } from '@mantine/core';
import {
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
  type Table as TanstackTable,
} from '@tanstack/react-table';
import { useMemo, useState, type ReactNode } from 'react';
import type { CsvColumn } from '../lib/csv.ts';

export interface Column<Row> extends CsvColumn<Row> {
  id: string;
  /** A richer cell than `text` (a link, a badge); the CSV still uses `text`. */
  render?: (row: Row) => ReactNode;
  /** Makes the column sortable. */
  compare?: (a: Row, b: Row) => number;
  align?: 'left' | 'right';
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

function sortMark(direction: false | 'asc' | 'desc'): string {
  return direction === 'asc' ? ' ▲' : direction === 'desc' ? ' ▼' : '';
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
  return (
    <div className="table-scroll" data-testid={`table-${label}`}>
      <Table striped highlightOnHover={Boolean(onRowClick)} verticalSpacing="xs" aria-label={label}>
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
                      sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined
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
          {table.getRowModel().rows.map((row) => (
            <Table.Tr
              key={row.id}
              onClick={onRowClick ? () => onRowClick(row.original) : undefined}
              style={onRowClick ? { cursor: 'pointer' } : undefined}
            >
              {row.getVisibleCells().map((cell) => {
                const column = cell.column.columnDef.meta as Column<Row>;
                return (
                  <Table.Td key={cell.id} ta={column.align ?? 'left'}>
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
  );
}
