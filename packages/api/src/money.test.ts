// The server's money arithmetic (money.ts): half-even rounding to 4 decimals, exact sums.
import { describe, expect, it } from 'vitest';
import { round4, sum } from './money.ts';

describe('money', () => {
  it('round4 rounds half to even and always prints 4 decimals', () => {
    expect(
      ['0.00005', '0.00015', '0.00025', '0.000251', '-0.00015', '2', '1e-5'].map(round4),
    ).toEqual(['0.0000', '0.0002', '0.0002', '0.0003', '-0.0002', '2.0000', '0.0000']);
  });

  it('sum adds decimal strings exactly', () => {
    expect(sum(['0.1', '0.2']).toString()).toBe('0.3');
    expect(sum([]).toString()).toBe('0');
    expect(round4(sum(Array.from({ length: 1000 }, () => '0.0001')))).toBe('0.1000');
  });
});
