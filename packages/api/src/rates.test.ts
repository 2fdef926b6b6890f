// Pricing a user-day (SPEC §3.4): hand-computed rows, and a property test against an oracle in
// plain integer arithmetic (no decimal library), so the two cannot share a mistake.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NoRateCardError,
  RATE_CARDS,
  priceUsage,
  rateCardFor,
  type Quantities,
  quantityUnits,
} from './rates.ts';
import { daysInMonth } from './days.ts';

const none: Quantities = {
  cpuHours: '0',
  gpuHours: '0',
  ramGbHours: '0',
  onlineStorageGb: '0',
  offlineStorageGb: '0',
  networkEgressGb: '0',
};
const price = (q: Partial<Quantities>, date = '2025-08-15') => priceUsage({ ...none, ...q }, date);

// The 2025-08 card in USD (credits × 0.25): cpu 0.125/h, gpu 2.5/h, ram 0.0125/GB·h,
// online storage 0.5/GB·month, offline 0.03/GB·month, egress 0.1/GB.
describe('priceUsage', () => {
  it('prices a day column by column', () => {
    expect(
      price({
        cpuHours: '10',
        gpuHours: '2',
        ramGbHours: '64',
        onlineStorageGb: '31',
        offlineStorageGb: '310',
        networkEgressGb: '3',
      }),
    ).toEqual({
      cpuCost: '1.2500',
      gpuCost: '5.0000',
      ramCost: '0.8000',
      storageCost: '0.8000', // (31 × 0.5 + 310 × 0.03) ÷ 31 days
      networkCost: '0.3000',
      totalCost: '8.1500',
      rateCard: '2025-08',
    });
  });

  it('prices nothing at zero, always with 4 decimals', () => {
    expect(price({})).toEqual({
      cpuCost: '0.0000',
      gpuCost: '0.0000',
      ramCost: '0.0000',
      storageCost: '0.0000',
      networkCost: '0.0000',
      totalCost: '0.0000',
      rateCard: '2025-08',
    });
  });

  it('divides monthly storage by the days of that month', () => {
    const storage = (q: Partial<Quantities>, date: string) => price(q, date).storageCost;
    const online28 = { onlineStorageGb: '28' }; // 14 USD a month
    expect(storage(online28, '2026-02-10')).toBe('0.5000'); // ÷ 28
    expect(storage(online28, '2028-02-10')).toBe('0.4828'); // ÷ 29, leap year: 0.482758…
    expect(storage(online28, '2026-04-10')).toBe('0.4667'); // ÷ 30: 0.466666…
    expect(storage(online28, '2026-03-10')).toBe('0.4516'); // ÷ 31: 0.451612…
    const offline100 = { offlineStorageGb: '100' }; // 3 USD a month
    expect(storage(offline100, '2026-02-28')).toBe('0.1071'); // 0.107142…
    expect(storage(offline100, '2026-01-31')).toBe('0.0968'); // 0.096774…
    // Online and offline are added before the single rounding.
    // (0.00155 + 0.0009) ÷ 31 = 0.000079…, though each alone would round to 0.0000.
    expect(storage({ onlineStorageGb: '0.0031' }, '2025-08-01')).toBe('0.0000');
    expect(storage({ offlineStorageGb: '0.03' }, '2025-08-01')).toBe('0.0000');
    expect(storage({ onlineStorageGb: '0.0031', offlineStorageGb: '0.03' }, '2025-08-01')).toBe(
      '0.0001',
    );
  });

  it('rounds each column half-even at the fifth decimal', () => {
    const cpu = (hours: string) => price({ cpuHours: hours }).cpuCost;
    expect(cpu('0.0004')).toBe('0.0000'); // 0.00005 → even 0
    expect(cpu('0.0012')).toBe('0.0002'); // 0.00015 → even 2
    expect(cpu('0.0020')).toBe('0.0002'); // 0.00025 → even 2 (half-up would give 0.0003)
    expect(cpu('0.0028')).toBe('0.0004'); // 0.00035 → even 4
    expect(cpu('20.0004')).toBe('2.5000'); // 2.50005 → even 2.5000
    expect(cpu('0.0003')).toBe('0.0000'); // 0.0000375, below half
    expect(cpu('0.0005')).toBe('0.0001'); // 0.0000625, above half
    expect(price({ gpuHours: '0.0001' }).gpuCost).toBe('0.0002'); // 0.00025
    expect(price({ gpuHours: '0.0003' }).gpuCost).toBe('0.0008'); // 0.00075
    expect(price({ ramGbHours: '0.004' }).ramCost).toBe('0.0000'); // 0.00005
    expect(price({ ramGbHours: '0.012' }).ramCost).toBe('0.0002'); // 0.00015
    expect(price({ networkEgressGb: '0.0025' }).networkCost).toBe('0.0002'); // 0.00025
    expect(price({ networkEgressGb: '0.0035' }).networkCost).toBe('0.0004'); // 0.00035
    // Storage: 0.0093 GB × 0.5 ÷ 31 = 0.00015 and 0.0155 GB → 0.00025 (August, 31 days);
    // 0.014 GB × 0.5 ÷ 28 = 0.00025 (February 2026).
    expect(price({ onlineStorageGb: '0.0093' }).storageCost).toBe('0.0002');
    expect(price({ onlineStorageGb: '0.0155' }).storageCost).toBe('0.0002');
    expect(price({ onlineStorageGb: '0.014' }, '2026-02-01').storageCost).toBe('0.0002');
  });

  it('totals the rounded columns, not the exact amounts', () => {
    // Exact: 0.00005 × 3 = 0.00015, which would round to 0.0002; the columns round to 0 each.
    expect(
      price({ cpuHours: '0.0004', ramGbHours: '0.004', networkEgressGb: '0.0005' }).totalCost,
    ).toBe('0.0000');
    // Exact: 0.00015 + 0.00025 + 0.00015 + 0.00015 + 0.00015 = 0.00085; rounded columns: 5 × 0.0002.
    expect(
      price({
        cpuHours: '0.0012',
        gpuHours: '0.0001',
        ramGbHours: '0.012',
        networkEgressGb: '0.0015',
        onlineStorageGb: '0.0093',
      }).totalCost,
    ).toBe('0.0010');
  });

  it('accepts numbers as well as decimal strings', () => {
    expect(priceUsage({ ...none, cpuHours: 10, gpuHours: 0.5 }, '2025-08-15')).toMatchObject({
      cpuCost: '1.2500',
      gpuCost: '1.2500',
      totalCost: '2.5000',
    });
  });
});

