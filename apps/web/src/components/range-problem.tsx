// What a page says when the range in its address could not be used (useRangeParam's notice):
// what was asked for, why not, and what is shown instead.
import { Alert } from '@mantine/core';
import type { RangeNotice } from '../lib/range.ts';

/** The range in the address could not be used: say why, and what is shown instead. */
export function RangeProblem({ notice }: { notice: RangeNotice }) {
  const asked = `${notice.asked.from ?? '(no start)'} to ${notice.asked.to ?? '(no end)'}`;
  return (
    <Alert color="yellow" title="The range in the address was not used" data-testid="range-notice">
      It asked for {asked}. {notice.problem} Showing the last 30 days instead.
    </Alert>
  );
}
