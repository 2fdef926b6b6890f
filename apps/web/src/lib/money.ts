// Decimal strings from the API (money and quantities) formatted and summed without floats:
// the API sends numeric(14,4) values as strings, and a float would turn 0.145 into 0.14.

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

interface Parsed {
  negative: boolean;
  /** The absolute value in units of 10^-scale. */
  units: bigint;
  scale: number;
}

function parse(value: string): Parsed {
  const match = DECIMAL.exec(value.trim());
  const [, sign, whole = '', fraction = ''] = match ?? [];
  if (!match || (whole === '' && fraction === '')) {
    throw new Error(`Not a decimal number: "${value}"`);
  }
  return {
    negative: sign === '-',
    units: BigInt(`${whole || '0'}${fraction}`),
    scale: fraction.length,
  };
}

/** Units of 10^-places, rounded half-even (the rounding the server uses for cents). */
function unitsAt(parsed: Parsed, places: number): bigint {
  if (parsed.scale <= places) return parsed.units * 10n ** BigInt(places - parsed.scale);
  const divisor = 10n ** BigInt(parsed.scale - places);
  const quotient = parsed.units / divisor;
  const twiceRest = (parsed.units % divisor) * 2n;
  if (twiceRest > divisor || (twiceRest === divisor && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

function group(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function print(units: bigint, places: number, grouping: boolean): string {
  const digits = units.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places);
  const shownWhole = grouping ? group(whole) : whole;
  return places > 0 ? `${shownWhole}.${fraction}` : shownWhole;
}

/** `value` rounded half-even to `places` decimals, e.g. ("1234.5678", 2) → "1,234.57". */
export function formatDecimal(
  value: string,
  places = 2,
  options: { grouping?: boolean } = {},
): string {
  const parsed = parse(value);
  const units = unitsAt(parsed, places);
  const text = print(units, places, options.grouping ?? true);
  return parsed.negative && units !== 0n ? `-${text}` : text;
}

/** US dollars rounded to cents: "1234.5678" → "$1,234.57", "-0.5" → "-$0.50". */
export function formatUsd(value: string): string {
  const text = formatDecimal(value, 2);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

/** A quantity with at most `places` decimals and no trailing zeros: "12.3400" → "12.34". */
export function formatQuantity(value: string, places = 2): string {
  const text = formatDecimal(value, places);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

const SUM_SCALE = 4;

function signedUnits(value: string, places: number): bigint {
  const parsed = parse(value);
  const units = unitsAt(parsed, places);
  return parsed.negative ? -units : units;
}

/** Exact sum of decimal strings with up to 4 decimals, as a decimal string with 4 decimals. */
export function sumDecimals(values: readonly string[]): string {
  const total = values.reduce((acc, value) => acc + signedUnits(value, SUM_SCALE), 0n);
  const text = print(total < 0n ? -total : total, SUM_SCALE, false);
  return total < 0n ? `-${text}` : text;
}

/** Orders decimal strings numerically (for table sorting). */
export function compareDecimals(a: string, b: string): number {
  const difference = signedUnits(a, SUM_SCALE) - signedUnits(b, SUM_SCALE);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

/** A chart coordinate: charts draw floats; tables and CSV never use this. */
export function toChartNumber(value: string): number {
  return Number(value);
}

/** Exact product of two non-negative or signed decimal strings, e.g. ("0.5", "0.25") → "0.125". */
export function multiplyDecimals(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  const units = x.units * y.units;
  const text = print(units, x.scale + y.scale, false);
  const trimmed = text.includes('.') ? text.replace(/\.?0+$/, '') : text;
  return x.negative !== y.negative && units !== 0n ? `-${trimmed}` : trimmed;
}
