// Decimal arithmetic for money and quantities: decimal.js with half-even rounding, never floats.
import DecimalJs from 'decimal.js';

export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN });
export type Decimal = InstanceType<typeof Decimal>;
export type DecimalInput = string | number | Decimal;

/** Money and quantities are stored with 4 decimals (numeric(14,4)). */
export const SCALE = 4;

export function dec(value: DecimalInput): Decimal {
  return new Decimal(value);
}

/** Rounds once, half-even, to 4 decimals, and prints it the way PostgreSQL's numeric(14,4) does. */
export function round4(value: DecimalInput): string {
  return dec(value).toDecimalPlaces(SCALE, Decimal.ROUND_HALF_EVEN).toFixed(SCALE);
}

export function sum(values: readonly DecimalInput[]): Decimal {
  return values.reduce<Decimal>((acc, v) => acc.plus(v), dec(0));
}

/** USD with 2 decimals, half-even, for display. */
export function toCents(value: DecimalInput): string {
  return dec(value).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2);
}
