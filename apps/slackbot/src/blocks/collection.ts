// A cluster's usage collection as the bot shows it (SPEC §9): how far its hours are collected,
// how far behind that is, and the hours kept partial or failing, in `/hops clusters` and the
// collection-gap alert.
import type { ApiOutputs } from '../api.ts';
import { count, when } from './format.ts';

export type CollectionHealth = NonNullable<ApiOutputs['clusters']['list'][number]['collection']>;

const HOUR_MS = 3_600_000;

/** The end of an hour from its start (ISO): what "collected to" names. */
export const hourEnd = (hour: string) => new Date(Date.parse(hour) + HOUR_MS).toISOString();

/**
 * The end of the newest hour collected: "14:00 UTC" on the day of `now`, else with its day
 * ("2026-12-01 14:00 UTC"). `lastHour` is the start of that hour.
 */
export function collectedTo(lastHour: string, now: Date = new Date()): string {
  const end = hourEnd(lastHour);
  const full = when(end);
  return end.slice(0, 10) === now.toISOString().slice(0, 10) ? full.slice(11) : full;
}

/** How far collection is: "collected to 14:00 UTC", "5 h behind ⚠", "nothing collected yet ⚠". */
export function collectionState(health: CollectionHealth, now: Date = new Date()): string {
  if (health.lastHour === null) return `nothing collected yet${health.gap ? ' ⚠' : ''}`;
  if (health.gap) return `${health.hoursBehind ?? '?'} h behind ⚠`;
  return `collected to ${collectedTo(health.lastHour, now)}`;
}

/**
 * The whole line: "collected to 14:00 UTC · 2 partial · 1 failing: <error> · 3 unmapped
 * namespaces (billed to nobody)"; "—" for a cluster without OpenCost (null). `short`: for a table
 * cell, without the error and the namespaces ("collected to 14:00 UTC · 2 partial · 1 failing").
 */
export function collectionLine(
  health: CollectionHealth | null,
  options: { now?: Date; short?: boolean } = {},
): string {
  if (!health) return '—';
  const { now = new Date(), short = false } = options;
  const parts = [collectionState(health, now)];
  if (!short && health.gap && health.lastHour !== null) {
    parts.push(`collected to ${collectedTo(health.lastHour, now)}`);
  }
  if (health.partialHours > 0) parts.push(`${health.partialHours} partial`);
  if (health.failedHours > 0) {
    const error = !short && health.lastError ? `: ${health.lastError}` : '';
    parts.push(`${health.failedHours} failing${error}`);
  }
  if (!short && health.unmappedNamespaces > 0) {
    parts.push(`${count(health.unmappedNamespaces, 'unmapped namespace')} (billed to nobody)`);
  }
  return parts.join(' · ');
}

/** Whether a line below the table is worth showing: anything but "collected, up to date". */
export function needsAttention(health: CollectionHealth | null): boolean {
  if (!health) return false;
  return (
    health.gap ||
    health.lastHour === null ||
    health.partialHours > 0 ||
    health.failedHours > 0 ||
    health.unmappedNamespaces > 0
  );
}