describe('rateCardFor', () => {
  it('finds the card in force on a day, and none before the first', () => {
    expect(rateCardFor('2025-08-01').id).toBe('2025-08');
    expect(rateCardFor('2031-12-31').id).toBe('2025-08');
    expect(() => rateCardFor('2025-07-31')).toThrow(NoRateCardError);
    expect(() => price({}, '2025-07-31')).toThrow(NoRateCardError);
  });
});

describe('daysInMonth', () => {
  it('knows month lengths and leap years', () => {
    expect(
      [
        '2025-01-15',
        '2025-02-01',
        '2024-02-29',
        '2000-02-10',
        '2100-02-10',
        '2025-04-30',
        '2025-12-31',
      ].map(daysInMonth),
    ).toEqual([31, 28, 29, 29, 28, 30, 31]);
  });
});

// The oracle: amounts as integers of 0.0001, rates as fractions, half-even by hand.
const SCALE = 10_000n;

function fraction(decimal: string): { num: bigint; den: bigint } {
  const [whole, part = ''] = decimal.split('.');
  const den = 10n ** BigInt(part.length);
  return { num: BigInt(whole!) * den + BigInt(part || '0'), den };
}

function divideHalfEven(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num % den);
  if (twice > den || (twice === den && q % 2n === 1n)) return q + 1n;
  return q;
}

function format(units: bigint): string {
  return `${units / SCALE}.${(units % SCALE).toString().padStart(4, '0')}`;
}

