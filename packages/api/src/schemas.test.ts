// The input schemas' bounds (SPEC §12): e-mail addresses that two mailboxes could share under
// Unicode normalisation or case mapping are refused, matching folds ASCII letters only, and a
// free-form JSON object of any depth or size is refused with a sentence instead of a crash.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  day,
  describeInputError,
  email,
  emailKey,
  emailProblem,
  jsonObject,
  jsonObjectProblem,
  MAX_INPUT_DEPTH,
  nestsDeeperThan,
  sameEmail,
} from './schemas.ts';

function refusal(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return describeInputError(result.error);
}

/** An object nested `depth` levels deep, built without recursion. */
function nested(depth: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let node = root;
  for (let i = 1; i < depth; i += 1) {
    const child: Record<string, unknown> = {};
    node.a = child;
    node = child;
  }
  return root;
}

describe('email', () => {
  it('keeps a plain address as typed, trimmed', () => {
    expect(email.parse('  Alice.Smith+hops@Acme.TEST ')).toBe('Alice.Smith+hops@Acme.TEST');
  });

  it('refuses every character Unicode would read as another letter, naming it', () => {
    const cases: [string, string][] = [
      ['\u212Aen@acme.test', '“\u212A” (U+212A)'], // Kelvin sign: 'k' under lower-casing
      ['stra\u00DFe@acme.test', '“ß” (U+00DF)'], // 'SS' under upper-casing: strasse@
      ['\u0131an@acme.test', '“ı” (U+0131)'], // Turkish dotless i: 'I', then 'i'
      ['\u0130an@acme.test', '“İ” (U+0130)'], // Turkish dotted capital I
      ['\uFB01nn@acme.test', '“ﬁ” (U+FB01)'], // the ligature is 'fi' under NFKC
      ['alice@\uFF41cme.test', '“ａ” (U+FF41)'], // full-width 'a'
      ['ANDR\u00C9@acme.test', '“É” (U+00C9)'],
      ['\u03C3\u03C2@acme.test', '“ς” (U+03C2)'], // final sigma: 'Σ', then 'σ'
    ];
    for (const [address, named] of cases) {
      expect(refusal(email, address), address).toBe(
        `This e-mail address holds ${named}, which could be read as another letter, so two different mailboxes could match. Type the address in plain letters (a–z, digits, . _ ' + -).`,
      );
    }
    expect(refusal(email, 'e\u0301@acme.test')).toMatch(
      /^This e-mail address holds “\u0301” \(U\+0301\)/,
    );
  });

  it('refuses other non-ASCII addresses with a sentence of their own', () => {
    expect(refusal(email, 'jos\u00E9@acme.test')).toBe(
      "An e-mail address can hold plain characters only (a–z, digits, . _ ' + -, and an international domain in its xn-- form).",
    );
    expect(email.parse('jose@xn--caf-dma.test')).toBe('jose@xn--caf-dma.test');
  });

  it('holds at most 254 characters, 64 before the @', () => {
    const local = 'a'.repeat(64);
    expect(email.parse(`${local}@acme.test`)).toBe(`${local}@acme.test`);
    expect(refusal(email, `${local}a@acme.test`)).toBe(
      'The part of an e-mail address before the @ has at most 64 characters.',
    );
    const domain = `${'d'.repeat(63)}.`.repeat(4);
    expect(refusal(email, `a@${domain}test`)).toBe('An e-mail address has at most 254 characters.');
    expect(refusal(email, 'x'.repeat(1_000_000))).toBe(
      'An e-mail address has at most 254 characters.',
    );
    expect(refusal(email, '   ')).toBe('Give an e-mail address.');
    expect(refusal(email, 'not an e-mail')).toBe('Enter a valid e-mail address.');
  });

  it('gives the same sentence to paths outside a procedure (the identity provider)', () => {
    expect(emailProblem('alice@acme.test')).toBeNull();
    expect(emailProblem('\u212Aen@acme.test')).toMatch(/^This e-mail address holds “\u212A”/);
    expect(emailProblem(undefined)).toEqual(expect.any(String));
  });

  it('matches addresses by lower-casing ASCII letters only', () => {
    expect(sameEmail(' Alice@ACME.test', 'alice@acme.TEST ')).toBe(true);
    expect(emailKey('Alice@ACME.test')).toBe('alice@acme.test');
    // JavaScript's toLowerCase would make each of these pairs one mailbox.
    expect(sameEmail('\u212Aen@acme.test', 'ken@acme.test')).toBe(false);
    expect('\u212Aen@acme.test'.toLowerCase()).toBe('ken@acme.test');
    expect(sameEmail('\u0130an@acme.test', 'ian@acme.test')).toBe(false);
    expect(sameEmail('ANDR\u00C9@acme.test', 'andr\u00E9@acme.test')).toBe(false);
  });
});

