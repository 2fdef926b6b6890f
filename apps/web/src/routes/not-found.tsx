import { Button } from '@mantine/core';
import { Link } from 'react-router';
import { Refusal } from '../components/states.tsx';

export default function NotFoundPage() {
  return (
    <Refusal title="There is no such page.">
      The address may be mistyped, or the page has moved.{' '}
      <Button component={Link} to="/" variant="subtle" size="compact-sm">
        Go to the overview
      </Button>
    </Refusal>
  );
}
