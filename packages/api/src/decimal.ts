// Exact decimal strings, the way the API sends money and quantities (numeric(14,4) as text): parsed
// into scaled BigInts, never floats, rounded half-even (SPEC §3.4). Client-safe: the server, the
// dashboard and the Slack bot all round, format and add with this one module.

/** A decimal as an integer count of 10^-scale: 12.34 is { units: 1234n, scale: 2 }. */
export interface Scaled {
  units: bigint;
  scale: number;
}

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;
const POW10: bigint[] = [];
export const pow10 = (n: number): bigint => (POW10[n] ??= 10n ** BigInt(n));

/** Parses "-12.34", "12", ".5"; throws on anything else (exponents included). */
export function parseDecimal(value: string): Scaled {
  const match = DECIMAL.exec(value.trim());
  const [, sign, whole = '', fraction = ''] = match ?? [];
  if (!match || (whole === '' && fraction === '')) {
    throw new Error(`Not a decimal number: "${value}"`);
  }
  const units = BigInt(`${whole || '0'}${fraction}`);
  return { units: sign === '-' ? -units : units, scale: fraction.length };
}

/** Integer division rounded half-even (ties go to the even neighbour), for any signs. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  const negative = numerator < 0n !== denominator < 0n;
  const n = numerator < 0n ? -numerator : numerator;
  const d = denominator < 0n ? -denominator : denominator;
  let quotient = n / d;
  const twice = 2n * (n % d);
  if (twice > d || (twice === d && quotient % 2n === 1n)) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** The value in units of 10^-places, rounded half-even. */
export function unitsAt(value: Scaled, places: number): bigint {
  if (value.scale <= places) return value.units * pow10(places - value.scale);
  return divideHalfEven(value.units, pow10(value.scale - places));
}

/** Units of 10^-places as text: (123456n, 4) → "12.3456", with thousands separators if asked. */
export function printUnits(units: bigint, places: number, grouping = false): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  let whole = digits.slice(0, digits.length - places);
  if (grouping) whole = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const text = places > 0 ? `${whole}.${digits.slice(digits.length - places)}` : whole;
  // A value that rounds to zero is shown without a sign: never "-0.00".
  return negative ? `-${text}` : text;
}

/** `value` rounded half-even to `places` decimals, always that many: ("2.345", 2) → "2.34". */
export function roundDecimal(value: string, places: number): string {
  return printUnits(unitsAt(parseDecimal(value), places), places);
}

/** USD with 2 decimals, half-even, no grouping: "12.3450" → "12.34". */
export function toCents(value: string): string {
  return roundDecimal(value, 2);
}

/** `value` rounded half-even to `places` decimals, grouped by default: ("1234.5678", 2) → "1,234.57". */
export function formatDecimal(
  value: string,
  places = 2,
  options: { grouping?: boolean } = {},
): string {
  return printUnits(unitsAt(parseDecimal(value), places), places, options.grouping ?? true);
}

/** US dollars rounded to cents: "1234.5678" → "$1,234.57", "-0.5" → "-$0.50". */
export function formatUsd(value: string): string {
  const text = formatDecimal(value, 2);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** Integer cents (Stripe's amounts) as a USD decimal string, exactly: 1234 → "12.34". */
export function centsToUsd(cents: number | bigint): string {
  const n = BigInt(cents);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`;
}

/** A USD string with at most 2 decimals as integer cents, exactly: "12.5" → 1250; else null. */
export function usdToCents(value: string): number | null {
  const match = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** A quantity with at most `places` decimals and no trailing zeros: "12.3400" → "12.34". */
export function formatQuantity(value: string, places = 2): string {
  const text = formatDecimal(value, places);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Exact sum, with at least 4 decimals (the stored scale): ["0.1", "0.2"] → "0.3000". */
export function sumDecimals(values: readonly string[]): string {
  const parsed = values.map(parseDecimal);
  // A loop, not Math.max(...): a batch's thousands of values would be as many arguments.
  let scale = 4;
  for (const p of parsed) if (p.scale > scale) scale = p.scale;
  let total = 0n;
  for (const p of parsed) total += unitsAt(p, scale);
  return printUnits(total, scale);
}

/** Orders decimal strings numerically (for table sorting): -1, 0 or 1. */
export function compareDecimals(a: string, b: string): number {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const difference = unitsAt(x, scale) - unitsAt(y, scale);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** Exact product, trailing zeros dropped: ("0.5", "0.25") → "0.125". */
export function multiplyDecimals(a: string, b: string): string {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const text = printUnits(x.units * y.units, x.scale + y.scale);
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}

/** A chart coordinate: charts draw floats; tables, sums and CSV never use this. */
export function toChartNumber(value: string): number {
  return Number(value);
}

/** The internal billing unit (SPEC §1): one credit is USD 0.25. */
export const USD_PER_CREDIT = '0.25';

/** Credits for a USD amount, to 2 decimals, grouped, whole numbers bare: "100" → "400". */
export function creditsOf(usd: string): string {
  const amount = parseDecimal(usd);
  const perCredit = parseDecimal(USD_PER_CREDIT);
  // usd ÷ perCredit at 2 decimals: (a / 10^sa) / (p / 10^sp) × 10^2
  const units = divideHalfEven(
    amount.units * pow10(perCredit.scale + 2),
    perCredit.units * pow10(amount.scale),
  );
  return printUnits(units, 2, true).replace(/\.00$/, '');
}
