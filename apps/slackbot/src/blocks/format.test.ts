// Counts with their nouns: the singular for exactly one, as numbers and as shown decimals.
import { describe, expect, test } from 'vitest';
import { count } from './format.ts';

describe('count', () => {
  test('one is singular; zero, many, fractions and grouped figures are plural', () => {
    expect(count(1, 'member')).toBe('1 member');
    expect(count(0, 'member')).toBe('0 members');
    expect(count(2, 'sign-in')).toBe('2 sign-ins');
    expect(count('1', 'credit')).toBe('1 credit');
    expect(count('-1', 'credit')).toBe('-1 credit');
    expect(count('0.5', 'credit')).toBe('0.5 credits');
    expect(count('1.5', 'credit')).toBe('1.5 credits');
    expect(count('1,116.77', 'credit')).toBe('1,116.77 credits');
    expect(count(3, 'open invite')).toBe('3 open invites');
    expect(count(1, 'person', 'people')).toBe('1 person');
    expect(count(2, 'person', 'people')).toBe('2 people');
  });
});
