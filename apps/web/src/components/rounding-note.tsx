// Which figure is exact: a total is the exact sum, rounded once to the cent; each row of a table
// is rounded on its own, so the rows may add up to a cent or so more or less. Said in figures when
// they do, next to every table of costs with a total.
import { compareDecimals, formatUsd, sumDecimals, toCents } from '@hops/api/decimal';
import { Text } from '@mantine/core';

/**
 * Which figure is exact: the total is the exact sum, rounded once; each row is rounded to the cent
 * on its own, so the rows may add up to a cent or so more or less — said in figures when they do.
 */
export function RoundingNote({
  total,
  rows,
  rowsAre,
}: {
  total: string;
  rows: readonly string[];
  /** What the rows are, where they are: "the days below". */
  rowsAre: string;
}) {
  const rowsSum = sumDecimals(rows.map(toCents));
  const differs = compareDecimals(rowsSum, toCents(total)) !== 0;
  return (
    <Text size="xs" c="dimmed" data-testid="rounding-note">
      {differs
        ? `The total ${formatUsd(total)} is exact; ${rowsAre} add up to ${formatUsd(rowsSum)} because each is rounded to the cent on its own.`
        : `The total is exact; ${rowsAre} are each rounded to the cent on their own, so they can add up to a cent more or less.`}
    </Text>
  );
}
