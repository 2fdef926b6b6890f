// Exact decimal strings (decimal.ts): the rounding, formatting and sums both front ends show,
// against hand-computed values and BigInt arithmetic on the same digits.
import fc from 'fast-check';
import { describe, expect, it, test } from 'vitest';
import {
  creditsOf,
  roundDecimal,
  compareDecimals,
  formatDecimal,
  formatQuantity,
  formatUsd,
  sumDecimals,
  multiplyDecimals,
  toCents,
  centsToUsd,
  usdToCents,
} from './decimal.ts';

describe('formatUsd', () => {
  it('rounds the API’s 4-decimal strings to cents and groups thousands', () => {
    expect(formatUsd('1234.5678')).toBe('$1,234.57');
    expect(formatUsd('0.0000')).toBe('$0.00');
    expect(formatUsd('12')).toBe('$12.00');
    expect(formatUsd('1234567.1')).toBe('$1,234,567.10');
  });

  it('rounds half to even, as the server does, where a float would go wrong', () => {
    expect(formatUsd('0.125')).toBe('$0.12');
    expect(formatUsd('0.135')).toBe('$0.14');
    expect(formatUsd('0.145')).toBe('$0.14'); // Number('0.145').toFixed(2) says 0.14 by accident
    expect(formatUsd('1.005')).toBe('$1.00'); // and (1.005).toFixed(2) says 1.00 for float reasons
    expect(formatUsd('1.0051')).toBe('$1.01');
    expect(formatUsd('999.995')).toBe('$1,000.00');
  });

  it('is exact past the range of floats', () => {
    expect(formatUsd('9007199254740993.125')).toBe('$9,007,199,254,740,993.12');
  });

  it('shows negative amounts with the sign first, and never "-$0.00"', () => {
    expect(formatUsd('-25.5')).toBe('-$25.50');
    expect(formatUsd('-0.004')).toBe('$0.00');
  });

  it('refuses what is not a decimal number instead of showing NaN', () => {
    expect(() => formatUsd('abc')).toThrow(/Not a decimal/);
    expect(() => formatUsd('')).toThrow(/Not a decimal/);
    expect(() => formatUsd('1e3')).toThrow(/Not a decimal/);
  });
});

describe('formatDecimal and formatQuantity', () => {
  it('rounds to the places asked, with or without grouping', () => {
    expect(formatDecimal('1234.5', 0)).toBe('1,234'); // half to even
    expect(formatDecimal('1235.5', 0)).toBe('1,236');
    expect(formatDecimal('1234.5678', 2, { grouping: false })).toBe('1234.57');
  });

  it('drops trailing zeros of quantities', () => {
    expect(formatQuantity('12.3400', 4)).toBe('12.34');
    expect(formatQuantity('7.0000', 4)).toBe('7');
    expect(formatQuantity('0.0000', 4)).toBe('0');
    expect(formatQuantity('1500.25', 4)).toBe('1,500.25');
  });
});

describe('sumDecimals and compareDecimals', () => {
  it('adds exactly: ten times 0.1 is 1', () => {
    expect(sumDecimals(Array.from({ length: 10 }, () => '0.1'))).toBe('1.0000');
    expect(sumDecimals(['0.1', '0.2'])).toBe('0.3000');
    expect(sumDecimals([])).toBe('0.0000');
    expect(sumDecimals(['5', '-7.25'])).toBe('-2.2500');
  });

  it('orders numerically, not as text', () => {
    expect(compareDecimals('9.5', '10.25')).toBe(-1);
    expect(compareDecimals('10.2500', '10.25')).toBe(0);
    expect(compareDecimals('-1', '0')).toBe(-1);
  });
});

describe('multiplyDecimals', () => {
  it('multiplies exactly, where floats would not', () => {
    expect(multiplyDecimals('0.5', '0.25')).toBe('0.125');
    expect(multiplyDecimals('0.12', '0.25')).toBe('0.03');
    expect(multiplyDecimals('0.1', '0.3')).toBe('0.03'); // 0.1 * 0.3 = 0.030000000000000002 in floats
    expect(multiplyDecimals('10', '0.25')).toBe('2.5');
    expect(multiplyDecimals('-2', '0.25')).toBe('-0.5');
    expect(multiplyDecimals('0', '-3')).toBe('0');
  });
});

const decimal = fc
  .tuple(fc.bigInt({ min: -(10n ** 14n), max: 10n ** 14n }), fc.integer({ min: 0, max: 4 }))
  .map(([units, places]) => {
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
    const text = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
    return { text: `${negative ? '-' : ''}${text}`, units: units * 10n ** BigInt(4 - places) };
  });

describe('money on screen', () => {
  test('rounds to cents half-even and groups thousands', () => {
    expect(formatUsd('0')).toBe('$0.00');
    expect(formatUsd('1234567.891')).toBe('$1,234,567.89');
    expect(formatUsd('2.345')).toBe('$2.34');
    expect(formatUsd('2.355')).toBe('$2.36');
    expect(formatUsd('2.3450')).toBe('$2.34');
    expect(formatUsd('2.3451')).toBe('$2.35');
    expect(formatUsd('-1.005')).toBe('-$1.00');
    expect(roundDecimal('0.125', 2)).toBe('0.12');
    expect(roundDecimal('0.135', 2)).toBe('0.14');
  });

  test('toCents rounds half to even for display', () => {
    expect(['0.125', '0.135', '0.1251', '10'].map(toCents)).toEqual([
      '0.12',
      '0.14',
      '0.13',
      '10.00',
    ]);
  });

  test('credits are USD × 4', () => {
    expect(creditsOf('100')).toBe('400');
    expect(creditsOf('0.3')).toBe('1.20');
    expect(creditsOf('2500.0000')).toBe('10,000');
  });

  test('sums are exact (as BigInt arithmetic on the same digits)', () => {
    fc.assert(
      fc.property(fc.array(decimal, { maxLength: 20 }), (values) => {
        const expected = values.reduce((a, v) => a + v.units, 0n);
        const sum = roundDecimal(sumDecimals(values.map((v) => v.text)), 4);
        expect(BigInt(sum.replace('.', ''))).toBe(expected);
      }),
    );
  });

  test('rounding to cents is never more than half a cent off', () => {
    fc.assert(
      fc.property(decimal, ({ text }) => {
        const rounded = roundDecimal(text, 2);
        const diff = sumDecimals([
          text,
          rounded.startsWith('-') ? rounded.slice(1) : `-${rounded}`,
        ]);
        expect(compareDecimals(diff.replace('-', ''), '0.005')).toBeLessThanOrEqual(0);
      }),
    );
  });
});

describe('Stripe’s integer cents', () => {
  it('become exact USD strings and back, without floats', () => {
    expect(centsToUsd(123_456_789)).toBe('1234567.89');
    expect(centsToUsd(5)).toBe('0.05');
    expect(centsToUsd(-1)).toBe('-0.01');
    expect(centsToUsd(9_007_199_254_740_993n)).toBe('90071992547409.93');
    expect(usdToCents('12.5')).toBe(1250);
    expect(usdToCents('0.07')).toBe(7);
    expect(usdToCents('10000')).toBe(1_000_000);
    for (const bad of ['12.345', '-1', '1e3', '', '.5']) expect(usdToCents(bad)).toBeNull();
  });
});
