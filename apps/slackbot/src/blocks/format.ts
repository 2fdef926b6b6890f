// Showing the API's timestamps. Money, quantities and days are shown with @hops/api's decimal and
// days modules, which the server and the dashboard use too.

/** "2026-01-31 14:05 UTC" from an ISO timestamp. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
