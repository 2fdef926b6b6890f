// Revocable sessions (SPEC §12): a web session is a signed cookie that says when it began; a
// session begun before its user's `sessions_valid_after` is refused (loadUserActor). Logging out,
// a suspension, a deletion and "sign out everywhere" move that instant, ending every session of
// the person at once — a copied cookie included.
import { sql } from 'kysely';
import type { AuditActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor, Transaction } from '../db.ts';
import { lockUser } from './users.ts';

/** `at`, or the instant already stored if later: never moved back. */
const validAfter = (at: Date) => sql<Date>`GREATEST(sessions_valid_after, ${at}::timestamptz)`;

/**
 * Refuses every session of `userId` begun before `at` (default: now, by this server's clock, the
 * clock that dates the sessions it issues). Never moves the instant back, so a server whose clock
 * lags cannot revive sessions another one ended.
 */
export async function revokeSessions(
  db: Executor,
  userId: string,
  at: Date = new Date(),
): Promise<void> {
  await db
    .updateTable('users')
    .set({ sessionsValidAfter: validAfter(at) })
    .where('id', '=', userId)
    .execute();
}

/**
 * Logging out with `session`: ends every session of its user, unless this one had already been
 * ended — a revoked copy of a cookie cannot sign its owner out of their newer sessions. Returns
 * whether it ended them.
 */
export async function signOut(
  db: Executor,
  session: { userId: string; issuedAt: Date },
  at: Date = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ sessionsValidAfter: validAfter(at) })
    .where('id', '=', session.userId)
    .where((eb) =>
      eb.or([
        eb('sessionsValidAfter', 'is', null),
        eb('sessionsValidAfter', '<=', session.issuedAt),
      ]),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * "Sign out everywhere": the person themself (`account.signOutEverywhere`, `self`) or an admin
 * (`admin.users.signOutEverywhere`, any account, their own included). Audited in `trx`.
 */
export async function signOutEverywhere(
  trx: Transaction,
  actor: AuditActor,
  input: { userId: string; reason: string | null; self: boolean },
): Promise<{ signedOutAt: string }> {
  const user = await lockUser(trx, input.userId);
  const at = new Date();
  await revokeSessions(trx, user.id, at);
  await recordAudit(
    trx,
    actor,
    input.self ? 'account.signOutEverywhere' : 'admin.users.signOutEverywhere',
    { type: 'user', id: user.id },
    { email: user.email, reason: input.reason, signedOutAt: at.toISOString() },
  );
  return { signedOutAt: at.toISOString() };
}