describe('day', () => {
  it('refuses days the calendar does not have, year 0000 included, with a sentence', () => {
    for (const value of ['2026-02-30', '2026-13-01', '2026-00-10', '0000-01-01', '0000-12-31']) {
      expect(refusal(z.object({ from: day }), { from: value }), value).toBe(
        'The start date is not a day of the calendar.',
      );
    }
    for (const value of ['275760-09-13', '+275760-09-13', '-000001-01-01', '2026-1-1', '']) {
      expect(refusal(z.object({ from: day }), { from: value }), value).toBe(
        'The start date must be a date like 2026-01-31.',
      );
    }
    expect(['0001-01-01', '9999-12-31', '2028-02-29'].map((v) => day.parse(v))).toEqual([
      '0001-01-01',
      '9999-12-31',
      '2028-02-29',
    ]);
  });
});

describe('jsonObject', () => {
  const breakdown = z.object({ projectBreakdown: jsonObject('project breakdown') });

  it('takes an ordinary object', () => {
    const value = { fraud: { cpuHours: 1.5, tags: ['a', null, true] }, 'ml-prod': {} };
    expect(breakdown.parse({ projectBreakdown: value })).toEqual({ projectBreakdown: value });
  });

  it('refuses an object nested 100 000 deep with a sentence, without overflowing the stack', () => {
    expect(refusal(breakdown, { projectBreakdown: nested(100_000) })).toBe(
      'The project breakdown can be nested at most 32 levels deep.',
    );
    const deepList: unknown[] = [];
    let node = deepList;
    for (let i = 0; i < 100_000; i += 1) {
      const child: unknown[] = [];
      node.push(child);
      node = child;
    }
    expect(jsonObjectProblem({ a: deepList })).toBe('can be nested at most 32 levels deep');
    expect(jsonObjectProblem(nested(32))).toBeNull();
    expect(jsonObjectProblem(nested(33))).toBe('can be nested at most 32 levels deep');
  });

  it('refuses too many values, overlong texts, NUL characters and non-objects', () => {
    const wide = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]));
    expect(jsonObjectProblem(wide)).toBe('can hold at most 10000 values');
    expect(jsonObjectProblem({ a: 'x'.repeat(10_001) })).toBe(
      'can hold texts of at most 10000 characters',
    );
    expect(jsonObjectProblem({ ['k'.repeat(10_001)]: 1 })).toBe(
      'can hold names of at most 10000 characters',
    );
    expect(jsonObjectProblem({ a: 'nul\u0000' })).toBe('cannot hold the NUL character (\\u0000)');
    expect(jsonObjectProblem({ 'n\u0000': 1 })).toBe('cannot hold the NUL character (\\u0000)');
    for (const value of [null, [], 'text', 7]) {
      expect(jsonObjectProblem(value)).toBe('must be a JSON object, like {"name": "value"}');
    }
    expect(refusal(breakdown, { projectBreakdown: [] })).toBe(
      'The project breakdown must be a JSON object, like {"name": "value"}.',
    );
  });
});

describe('nestsDeeperThan', () => {
  it('measures depth without recursion, for any depth of input', () => {
    expect(nestsDeeperThan(nested(MAX_INPUT_DEPTH), MAX_INPUT_DEPTH)).toBe(false);
    expect(nestsDeeperThan(nested(MAX_INPUT_DEPTH + 1), MAX_INPUT_DEPTH)).toBe(true);
    expect(nestsDeeperThan(nested(1_000_000), MAX_INPUT_DEPTH)).toBe(true);
    const list: unknown[] = [];
    let node = list;
    for (let i = 0; i < 1_000_000; i += 1) {
      const child: unknown[] = [];
      node.push(child);
      node = child;
    }
    expect(nestsDeeperThan({ records: [list] }, MAX_INPUT_DEPTH)).toBe(true);
    for (const flat of [undefined, null, 'text', 7, [], {}, { a: [1, { b: 'c' }] }]) {
      expect(nestsDeeperThan(flat, 3)).toBe(false);
    }
  });

  it('lets the largest valid input through: 10 000 usage records with breakdowns', () => {
    const records = Array.from({ length: 10_000 }, (_, i) => ({
      userId: `u${i}`,
      projectBreakdown: { fraud: { cpuHours: 1, tags: ['a'] } },
    }));
    expect(nestsDeeperThan({ records }, MAX_INPUT_DEPTH)).toBe(false);
  });
});
