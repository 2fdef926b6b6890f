// Keyset paging (the API's opaque cursors): remembers the cursors of the pages already seen so
// "Previous" works, and starts over whenever the filters change.
import { Group, Select, Text } from '@mantine/core';
import { useState } from 'react';
import { ActionButton } from './action-button.tsx';

export function useCursorPager(filterKey: string) {
  const [state, setState] = useState<{ key: string; stack: (string | undefined)[] }>({
    key: filterKey,
    stack: [undefined],
  });
  const stack = state.key === filterKey ? state.stack : [undefined];
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor: string) => setState({ key: filterKey, stack: [...stack, cursor] }),
    previous: () => setState({ key: filterKey, stack: stack.slice(0, -1) }),
  };
}

export function Pager({
  page,
  nextCursor,
  onNext,
  onPrevious,
  limit,
  onLimit,
  shown,
}: {
  page: number;
  nextCursor: string | null | undefined;
  onNext: (cursor: string) => void;
  onPrevious: () => void;
  limit: number;
  onLimit: (limit: number) => void;
  shown: number;
}) {
  return (
    <Group justify="space-between" gap="sm" wrap="wrap">
      <Group gap="xs">
        <Text size="sm" c="dimmed">
          Page {page} · {shown} shown
        </Text>
        <Select
          aria-label="Rows per page"
          size="xs"
          w={110}
          data={['25', '50', '100'].map((value) => ({ value, label: `${value} a page` }))}
          value={String(limit)}
          allowDeselect={false}
          onChange={(value) => value && onLimit(Number(value))}
        />
      </Group>
      <Group gap="xs">
        <ActionButton
          size="xs"
          variant="default"
          disabledReason={page <= 1 && 'This is the first page.'}
          onClick={onPrevious}
        >
          Previous
        </ActionButton>
        <ActionButton
          size="xs"
          variant="default"
          disabledReason={!nextCursor && 'This is the last page: there is nothing after it.'}
          onClick={() => nextCursor && onNext(nextCursor)}
        >
          Next
        </ActionButton>
      </Group>
    </Group>
  );
}
