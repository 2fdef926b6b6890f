// An account's spending cap as the bot shows it (SPEC §11): the cap and its policy, the month's
// progress towards it, and whether the cap has stopped the account this month.
import { formatUsd } from '@hops/api/decimal';
import type { SpendingCapPolicy } from '@hops/api/schemas';
import type { ApiOutputs } from '../api.ts';

export type SpendingCap = ApiOutputs['account']['spendingCap'];

/** "$500.00 a month (notify)", or "no cap". */
export function capText(capUsd: string | null, policy: SpendingCapPolicy): string {
  return capUsd === null ? 'no cap' : `${formatUsd(capUsd)} a month (${policy})`;
}

/** "$123.45 so far in 2026-12 (24 %)": the month's cost, and its share of the cap. */
export function progressText(cap: SpendingCap): string {
  const percent = cap.percent === null ? '' : ` (${cap.percent} %)`;
  return `${formatUsd(cap.monthToDateUsd)} so far in ${cap.month.slice(0, 7)}${percent}`;
}

/**
 * The whois line: "$500.00 a month (suspend) · $123.45 so far in 2026-12 (24 %) · not suspended
 * this month", or "no cap · $12.00 so far in 2026-12".
 */
export function capLine(cap: SpendingCap): string {
  const parts = [capText(cap.capUsd, cap.policy), progressText(cap)];
  if (cap.capUsd !== null && cap.policy === 'suspend') {
    parts.push(cap.stopped ? ':no_entry: suspended this month' : 'not suspended this month');
  } else if (cap.stopped) {
    parts.push(':no_entry: suspended this month');
  }
  return parts.join(' · ');
}
