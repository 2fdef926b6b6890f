// Asserting how PostgreSQL refuses a statement: by SQLSTATE and constraint name, not just "throws".
import pg from 'pg';
import { expect } from 'vitest';

export interface ExpectedPgError {
  /** SQLSTATE, e.g. '23514' (check_violation), '23505' (unique_violation). */
  code: string;
  /** Constraint (or unique index) named by the error; omit when the error names none. */
  constraint?: string | RegExp;
  /** The message must match this, for errors that name no constraint. */
  message?: RegExp;
}

/** Well-known SQLSTATEs, so tests read as words. */
export const PgCode = {
  restrictViolation: '23001',
  notNullViolation: '23502',
  foreignKeyViolation: '23503',
  uniqueViolation: '23505',
  checkViolation: '23514',
  deadlockDetected: '40P01',
} as const;

/** Runs `work`, which must fail with a PostgreSQL error matching `expected`; returns the error. */
export async function expectPgError(
  work: PromiseLike<unknown> | (() => PromiseLike<unknown>),
  expected: ExpectedPgError,
): Promise<pg.DatabaseError> {
  let error: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) {
    expect.fail(`expected PostgreSQL to refuse with ${JSON.stringify(expected)}, but it succeeded`);
  }
  if (!(error instanceof pg.DatabaseError)) {
    expect.fail(`expected a PostgreSQL error, got: ${String(error)}`);
  }
  expect({ code: error.code, constraint: error.constraint }).toEqual({
    code: expected.code,
    constraint:
      expected.constraint instanceof RegExp
        ? expect.stringMatching(expected.constraint)
        : expected.constraint,
  });
  if (expected.message) expect(error.message).toMatch(expected.message);
  return error;
}
