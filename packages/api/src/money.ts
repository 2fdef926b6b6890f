// Money arithmetic on the server: decimal.js with half-even rounding, never floats. Rounding to
// text goes through ./decimal.ts, the one half-even printer the front ends use too.
import DecimalJs from 'decimal.js';
import { roundDecimal } from './decimal.ts';

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
  return roundDecimal(dec(value).toFixed(), SCALE);
}

export function sum(values: readonly DecimalInput[]): Decimal {
  return values.reduce<Decimal>((acc, v) => acc.plus(v), dec(0));
}
