// The date range of the usage pages: the last 7, 30 or 90 days, or custom inclusive UTC days.
import { daysBetween, lastDays, type DayRange } from '@hops/api/days';
import { Group, SegmentedControl, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { formatDayRange } from '../lib/dates.ts';
import { validateRange } from '../lib/range.ts';

const PRESETS = ['7', '30', '90'] as const;

function presetOf(range: DayRange): string {
  for (const days of PRESETS) {
    const preset = lastDays(Number(days));
    if (preset.from === range.from && preset.to === range.to) return days;
  }
  return 'custom';
}

export function RangePicker({
  value,
  onChange,
}: {
  value: DayRange;
  onChange: (range: DayRange) => void;
}) {
  const [mode, setMode] = useState(() => presetOf(value));
  const [draft, setDraft] = useState<DayRange>(value);
  const problem = mode === 'custom' ? validateRange(draft) : null;

  const pick = (next: string) => {
    setMode(next);
    if (next !== 'custom') {
      const range = lastDays(Number(next));
      setDraft(range);
      onChange(range);
    }
  };

  const edit = (next: DayRange) => {
    setDraft(next);
    if (!validateRange(next)) onChange(next);
  };

  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <SegmentedControl
        value={mode}
        onChange={pick}
        aria-label="Date range"
        data={[
          { value: '7', label: '7 days' },
          { value: '30', label: '30 days' },
          { value: '90', label: '90 days' },
          { value: 'custom', label: 'Custom' },
        ]}
      />
      {mode === 'custom' && (
        <Group gap="xs" align="flex-end" wrap="wrap">
          <TextInput
            type="date"
            label="From"
            value={draft.from}
            onChange={(event) => edit({ ...draft, from: event.currentTarget.value })}
            w={160}
          />
          <TextInput
            type="date"
            label="To"
            value={draft.to}
            onChange={(event) => edit({ ...draft, to: event.currentTarget.value })}
            w={160}
            error={problem}
          />
        </Group>
      )}
      {/* In the app's one date format, also beside the date fields (which show the browser's). */}
      <Text size="sm" c="dimmed" data-testid="range-summary">
        {formatDayRange(value.from, value.to)} ({daysBetween(value.from, value.to) + 1} UTC days)
      </Text>
    </Group>
  );
}
