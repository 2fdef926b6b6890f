// Input refusals read as sentences naming the field, whatever zod rule refused them.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { dateRange, describeInputError, email, quantity, uuid } from './schemas.ts';

function refusal(schema: z.ZodType, value: unknown): string {
  const result = schema.safeParse(value);
  if (result.success) throw new Error(`expected ${JSON.stringify(value)} to be refused`);
  return describeInputError(result.error);
}

describe('describeInputError', () => {
  it('names the field, in words, for zod’s own rules', () => {
    const input = z.object({
      maxUsers: z.number().int().min(1).max(1_000_000),
      reason: z.string().trim().min(3).max(5),
      userId: z.string().trim().min(1),
      status: z.enum(['active', 'suspended']),
      limit: z.number().int().max(500),
    });
    const ok = { maxUsers: 1, reason: 'abcd', userId: 'u', status: 'active', limit: 1 };
    expect(refusal(input, { ...ok, maxUsers: 2_000_000 })).toBe(
      'The capacity can be at most 1,000,000.',
    );
    expect(refusal(input, { ...ok, maxUsers: 1.5 })).toBe('The capacity must be a whole number.');
    expect(refusal(input, { ...ok, maxUsers: 'many' })).toBe('The capacity must be a number.');
    expect(refusal(input, { ...ok, reason: 'ab' })).toBe(
      'The reason must be at least 3 characters long.',
    );
    expect(refusal(input, { ...ok, reason: 'abcdef' })).toBe(
      'The reason can be at most 5 characters long.',
    );
    expect(refusal(input, { ...ok, userId: '  ' })).toBe('Give the user id.');
    expect(refusal(input, { ...ok, status: 'gone' })).toBe(
      'The status must be one of “active” or “suspended”.',
    );
    const { maxUsers: _dropped, ...withoutCapacity } = ok;
    expect(refusal(input, withoutCapacity)).toBe('Give the capacity.');
    expect(refusal(z.strictObject({ a: z.string() }), { a: 'x', b: 1 })).toBe(
      'This request has a field hops does not know: “b”.',
    );
  });

  it('names the record a field belongs to, and puts the field before a bare predicate', () => {
    const batch = z.object({
      records: z.array(
        z.object({
          cpuHours: quantity,
          gpuHours: z.custom((v) => typeof v === 'string', { error: 'must be a decimal string' }),
        }),
      ),
    });
    expect(refusal(batch, { records: [{ cpuHours: '1', gpuHours: 2 }] })).toBe(
      'The GPU hours of record 1 must be a decimal string.',
    );
    expect(
      refusal(batch, {
        records: [
          { cpuHours: '1', gpuHours: '1' },
          { cpuHours: '-1', gpuHours: '1' },
        ],
      }),
    ).toBe(
      'The CPU hours of record 2 must be a non-negative number with at most 4 decimals and 10 digits before the point.',
    );
  });

  it('words the shared schemas’ own rules with the field they are used for', () => {
    expect(refusal(z.object({ clusterId: uuid }), { clusterId: 'abc' })).toBe(
      'The cluster must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list).',
    );
    expect(refusal(uuid, 'abc')).toBe(
      'The id must look like 3f0c1e2a-5b6d-4c7e-8f90-a1b2c3d4e5f6 (copy it from the list).',
    );
    expect(refusal(dateRange, { from: 'yesterday', to: '2026-02-30' })).toBe(
      'The start date must be a date like 2026-01-31. The end date is not a day of the calendar.',
    );
    expect(refusal(dateRange, { from: '2026-03-02', to: '2026-03-01' })).toBe(
      'The start date is after the end date. Pick a start on or before the end.',
    );
    expect(refusal(email, 'not an e-mail')).toBe('Enter a valid e-mail address.');
  });

  it('shows three sentences at most and counts the rest', () => {
    const many = z.object({
      a: z.string(),
      b: z.string(),
      c: z.string(),
      d: z.string(),
      e: z.string(),
    });
    expect(refusal(many, {})).toBe(
      'Give the a. Give the b. Give the c. 2 more fields need fixing too.',
    );
  });
});
