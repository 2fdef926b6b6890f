// The prices usage is charged at. The API does not publish the rate card yet (it lives in
// packages/db, which must not be bundled here); until a procedure returns it, this explains the
// pricing rule and points to where every priced day is visible.
import { Anchor, Text } from '@mantine/core';
import { Link } from 'react-router';

export function RateCard() {
  return (
    <Text size="sm" c="dimmed">
      Each day&apos;s usage is priced by the rate card in force that day, in credits per unit (one
      credit is a quarter of a US dollar); storage is charged per day as GB held × the monthly price
      ÷ the days of that month. Costs are exact to 4 decimals and shown rounded to cents. See every
      priced day on the{' '}
      <Anchor component={Link} to="/usage">
        usage page
      </Anchor>
      .
    </Text>
  );
}
