// Who may see whose usage (SPEC §3.4): members their own, owners their account's and each of its
// members' (former members too, for what the account paid), admins anyone's.
import { sql, type RawBuilder } from 'kysely';
import type { UserCaller } from '../../actor.ts';
import type { Executor } from '../../db.ts';
import { forbidden } from '../../errors.ts';
import { noSuchUser } from '../users.ts';

/** Whose usage a question covers: one user's, one payer's, or one user's within one payer's. */
export interface UsageScope {
  userId: string | null;
  accountOwnerId: string | null;
}

/** What a caller asks to see; without either, a member gets their own usage, an owner their account's. */
export interface UsageAsk {
  userId?: string | undefined;
  accountOwnerId?: string | undefined;
}

export async function usageScope(
  db: Executor,
  actor: UserCaller,
  ask: UsageAsk,
): Promise<UsageScope> {
  const caller = actor.user;
  if (caller.isAdmin && (ask.userId !== undefined || ask.accountOwnerId !== undefined)) {
    const ids = [ask.userId, ask.accountOwnerId].filter((id): id is string => id !== undefined);
    const found = await db.selectFrom('users').select('id').where('id', 'in', ids).execute();
    const missing = ids.find((id) => !found.some((f) => f.id === id));
    if (missing) throw noSuchUser(missing);
    return { userId: ask.userId ?? null, accountOwnerId: ask.accountOwnerId ?? null };
  }
  const isOwner = caller.accountOwnerId === null;
  if (!isOwner) {
    if (ask.accountOwnerId !== undefined) {
      throw forbidden("Only the account owner sees the account's usage; you can see your own.");
    }
    if (ask.userId !== undefined && ask.userId !== caller.id) {
      throw forbidden("You can see your own usage only; the account owner sees the team's.");
    }
    return { userId: caller.id, accountOwnerId: null };
  }
  if (ask.accountOwnerId !== undefined && ask.accountOwnerId !== caller.id) {
    throw forbidden('You can see the usage of your own account only.');
  }
  if (ask.userId === undefined) return { userId: null, accountOwnerId: caller.id };
  if (ask.userId === caller.id) return { userId: caller.id, accountOwnerId: null };
  // A member, or a former member whose usage the account paid: only what the account paid.
  const { rows } = await sql`
    SELECT 1 FROM users WHERE id = ${ask.userId} AND account_owner_id = ${caller.id}
    UNION ALL
    SELECT 1 FROM usage_daily WHERE user_id = ${ask.userId} AND account_owner_id = ${caller.id}
    LIMIT 1`.execute(db);
  if (rows.length === 0) {
    throw forbidden('You can see the usage of the members of your own account only.');
  }
  return { userId: ask.userId, accountOwnerId: caller.id };
}

/** The scope as a condition on usage_daily rows aliased `u`. */
export function scopeFilter(scope: UsageScope): RawBuilder<boolean> {
  const parts: RawBuilder<unknown>[] = [];
  if (scope.userId !== null) parts.push(sql`u.user_id = ${scope.userId}`);
  if (scope.accountOwnerId !== null) parts.push(sql`u.account_owner_id = ${scope.accountOwnerId}`);
  return sql<boolean>`(${sql.join(parts, sql` AND `)})`;
}
