// The one error services throw: a kind (mapped to a tRPC code by one middleware) and a sentence.
// The sentences every part of the server says the same way are written here, once.
import type { UserStatus } from './schemas.ts';

export type AppErrorKind =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'SERVICE_UNAVAILABLE';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly kind: AppErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (message: string) => new AppError('BAD_REQUEST', message);
export const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const preconditionFailed = (message: string) => new AppError('PRECONDITION_FAILED', message);

/** What a caller hears when the database cannot be reached (tRPC, /auth and /health alike). */
export const DATABASE_DOWN =
  'The database is not reachable right now. Please try again in a moment.';

const ACCOUNT_SUSPENDED = 'Your account is suspended. Contact support to have it reactivated.';
const ACCOUNT_DELETED = 'Your account has been deleted.';

/** Why a user who is not active (suspended or deleted) may not sign in or call anything. */
export function inactiveAccountMessage(status: UserStatus): string {
  return status === 'suspended' ? ACCOUNT_SUSPENDED : ACCOUNT_DELETED;
}

/** PostgreSQL error codes (SQLSTATE) the server reacts to. */
export const PG = {
  uniqueViolation: '23505',
  checkViolation: '23514',
  /** A sum past numeric(14,4). */
  numericOutOfRange: '22003',
  /** NUL in text. */
  characterNotInRepertoire: '22021',
  /** NUL in jsonb. */
  untranslatableCharacter: '22P05',
} as const;

export function pgCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Errors that mean the database cannot be reached right now (as opposed to a bad query). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgCode(error);
  if (code && /^(08|57P0[1-3]|53300)/.test(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code ?? '') ||
    /timeout exceeded when trying to connect|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error/i.test(
      message,
    )
  );
}
