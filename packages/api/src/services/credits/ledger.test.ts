// The ledger's arithmetic on plain objects: no database.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { dec, type Decimal } from '../../money.ts';
import type { CreditPool } from '../../schemas.ts';
import {
  addCredits,
  availableOf,
  balanceOf,
  chargeUsage,
  creditsLeft,
  exhaustedAfter,
  refundUsage,
  type CreditState,
  type LedgerEntry,
} from './ledger.ts';

function state(credits: { paid?: string; free?: string; unpaid?: string } = {}): CreditState {
  return {
    userId: 'owner',
    email: 'owner@example.test',
    billingMode: 'prepaid',
    exhausted: false,
    totalPurchased: dec(credits.paid ?? 0),
    totalUsed: dec(0),
    freeCreditsGranted: dec(credits.free ?? 0),
    freeCreditsUsed: dec(0),
    unpaidUsage: dec(credits.unpaid ?? 0),
    cpuHoursUsed: dec(0),
    gpuHoursUsed: dec(0),
    storageGbMonths: dec(0),
  };
}

const moves = (entries: LedgerEntry[]) =>
  entries.map((e) => [e.kind, e.pool, e.amount, e.balanceAfter]);

/** What the ledger entries add up to per pool must be what the state's totals say is left. */
function expectBalanced(s: CreditState, entries: LedgerEntry[], start: CreditState) {
  const sum = (pool: CreditPool) =>
    entries.filter((e) => e.pool === pool).reduce<Decimal>((a, e) => a.plus(e.amount), dec(0));
  expect(s.totalPurchased.minus(s.totalUsed).toFixed(4)).toBe(
    start.totalPurchased.minus(start.totalUsed).plus(sum('paid')).toFixed(4),
  );
  expect(s.freeCreditsGranted.minus(s.freeCreditsUsed).toFixed(4)).toBe(
    start.freeCreditsGranted.minus(start.freeCreditsUsed).plus(sum('free')).toFixed(4),
  );
}

describe('chargeUsage', () => {
  it('spends free credits first, then paid', () => {
    const s = state({ paid: '5', free: '2' });
    expect(moves(chargeUsage(s, dec('3'), 'row', 'Usage'))).toEqual([
      ['usage', 'free', '-2.0000', '5.0000'],
      ['usage', 'paid', '-1.0000', '4.0000'],
    ]);
    expect(creditsLeft(s)).toEqual({
      paid: '4.0000',
      free: '0.0000',
      available: '4.0000',
      unpaidUsage: '0.0000',
    });
  });

  it('never goes below zero: what the credits cannot cover is recorded as unpaid', () => {
    const s = state({ paid: '1', free: '0.5' });
    const entries = chargeUsage(s, dec('2.25'), 'row', 'Usage');
    expect(moves(entries)).toEqual([
      ['usage', 'free', '-0.5000', '1.0000'],
      ['usage', 'paid', '-1.0000', '0.0000'],
    ]);
    expect(availableOf(s).toFixed(4)).toBe('0.0000');
    expect(s.unpaidUsage.toFixed(4)).toBe('0.7500');
    // With nothing left, a charge writes no entry and only grows the shortfall.
    expect(chargeUsage(s, dec('0.25'), 'row', 'Usage')).toEqual([]);
    expect(s.unpaidUsage.toFixed(4)).toBe('1.0000');
  });
});

describe('refundUsage', () => {
  it('reduces unpaid usage first, then gives back paid, then free credits', () => {
    const s = state({ paid: '1', free: '1' });
    chargeUsage(s, dec('2.5'), 'row', 'Usage'); // 1 free, 1 paid, 0.5 unpaid
    expect(moves(refundUsage(s, dec('0.25'), 'row', 'Lowered'))).toEqual([]);
    expect(s.unpaidUsage.toFixed(4)).toBe('0.2500');
    expect(moves(refundUsage(s, dec('1.5'), 'row', 'Lowered'))).toEqual([
      ['refund', 'paid', '1.0000', '1.0000'],
      ['refund', 'free', '0.2500', '1.2500'],
    ]);
    expect(creditsLeft(s)).toEqual({
      paid: '1.0000',
      free: '0.2500',
      available: '1.2500',
      unpaidUsage: '0.0000',
    });
  });

  it('never gives back more than was spent', () => {
    const s = state({ paid: '1' });
    chargeUsage(s, dec('0.5'), 'row', 'Usage');
    refundUsage(s, dec('3'), 'row', 'Lowered');
    expect(creditsLeft(s)).toMatchObject({ paid: '1.0000', available: '1.0000' });
  });
});

describe('addCredits', () => {
  it('records a purchase or a grant, then settles unpaid usage from it', () => {
    const s = state({ unpaid: '1.5' });
    expect(moves(addCredits(s, 'free', dec('1'), 'Welcome'))).toEqual([
      ['grant', 'free', '1.0000', '1.0000'],
      ['usage', 'free', '-1.0000', '0.0000'],
    ]);
    expect(moves(addCredits(s, 'paid', dec('2'), 'Top-up'))).toEqual([
      ['purchase', 'paid', '2.0000', '2.0000'],
      ['usage', 'paid', '-0.5000', '1.5000'],
    ]);
    expect(balanceOf(s)).toEqual({
      userId: 'owner',
      paid: '1.5000',
      free: '0.0000',
      available: '1.5000',
      unpaidUsage: '0.0000',
      creditsExhausted: false,
      billingMode: 'prepaid',
    });
  });
});

describe('exhaustedAfter', () => {
  it('is on while usage is unpaid, off once the balance is positive, else unchanged', () => {
    expect(exhaustedAfter(state({ unpaid: '0.0001' }))).toBe(true);
    expect(exhaustedAfter({ ...state({ paid: '1' }), exhausted: true })).toBe(false);
    expect(exhaustedAfter({ ...state(), exhausted: true })).toBe(true);
    expect(exhaustedAfter(state())).toBe(false);
  });
});

describe('ledger arithmetic (property)', () => {
  const amount = fc.integer({ min: 1, max: 50_000 }).map((n) => dec(n).dividedBy(10_000));
  const move = fc.oneof(
    fc.record({ kind: fc.constant('charge' as const), amount }),
    fc.record({ kind: fc.constant('refund' as const), amount }),
    fc.record({
      kind: fc.constant('add' as const),
      amount,
      pool: fc.constantFrom('paid' as const, 'free' as const),
    }),
  );

  it('keeps every pool non-negative and the entries equal to the totals', () => {
    fc.assert(
      fc.property(fc.array(move, { maxLength: 30 }), (steps) => {
        const s = state();
        const start = state();
        const entries: LedgerEntry[] = [];
        for (const step of steps) {
          if (step.kind === 'charge') entries.push(...chargeUsage(s, step.amount, null, 'c'));
          else if (step.kind === 'refund') entries.push(...refundUsage(s, step.amount, null, 'r'));
          else entries.push(...addCredits(s, step.pool, step.amount, 'a'));
          expect(s.totalUsed.lte(s.totalPurchased)).toBe(true);
          expect(s.freeCreditsUsed.lte(s.freeCreditsGranted)).toBe(true);
          expect(s.totalUsed.gte(0) && s.freeCreditsUsed.gte(0) && s.unpaidUsage.gte(0)).toBe(true);
          // Unpaid usage only exists while nothing is left to pay it from.
          if (s.unpaidUsage.gt(0)) expect(availableOf(s).isZero()).toBe(true);
        }
        expectBalanced(s, entries, start);
      }),
      { numRuns: 200 },
    );
  });
});
