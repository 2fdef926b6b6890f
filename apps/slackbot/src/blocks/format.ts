// Showing the API's decimal strings (money, quantities) and days. Exact: decimal strings are
// scaled to BigInt, never parsed as floats; money is shown rounded to cents, half-even (SPEC §3.4).

interface Scaled {
  units: bigint;
  scale: number;
}

function parse(value: string): Scaled {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value.trim());
  if (!match) throw new Error(`Not a decimal: ${value}`);
  const fraction = match[3] ?? '';
  const units = BigInt(match[2]! + fraction);
  return { units: match[1] ? -units : units, scale: fraction.length };
}

function rescale({ units, scale }: Scaled, places: number): bigint {
  if (scale <= places) return units * 10n ** BigInt(places - scale);
  const divisor = 10n ** BigInt(scale - places);
  const negative = units < 0n;
  const abs = negative ? -units : units;
  let q = abs / divisor;
  const r = abs % divisor;
  // Half-even: exactly half rounds to the even neighbour.
  if (r * 2n > divisor || (r * 2n === divisor && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

function print(units: bigint, places: number, group: boolean): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  let whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  if (group) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${whole}${places > 0 ? `.${fraction}` : ''}`;
}

/** Rounds a decimal string to `places`, half-even: "2.345" → "2.34", "2.355" → "2.36". */
export function roundDecimal(value: string, places: number): string {
  return print(rescale(parse(value), places), places, false);
}

/** "$1,234.56" (USD, rounded to cents). */
export function usd(value: string): string {
  const text = print(rescale(parse(value), 2), 2, true);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** Credits for a USD amount (1 credit = USD 0.25), e.g. "100" → "400". */
export function creditsOf(value: string): string {
  const scaled = parse(value);
  const text = print(rescale({ units: scaled.units * 4n, scale: scaled.scale }, 2), 2, true);
  return text.replace(/\.00$/, '');
}

/** A quantity with two decimals and thousands separators: "1,234.50". */
export function quantity(value: string): string {
  return print(rescale(parse(value), 2), 2, true);
}

/** Exact sum of decimal strings. */
export function sumDecimals(values: string[]): string {
  const parsed = values.map(parse);
  const scale = Math.max(0, ...parsed.map((p) => p.scale));
  const total = parsed.reduce((acc, p) => acc + rescale(p, scale), 0n);
  return print(total, scale, false);
}

export function compareDecimals(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  const scale = Math.max(pa.scale, pb.scale);
  const d = rescale(pa, scale) - rescale(pb, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** The UTC day of a moment: "2026-01-31". */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return utcDay(d);
}

/** The last `days` UTC days, today included. */
export function lastDays(today: string, days: number): { from: string; to: string } {
  return { from: addDays(today, -(days - 1)), to: today };
}

/** "2026-01-31 14:05 UTC" from an ISO timestamp. */
export function when(iso: string | null | undefined): string {
  if (!iso) return 'never';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