function oracleDays(date: string): bigint {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return BigInt([31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!);
}

/** Cost in 0.0001 USD of `units` (0.0001 of a unit) at `credits` per unit, 1 credit = 0.25 USD. */
function cost(units: bigint, credits: string): bigint {
  const rate = fraction(credits);
  return divideHalfEven(units * rate.num, 4n * rate.den);
}

describe('priceUsage, property', () => {
  // numeric(14,4): up to 9 999 999 999.9999, as a count of 0.0001; small values hit the ties, and
  // 10^11..4·10^11 straddles where a product passes 2^52 (pricing in doubles hands over to BigInts).
  const amount = fc.oneof(
    fc.bigInt({ min: 0n, max: 200n }),
    fc.bigInt({ min: 0n, max: 10_000_000n }),
    fc.bigInt({ min: 10n ** 11n, max: 4n * 10n ** 11n }),
    fc.bigInt({ min: 0n, max: 10n ** 14n - 1n }),
  );
  const day = fc
    .date({
      min: new Date('2025-08-01T00:00:00Z'),
      max: new Date('2040-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10));

  it('each column is quantity × rate at 4 decimals half-even, and the total their sum', () => {
    fc.assert(
      fc.property(
        amount,
        amount,
        amount,
        amount,
        amount,
        amount,
        day,
        (cpu, gpu, ram, online, offline, egress, date) => {
          const card = RATE_CARDS.filter((c) => c.effectiveFrom <= date).at(-1)!;
          const r = card.creditsPerUnit;
          const on = fraction(r.onlineStorageGbMonth);
          const off = fraction(r.offlineStorageGbMonth);
          const expected = {
            cpuCost: cost(cpu, r.cpuHour),
            gpuCost: cost(gpu, r.gpuHour),
            ramCost: cost(ram, r.ramGbHour),
            storageCost: divideHalfEven(
              online * on.num * off.den + offline * off.num * on.den,
              4n * on.den * off.den * oracleDays(date),
            ),
            networkCost: cost(egress, r.networkEgressGb),
          };
          const total = Object.values(expected).reduce((a, b) => a + b, 0n);

          const actual = priceUsage(
            {
              cpuHours: format(cpu),
              gpuHours: format(gpu),
              ramGbHours: format(ram),
              onlineStorageGb: format(online),
              offlineStorageGb: format(offline),
              networkEgressGb: format(egress),
            },
            date,
          );
          expect(actual).toEqual({
            cpuCost: format(expected.cpuCost),
            gpuCost: format(expected.gpuCost),
            ramCost: format(expected.ramCost),
            storageCost: format(expected.storageCost),
            networkCost: format(expected.networkCost),
            totalCost: format(total),
            rateCard: card.id,
          });
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('quantityUnits', () => {
  const PLAIN = /^\d{1,10}(\.\d{1,4})?$/;
  const exact = (text: string) => {
    const [whole, part = ''] = text.split('.');
    return Number(BigInt(whole!) * 10_000n + BigInt(part.padEnd(4, '0') || '0'));
  };

  it('takes exactly the plain decimals usage.ingest accepts, in ten-thousandths (property)', () => {
    const text = fc.oneof(
      fc.stringMatching(/^\d{1,10}(\.\d{1,4})?$/),
      fc.string({ unit: fc.constantFrom(...'0123456789.-+e x'.split('')), maxLength: 17 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const units = quantityUnits(s);
        if (PLAIN.test(s)) expect(units).toBe(exact(s));
        else expect(units).toBeNull();
      }),
      { numRuns: 5000 },
    );
  });

  it('edges', () => {
    expect(quantityUnits('9999999999.9999')).toBe(99_999_999_999_999);
    expect(quantityUnits('0')).toBe(0);
    expect(quantityUnits('007.5')).toBe(75_000);
    for (const bad of ['', '.', '1.', '.5', '12345678901', '1.23456', '1e3', '-1', ' 1', '1 ']) {
      expect(quantityUnits(bad)).toBeNull();
    }
  });
});
