// A moment or a UTC day on the page, in the one format of lib/dates.ts, as a <time> element whose
// hover says what the day boundary would otherwise hide: the UTC time behind a local one, and the
// hours of the person's clock that a UTC day covers.
import {
  formatDateTime,
  formatDay,
  formatLocalDay,
  formatUtcDateTime,
  utcDayTitle,
} from '../lib/dates.ts';

/** A moment on the person's clock ("5 Jan 2026, 14:05 CET"), UTC on hover. */
export function DateTime({ at }: { at: string | null | undefined }) {
  if (!at) return <>—</>;
  return (
    <time dateTime={at} title={formatUtcDateTime(at)}>
      {formatDateTime(at)}
    </time>
  );
}

/** The day of a moment on the person's clock ("5 Jan 2026"), the UTC moment on hover. */
export function LocalDay({ at }: { at: string | null | undefined }) {
  if (!at) return <>—</>;
  return (
    <time dateTime={at} title={formatUtcDateTime(at)}>
      {formatLocalDay(at)}
    </time>
  );
}

/** A UTC day ("5 Jan 2026"); the hover says which hours of the person's clock it covers. */
export function Day({ day }: { day: string | null | undefined }) {
  if (!day) return <>—</>;
  return (
    <time dateTime={day.slice(0, 10)} title={utcDayTitle(day.slice(0, 10))}>
      {formatDay(day)}
    </time>
  );
}
