// Showing decimal strings exactly: sums and half-even rounding to cents, against BigInt arithmetic.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compareDecimals, creditsOf, lastDays, roundDecimal, sumDecimals, usd } from './format.ts';
import { mrkdwnToText } from './text.ts';

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
    expect(usd('0')).toBe('$0.00');
    expect(usd('1234567.891')).toBe('$1,234,567.89');
    expect(usd('2.345')).toBe('$2.34');
    expect(usd('2.355')).toBe('$2.36');
    expect(usd('2.3450')).toBe('$2.34');
    expect(usd('2.3451')).toBe('$2.35');
    expect(usd('-1.005')).toBe('-$1.00');
    expect(roundDecimal('0.125', 2)).toBe('0.12');
    expect(roundDecimal('0.135', 2)).toBe('0.14');
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

describe('days', () => {
  test('the last N days end today, inclusive', () => {
    expect(lastDays('2026-03-01', 1)).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(lastDays('2026-03-01', 30)).toEqual({ from: '2026-01-31', to: '2026-03-01' });
  });
});

describe('mrkdwn to text', () => {
  test('drops emphasis, links and entities', () => {
    expect(mrkdwnToText("*alice@acme.test*'s _team_ &lt;ok&gt; <https://x.test|link>")).toBe(
      "alice@acme.test's team <ok> link (https://x.test)",
    );
  });
});
