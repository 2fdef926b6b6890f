// Showing the API's timestamps, and counts with their nouns. Money, quantities and days are shown
// with @hops/api's decimal and days modules, which the server and the dashboard use too.

/** "2026-01-31 14:05 UTC" from an ISO timestamp. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/**
 * A count and its noun, singular for exactly one: "1 credit", "0 credits", "2.5 credits",
 * "1,000 credits". `n` is a number or a decimal string as shown.
 */
export function count(n: number | string, singular: string, plural = `${singular}s`): string {
  const one = typeof n === 'number' ? Math.abs(n) === 1 : /^-?1$/.test(n);
  return `${n} ${one ? singular : plural}`;
}
