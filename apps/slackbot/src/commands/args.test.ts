// Reading arguments: quoting as people type it in Slack, and amounts that never become floats.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { spendingCapUsd } from '@hops/api/schemas';
import { readAmount, readCap, readRole, readWholeNumber, tokenize, UsageError } from './args.ts';

/** The sentence of the UsageError `read` throws. */
function refusalOf(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('tokenize', () => {
  test('quoted phrases are one word, in straight and curly quotes', () => {
    expect(tokenize('suspend bob@acme.test "card declined" twice')).toEqual([
      'suspend',
      'bob@acme.test',
      'card declined',
      'twice',
    ]);
    expect(tokenize("a 'b c' “d e” ‘f g’ «h i»")).toEqual(['a', 'b c', 'd e', 'f g', 'h i']);
    expect(tokenize('  spaced \t out  ')).toEqual(['spaced', 'out']);
    expect(tokenize('reason ""')).toEqual(['reason', '']);
  });

  test("Slack's escaping and auto-links are undone", () => {
    expect(tokenize('whois <mailto:a@b.test|a@b.test> &lt;x&gt; &amp;')).toEqual([
      'whois',
      'a@b.test',
      '<x>',
      '&',
    ]);
    expect(tokenize('see <https://x.test/a|x.test>')).toEqual(['see', 'https://x.test/a']);
  });

  test('an unclosed quote is a usage error', () => {
    expect(() => tokenize('suspend x "oops')).toThrow(UsageError);
  });

  test('any words survive a round trip through quoting', () => {
    const word = fc
      .string({ minLength: 1 })
      .filter((w) => !/["“”]/.test(w) && w.trim() === w && w !== '');
    fc.assert(
      fc.property(fc.array(word, { maxLength: 6 }), (words) => {
        const line = words.map((w) => `"${w}"`).join(' ');
        const unescaped = words.map((w) =>
          w
            .replace(/<mailto:([^|>]+)(\|[^>]*)?>/g, '$1')
            .replace(/<((?:https?):[^|>]+)(\|[^>]*)?>/g, '$1')
            .replace(/&lt;/g, '<')
            .replace(/&gt;/g, '>')
            .replace(/&amp;/g, '&'),
        );
        expect(tokenize(line)).toEqual(unescaped);
      }),
    );
  });
});

describe('readAmount', () => {
  test('decimal strings are kept exact and normalised', () => {
    expect(readAmount('25')).toBe('25');
    expect(readAmount('$12.50')).toBe('12.50');
    expect(readAmount('0.0001')).toBe('0.0001');
    expect(readAmount('007.5')).toBe('7.5');
    expect(readAmount('1,000.25')).toBe('1000.25');
    expect(readAmount('9999999999.9999')).toBe('9999999999.9999');
  });

  test('floats, signs, exponents and zero are refused', () => {
    for (const bad of [
      '1e3',
      '-5',
      '+5',
      '.5',
      '5.',
      '12.34567',
      'NaN',
      'Infinity',
      '0x10',
      '0',
      '0.0000',
      '',
    ]) {
      expect(() => readAmount(bad), bad).toThrow(UsageError);
    }
    expect(() => readAmount(undefined)).toThrow(/Give an amount/);
  });

  test('every amount with up to 4 decimals reads back as the same number, digit for digit', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 4 })
          .chain((places) =>
            fc.tuple(
              fc.bigInt({ min: 1n, max: 10n ** BigInt(10 + places) - 1n }),
              fc.constant(places),
            ),
          ),
        ([units, places]) => {
          const digits = units.toString().padStart(places + 1, '0');
          const text =
            places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
          const read = readAmount(text);
          const [whole, fraction = ''] = read.split('.');
          expect(BigInt(whole! + fraction.padEnd(places, '0'))).toBe(units);
        },
      ),
    );
  });
});

