// Sign-in and sign-up (SPEC §3.1): the one code path that creates or updates the user row, in one
// transaction with everything a sign-in causes — the bootstrap admin flag, checking the invite link
// it began at (never joining through it: only the invite page's Accept joins, SPEC §12), and the
// automatic cluster assignment of an eligible owner.
// The identity provider's e-mail is checked by the API's e-mail schema (SPEC §12), so two different
// mailboxes never match; matching folds ASCII letters only (emailKey).
// A bootstrap admin e-mail makes its user an admin once, and only with `email_verified === true`.
import { isIP } from 'node:net';
import { sql } from 'kysely';
import { inTransaction, type Db } from '@hops/db';
import { userCallerOf, type UserActor } from '../actor.ts';
import { recordAudit } from '../audit.ts';
import type { Executor } from '../db.ts';
import { AppError, PG, badRequest, forbidden, inactiveAccountMessage, pgCode } from '../errors.ts';
import { emailKey, emailProblem } from '../schemas.ts';
import { autoAssignAccount } from './assignment.ts';
import { acceptInvite } from './invites/link.ts';
import { loadUserActor } from './users.ts';

export interface SignInClaims {
  /** The identity provider's `sub`. */
  sub: string;
  email: string;
  /** The provider's `email_verified`; only `true` counts (a bootstrap admin needs it). */
  emailVerified?: boolean | null | undefined;
  name?: string | null | undefined;
}

export interface SignInOptions {
  /** Secret from an invite link (`/invite/<secret>`), when the sign-in started there. */
  inviteSecret?: string | null | undefined;
  bootstrapAdminEmails: readonly string[];
  ip?: string | null | undefined;
  source: 'oidc' | 'dev';
}

export interface SignInResult {
  user: UserActor;
  /** Null since a sign-in never joins (acceptInvite without ACCEPT_STEP); kept for the callers. */
  joined: { accountOwnerId: string } | null;
  /** Why the invite could not be used (the sign-in itself still succeeds). */
  inviteProblem: string | null;
}

function emailTaken(email: string, cause?: unknown): AppError {
  return new AppError(
    'CONFLICT',
    `The e-mail ${email} already belongs to another hops user who signs in a different way. Sign in the way you did the first time, or contact support.`,
    { cause },
  );
}

async function readActor(trx: Executor, id: string): Promise<UserActor> {
  const user = await loadUserActor(trx, id);
  if (!user) throw new Error(`sign-in: the user ${id} just written is not there`);
  return user;
}

/**
 * Whether this user's admin flag was ever set: by a bootstrap sign-in or by an admin. The
 * bootstrap list applies once per person; after that only admins decide (a flag an admin removed
 * stays removed). The append-only audit log is the record, so no column remembers it twice.
 */
async function adminDecidedBefore(trx: Executor, userId: string): Promise<boolean> {
  const row = await trx
    .selectFrom('auditLog')
    .select('id')
    .where('targetType', '=', 'user')
    .where('targetId', '=', userId)
    .where('action', 'in', ['auth.bootstrap_admin', 'admin.users.setAdmin'])
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function signIn(
  db: Db,
  claims: SignInClaims,
  options: SignInOptions,
): Promise<SignInResult> {
  const sub = claims.sub?.trim();
  const email = claims.email?.trim();
  const name = claims.name?.trim() || null;
  if (!sub) throw badRequest('The identity provider did not say who you are (no subject).');
  if (!email) {
    throw badRequest(
      'Your identity provider did not share an e-mail address; hops needs one to sign you in.',
    );
  }
  // The identity provider's claim is checked as every other e-mail is (the API's schema).
  const problem = emailProblem(email);
  if (problem) {
    throw badRequest(
      `hops cannot sign you in with the e-mail address “${email.length > 100 ? `${email.slice(0, 100)}…` : email}” from your identity provider. ${problem} Change the address there, then sign in again.`,
    );
  }
  const ip = options.ip && isIP(options.ip) ? options.ip : null;

  return inTransaction(db, async (trx) => {
    const existing = await trx
      .selectFrom('users')
      .select(['status'])
      .where('id', '=', sub)
      .forUpdate()
      .executeTakeFirst();
    if (existing && existing.status !== 'active') {
      throw forbidden(inactiveAccountMessage(existing.status));
    }
    const other = await trx
      .selectFrom('users')
      .select(['id', 'status'])
      // lower() is the unique index's; on an address accepted above it folds ASCII letters only.
      .where((eb) => eb(eb.fn('lower', ['email']), '=', emailKey(email)))
      .where('id', '<>', sub)
      .executeTakeFirst();
    // The e-mail's account is suspended: say that, whichever way this person signs in.
    if (other && other.status !== 'active') throw forbidden(inactiveAccountMessage(other.status));
    if (other) throw emailTaken(email);

    let upserted;
    try {
      upserted = await trx
        .insertInto('users')
        .values({
          id: sub,
          email,
          name,
          loginCount: 1,
          lastLoginAt: sql`now()`,
          registrationSource: options.source,
          registrationIp: ip,
        })
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            email,
            name: sql`coalesce(excluded.name, users.name)`,
            loginCount: sql`users.login_count + 1`,
            lastLoginAt: sql`now()`,
          }),
        )
        .returning(['id', 'isAdmin', 'loginCount', sql<boolean>`(xmax = 0)`.as('inserted')])
        .executeTakeFirstOrThrow();
    } catch (error) {
      // A concurrent sign-up under another identity took the e-mail first.
      if (pgCode(error) === PG.uniqueViolation) throw emailTaken(email, error);
      throw error;
    }
    const userRow = await readActor(trx, sub);
    const actor = userCallerOf(userRow, 'web');
    const isNew = upserted.inserted;

    await recordAudit(
      trx,
      actor,
      isNew ? 'auth.signup' : 'auth.signin',
      { type: 'user', id: sub },
      {
        source: options.source,
        email,
        loginCount: upserted.loginCount,
        ...(ip ? { ip } : {}),
      },
    );

    if (
      claims.emailVerified === true &&
      !upserted.isAdmin &&
      options.bootstrapAdminEmails.some((e) => emailKey(e) === emailKey(email)) &&
      !(await adminDecidedBefore(trx, sub))
    ) {
      await trx.updateTable('users').set({ isAdmin: true }).where('id', '=', sub).execute();
      await recordAudit(trx, actor, 'auth.bootstrap_admin', { type: 'user', id: sub }, { email });
    }

    let joined: SignInResult['joined'] = null;
    let inviteProblem: string | null = null;
    if (options.inviteSecret) {
      // Checked only, so the invite page can say at once why it cannot be used; a refused invite
      // must not undo the sign-in, so the check runs inside a savepoint.
      await sql`SAVEPOINT signin_invite`.execute(trx);
      try {
        const result = await acceptInvite(trx, actor, options.inviteSecret);
        await sql`RELEASE SAVEPOINT signin_invite`.execute(trx);
        if (result.joined) joined = { accountOwnerId: result.accountOwnerId };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        await sql`ROLLBACK TO SAVEPOINT signin_invite`.execute(trx);
        inviteProblem = error.message;
      }
    }

    const user = await readActor(trx, sub);
    if (user.accountOwnerId === null) {
      // Never fails for lack of room: the owner stays unassigned and admins are alerted.
      await autoAssignAccount(trx, actor, sub, { admin: false });
    }
    return { user, joined, inviteProblem };
  });
}