describe('readCap', () => {
  test('USD with up to 2 decimals, kept exact; off is no cap', () => {
    expect(readCap('500')).toBe('500');
    expect(readCap('$1,250.50')).toBe('1250.50');
    expect(readCap('0.01')).toBe('0.01');
    expect(readCap('007')).toBe('7');
    expect(readCap('1000000000')).toBe('1000000000');
    expect(readCap('off')).toBeNull();
    expect(readCap('OFF')).toBeNull();
  });

  test('a refused cap says what is wrong with it', () => {
    const why = (word: string | undefined) => refusalOf(() => readCap(word));
    expect(why('0')).toBe('A cap must be more than $0; for no cap, write `off`.');
    expect(why('0.00')).toBe('A cap must be more than $0; for no cap, write `off`.');
    expect(why('-5')).toBe('A cap must be more than $0, not `-5`; for no cap, write `off`.');
    expect(why('12.345')).toBe('A cap can have at most 2 decimals (cents), not 3 (`12.345`).');
    expect(why('1000000000.01')).toBe('A cap can be at most $1,000,000,000, not `1000000000.01`.');
    expect(why('99999999999')).toMatch(/^A cap can be at most \$1,000,000,000/);
    expect(why('1e3')).toMatch(/^`1e3` is not a cap: write a number of USD in digits/);
    expect(why('lots')).toMatch(/^`lots` is not a cap/);
    expect(why(undefined)).toBe('Give the cap in USD, like 500 or 1250.50, or `off` for no cap.');
  });

  test("accepts exactly what the API's cap schema accepts, as the same decimal", () => {
    const word = fc.stringMatching(/^-?\d{0,11}(\.\d{0,3})?$/);
    fc.assert(
      fc.property(word, (w) => {
        const api = spendingCapUsd.safeParse(w);
        let read: string | null | undefined;
        try {
          read = readCap(w);
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
        }
        if (w === '') return; // the API reads '' as a refusal too; the bot asks for a cap
        expect(read !== undefined, w).toBe(api.success);
        if (api.success && read) expect(Number(read)).toBe(Number(api.data));
      }),
    );
  });
});

describe('other arguments', () => {
  test('whole numbers within a range, with a default', () => {
    const range = { min: 1, max: 400, default: 30 };
    expect(readWholeNumber(undefined, 'Days', range)).toBe(30);
    expect(readWholeNumber('7', 'Days', range)).toBe(7);
    for (const bad of ['0', '401', '-1', '7.0', '1e2', 'seven']) {
      expect(() => readWholeNumber(bad, 'Days', range), bad).toThrow(UsageError);
    }
  });

  test('a refused whole number says which rule it broke', () => {
    const range = { min: 1, max: 400, default: 30 };
    const why = (word: string) => refusalOf(() => readWholeNumber(word, 'Days', range));
    expect(why('-5')).toBe('Days must be a positive whole number (from 1 to 400), not `-5`.');
    expect(why('0')).toBe('Days must be a positive whole number (from 1 to 400), not `0`.');
    expect(why('-1.5')).toBe('Days must be a positive whole number (from 1 to 400), not `-1.5`.');
    expect(why('1.5')).toBe(
      'Days must be a whole number without decimals (from 1 to 400), not `1.5`.',
    );
    expect(why('401')).toBe('Days must be at most 400, not `401`.');
    expect(why('1e2')).toBe(
      'Days must be a whole number written in digits (from 1 to 400), not `1e2`.',
    );
    expect(why('seven')).toMatch(/written in digits/);
    expect(refusalOf(() => readWholeNumber('-2', 'N', { min: 5, max: 9, default: 5 }))).toBe(
      'N must be at least 5, not `-2`.',
    );
    expect(readWholeNumber('+7', 'Days', range)).toBe(7);
  });

  test('a refused amount says what is wrong with it', () => {
    const why = (word: string) => refusalOf(() => readAmount(word));
    expect(why('-5')).toMatch(/^The amount must be positive, not `-5`/);
    expect(why('-0.25')).toMatch(/^The amount must be positive/);
    expect(why('12.34567')).toBe('The amount can have at most 4 decimals, not 5 (`12.34567`).');
    expect(why('.5')).toMatch(/write digits on both sides of the point/);
    expect(why('5.')).toMatch(/write digits on both sides of the point/);
    expect(why('1e3')).toMatch(/^`1e3` is not an amount: write a number of USD in digits/);
    expect(why('12345678901')).toMatch(/^The amount is too large/);
    expect(why('0.00')).toBe('The amount must be greater than zero.');
    expect(why('')).toBe('Give an amount in USD.');
  });

  test('roles by their name or short name, any case', () => {
    expect(readRole([])).toBeUndefined();
    expect(readRole(['data', 'OWNER'])).toBe('Data owner');
    expect(readRole(['Data scientist'])).toBe('Data scientist');
    expect(readRole(['scientist'])).toBe('Data scientist');
    expect(readRole(['observer'])).toBe('Observer');
    expect(() => readRole(['admin'])).toThrow(/not a role/);
  });
});
