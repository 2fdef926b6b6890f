// signIn on the service (SPEC §3.1). Over 300 lines: one test per thing a sign-in may cause.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inTransaction, type Db } from '@hops/db';
import { createTestDatabase, useTestDatabase } from '@hops/db/testing';
import { assignDirect, makeCluster, makeUser, userCaller } from '../../test/helpers.ts';
import { SYSTEM_ACTOR } from '../actor.ts';
import { AppError } from '../errors.ts';
import { setUserAdmin } from './admin-users/changes.ts';
import { ACCEPT_STEP, acceptInvite } from './invites/link.ts';
import { createInvite } from './invites/owner.ts';
import { signIn, type SignInOptions } from './signin.ts';

const { db } = await useTestDatabase({ max: 20 });

let counter = 0;
const fresh = (tag: string) => {
  counter += 1;
  return {
    sub: `auth0|${tag}-${process.pid}-${counter}`,
    email: `${tag}-${process.pid}-${counter}@example.test`,
  };
};
const options = (extra: Partial<SignInOptions> = {}): SignInOptions => ({
  bootstrapAdminEmails: [],
  source: 'oidc',
  ...extra,
});

async function expectAppError(promise: Promise<unknown>, kind: AppError['kind']): Promise<string> {
  const error = await promise.then(
    () => expect.fail(`expected ${kind}, but the call succeeded`),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).kind).toBe(kind);
  return (error as AppError).message;
}

async function userRow(target: Db, id: string) {
  return target.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

async function audits(target: Db, targetId: string) {
  const rows = await target
    .selectFrom('auditLog')
    .select(['action', 'actorUserId', 'details'])
    .where('targetId', '=', targetId)
    .orderBy('at')
    .orderBy('action') // rows of one transaction share `at`
    .execute();
  return rows;
}

async function assignmentOf(target: Db, userId: string) {
  const row = await target
    .selectFrom('userHopsworksAssignments')
    .select('hopsworksClusterId')
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.hopsworksClusterId ?? null;
}

/** An invite from the owner, written by the system (its audit row names no user). */
async function inviteFor(ownerId: string, email: string) {
  const { user } = await userCaller(db, ownerId);
  return inTransaction(db, (trx) => createInvite(trx, { ...SYSTEM_ACTOR, user }, { email }));
}

describe('signIn', () => {
  it('creates a new user as an owner, with its registration details, and audits the sign-up', async () => {
    const who = fresh('new');
    const result = await signIn(
      db,
      { ...who, name: 'Nora New' },
      options({ ip: '203.0.113.7', source: 'dev' }),
    );
    expect(result).toEqual({
      user: {
        id: who.sub,
        email: who.email,
        name: 'Nora New',
        isAdmin: false,
        accountOwnerId: null,
        status: 'active',
        billingMode: 'postpaid',
      },
      joined: null,
      inviteProblem: null,
    });
    const row = await userRow(db, who.sub);
    expect(row).toMatchObject({
      loginCount: 1,
      registrationSource: 'dev',
      registrationIp: '203.0.113.7',
      accountOwnerId: null,
    });
    expect(row!.lastLoginAt).toBeInstanceOf(Date);
    expect((await audits(db, who.sub)).map((a) => [a.action, a.actorUserId])).toEqual([
      ['auth.signup', who.sub],
    ]);
  });

  it('moves login_count and last_login_at on the next sign-in and updates e-mail and name', async () => {
    const who = fresh('again');
    await signIn(db, { ...who, name: 'First' }, options({ ip: '198.51.100.1' }));
    const before = await userRow(db, who.sub);
    const newEmail = `Renamed-${who.email}`;
    const result = await signIn(
      db,
      { sub: who.sub, email: newEmail, name: 'Second' },
      options({ ip: '198.51.100.2', source: 'dev' }),
    );
    expect(result.user).toMatchObject({ email: newEmail, name: 'Second' });
    const after = await userRow(db, who.sub);
    expect(after).toMatchObject({
      loginCount: 2,
      email: newEmail,
      registrationSource: 'oidc',
      registrationIp: '198.51.100.1',
    });
    expect(after!.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(before!.lastLoginAt!.getTime());
    expect((await audits(db, who.sub)).map((a) => a.action)).toEqual([
      'auth.signup',
      'auth.signin',
    ]);

    // No name from the provider keeps the known one.
    await signIn(db, { sub: who.sub, email: newEmail }, options());
    expect((await userRow(db, who.sub))!.name).toBe('Second');
  });

  it('refuses suspended and deleted users and changes nothing', async () => {
    for (const status of ['suspended', 'deleted'] as const) {
      const user = await makeUser(db, { status });
      const message = await expectAppError(
        signIn(
          db,
          { sub: user.id, email: `changed-${counter}@example.test`, name: 'Changed' },
          options(),
        ),
        'FORBIDDEN',
      );
      expect(message).toMatch(status === 'suspended' ? /suspended/ : /deleted/);
      expect(await userRow(db, user.id)).toEqual(user);
      expect(await audits(db, user.id)).toEqual([]);
    }
  });

  it('says the account is suspended when its e-mail signs in under another identity', async () => {
    const suspended = await makeUser(db, { status: 'suspended' });
    const who = fresh('sus');
    const message = await expectAppError(
      signIn(db, { sub: who.sub, email: suspended.email.toUpperCase() }, options()),
      'FORBIDDEN',
    );
    expect(message).toBe('Your account is suspended. Contact support to have it reactivated.');
    expect(await userRow(db, who.sub)).toBeUndefined();
    expect(await userRow(db, suspended.id)).toEqual(suspended);
  });

  it('refuses an e-mail that belongs to another user id, whatever its case', async () => {
    const existing = await makeUser(db);
    const who = fresh('dup');
    const message = await expectAppError(
      signIn(db, { sub: who.sub, email: existing.email.toUpperCase() }, options()),
      'CONFLICT',
    );
    expect(message).toContain(existing.email.toUpperCase());
    expect(await userRow(db, who.sub)).toBeUndefined();
  });

  it('makes a bootstrap admin (case-insensitive) with a verified e-mail, audited once', async () => {
    const who = fresh('boot');
    const opts = options({
      bootstrapAdminEmails: ['someone@else.test', ` ${who.email.toUpperCase()} `],
    });
    const first = await signIn(db, { ...who, emailVerified: true }, opts);
    expect(first.user.isAdmin).toBe(true);
    await signIn(db, { ...who, emailVerified: true }, opts);
    const actions = (await audits(db, who.sub)).map((a) => a.action);
    expect(actions).toEqual(['auth.bootstrap_admin', 'auth.signup', 'auth.signin']);

    const other = fresh('plain');
    expect((await signIn(db, { ...other, emailVerified: true }, opts)).user.isAdmin).toBe(false);
  });

  it('makes no bootstrap admin without email_verified === true, and does once it is verified', async () => {
    const who = fresh('unverified-boot');
    const opts = options({ bootstrapAdminEmails: [who.email] });
    for (const emailVerified of [undefined, null, false, 'true' as unknown as boolean]) {
      expect((await signIn(db, { ...who, emailVerified }, opts)).user.isAdmin).toBe(false);
    }
    expect((await userRow(db, who.sub))!.isAdmin).toBe(false);
    expect((await audits(db, who.sub)).map((a) => a.action)).not.toContain('auth.bootstrap_admin');
    // The list applies once per person, not only at sign-up: verified later, the flag comes.
    expect((await signIn(db, { ...who, emailVerified: true }, opts)).user.isAdmin).toBe(true);
  });

  it('keeps an admin flag an admin removed: the bootstrap list does not give it back', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const actor = await userCaller(db, admin.id);
    const setAdmin = (userId: string, isAdmin: boolean) =>
      inTransaction(db, (trx) => setUserAdmin(trx, actor, { userId, isAdmin }));
    const who = fresh('demoted');
    const opts = options({ bootstrapAdminEmails: [who.email] });
    expect((await signIn(db, { ...who, emailVerified: true }, opts)).user.isAdmin).toBe(true);
    await setAdmin(who.sub, false);

    const again = await signIn(db, { ...who, emailVerified: true }, opts);
    expect(again.user.isAdmin).toBe(false);
    expect((await userRow(db, who.sub))!.isAdmin).toBe(false);
    expect((await audits(db, who.sub)).map((a) => a.action)).toEqual([
      'auth.bootstrap_admin',
      'auth.signup',
      'admin.users.setAdmin',
      'auth.signin',
    ]);

    // Nor for someone an admin made admin and then not: admins decide from then on.
    const granted = fresh('granted');
    await signIn(db, granted, options());
    await setAdmin(granted.sub, true);
    await setAdmin(granted.sub, false);
    const listed = options({ bootstrapAdminEmails: [granted.email] });
    const later = await signIn(db, { ...granted, emailVerified: true }, listed);
    expect(later.user.isAdmin).toBe(false);
  });

  it('checks an invite the sign-in began at but joins nothing: only the Accept step does (SPEC §12)', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const who = fresh('invited');
    const { invite, secret } = await inviteFor(owner.id, who.email.toUpperCase());

    const result = await signIn(db, who, options({ inviteSecret: secret }));
    expect(result).toMatchObject({ joined: null, inviteProblem: null });
    expect(result.user.accountOwnerId).toBeNull();
    expect(await assignmentOf(db, who.sub)).toBeNull();
    const events = await db
      .selectFrom('events')
      .select('payload')
      .where('kind', '=', 'invite.accepted')
      .where(sql<string>`payload->>'inviteId'`, '=', invite.id)
      .execute();
    expect(events).toEqual([]);
    expect((await audits(db, invite.id)).map((a) => a.action)).toEqual(['invites.create']);

    // The invite page's Accept joins, onto the owner's cluster.
    const actor = await userCaller(db, who.sub);
    await inTransaction(db, (trx) => acceptInvite(trx, actor, secret, ACCEPT_STEP));
    expect((await userRow(db, who.sub))!.accountOwnerId).toBe(owner.id);
    expect(await assignmentOf(db, who.sub)).toBe(cluster.id);
  });

  it('still signs in with an unusable invite and reports why', async () => {
    const owner = await makeUser(db);
    const invited = fresh('someone');
    const { invite, secret } = await inviteFor(owner.id, invited.email);

    const wrong = fresh('wrong');
    const result = await signIn(db, wrong, options({ inviteSecret: secret }));
    expect(result.joined).toBeNull();
    expect(result.user.accountOwnerId).toBeNull();
    expect(result.inviteProblem).toContain(`This invite is for ${invited.email}`);
    expect((await userRow(db, wrong.sub))!.loginCount).toBe(1);

    await db
      .updateTable('teamInvites')
      .set({ expiresAt: sql`now() - interval '1 second'` })
      .where('id', '=', invite.id)
      .execute();
    const late = await signIn(db, invited, options({ inviteSecret: secret }));
    expect(late.inviteProblem).toBe(`This invite has expired. Ask ${owner.email} for a new one.`);
    expect(late.user.accountOwnerId).toBeNull();
    expect(await userRow(db, invited.sub)).toMatchObject({ loginCount: 1, accountOwnerId: null });

    const garbage = await signIn(
      db,
      fresh('garbage'),
      options({ inviteSecret: 'not-a-real-secret' }),
    );
    expect(garbage.inviteProblem).toMatch(/not valid/);
  });

  it('signing in again through an invite already accepted changes nothing and reports nothing', async () => {
    const owner = await makeUser(db);
    const who = fresh('twice');
    const { secret } = await inviteFor(owner.id, who.email);
    await signIn(db, who, options({ inviteSecret: secret }));
    const actor = await userCaller(db, who.sub);
    await inTransaction(db, (trx) => acceptInvite(trx, actor, secret, ACCEPT_STEP));
    // Signing in again from the same link changes nothing and reports nothing.
    const second = await signIn(db, who, options({ inviteSecret: secret }));
    expect(second).toMatchObject({ joined: null, inviteProblem: null });
    expect(second.user.accountOwnerId).toBe(owner.id);
  });

  it('auto-assigns an eligible owner (postpaid with a payment method) at sign-in', async () => {
    await makeCluster(db);
    const user = await makeUser(db, { stripeCustomerId: 'cus_123' });
    await signIn(db, { sub: user.id, email: user.email }, options());
    const clusterId = await assignmentOf(db, user.id);
    expect(clusterId).not.toBeNull();
    const assigned = await db
      .selectFrom('hopsworksClusters')
      .select(['status', 'currentUsers', 'maxUsers'])
      .where('id', '=', clusterId!)
      .executeTakeFirstOrThrow();
    expect(assigned.status).toBe('active');
    expect(assigned.currentUsers).toBeLessThanOrEqual(assigned.maxUsers);
    expect((await audits(db, user.id)).map((a) => a.action)).toEqual([
      'auth.signin',
      'clusters.assign',
    ]);
  });

  it('does not assign an ineligible owner (postpaid without a payment method, or a new user)', async () => {
    await makeCluster(db);
    const user = await makeUser(db);
    await signIn(db, { sub: user.id, email: user.email }, options());
    expect(await assignmentOf(db, user.id)).toBeNull();
    const who = fresh('unpaid');
    await signIn(db, who, options());
    expect(await assignmentOf(db, who.sub)).toBeNull();
  });

  it('handles parallel first sign-ins of one identity as one sign-up', async () => {
    const who = fresh('parallel');
    const results = await Promise.all(Array.from({ length: 5 }, () => signIn(db, who, options())));
    expect(results.every((r) => r.user.id === who.sub)).toBe(true);
    expect((await userRow(db, who.sub))!.loginCount).toBe(5);
    const actions = (await audits(db, who.sub)).map((a) => a.action).sort();
    expect(actions).toEqual([
      'auth.signin',
      'auth.signin',
      'auth.signin',
      'auth.signin',
      'auth.signup',
    ]);
  });

  it('refuses claims without an e-mail', async () => {
    await expectAppError(
      signIn(db, { sub: 'auth0|no-mail', email: ' ' }, options()),
      'BAD_REQUEST',
    );
    expect(await userRow(db, 'auth0|no-mail')).toBeUndefined();
  });

  it("refuses an identity provider's e-mail the API's schema refuses, with its sentence, and writes nothing", async () => {
    const cases: [string, RegExp][] = [
      ['not-an-address', /Enter a valid e-mail address/],
      [`${'a'.repeat(65)}@example.test`, /before the @ has at most 64 characters/],
      [`${'a'.repeat(60)}@${'b'.repeat(190)}.test`, /at most 254 characters/],
      // The Kelvin sign: Unicode lower-casing makes it a k, and the address another mailbox.
      ['\u212Aim@example.test', /holds “\u212A” \(U\+212A\)/],
      ['stra\u00DFe@example.test', /U\+00DF/],
      ['\uFB01nn@example.test', /U\+FB01/],
    ];
    for (const [address, sentence] of cases) {
      const sub = `auth0|bad-mail-${process.pid}-${counter++}`;
      const message = await expectAppError(
        signIn(db, { sub, email: address, emailVerified: true }, options()),
        'BAD_REQUEST',
      );
      expect(message).toMatch(/^hops cannot sign you in with the e-mail address “/);
      expect(message).toMatch(sentence);
      expect(await userRow(db, sub)).toBeUndefined();
      expect(await audits(db, sub)).toEqual([]);
    }
  });

  it('never matches two mailboxes that only Unicode case mapping makes one', async () => {
    const kim = await makeUser(db, { email: `kim-${process.pid}@example.test` });
    const impostor = `auth0|kelvin-${process.pid}`;
    const opts = options({ bootstrapAdminEmails: [kim.email] });
    const kelvin = `\u212A${kim.email.slice(1)}`;
    expect(kelvin.toLowerCase()).toBe(kim.email); // what a Unicode lower-casing would match
    await expectAppError(
      signIn(db, { sub: impostor, email: kelvin, emailVerified: true }, opts),
      'BAD_REQUEST',
    );
    expect(await userRow(db, impostor)).toBeUndefined();
    expect((await userRow(db, kim.id))!.isAdmin).toBe(false);
    // The real address in capitals is the same mailbox (ASCII letters fold): taken.
    const same = await expectAppError(
      signIn(db, { sub: impostor, email: kim.email.toUpperCase() }, opts),
      'CONFLICT',
    );
    expect(same).toContain('already belongs to another hops user');
  });
});

describe('signIn with no room on any cluster', () => {
  it('still signs in, leaves the owner unassigned and alerts admins', async () => {
    const other = await createTestDatabase();
    try {
      const full = await makeCluster(other.db, { maxUsers: 1 });
      const occupant = await makeUser(other.db);
      await assignDirect(other.db, occupant.id, full.id);
      await makeCluster(other.db, { status: 'maintenance' });
      const user = await makeUser(other.db, { stripeCustomerId: 'cus_456' });

      const result = await signIn(other.db, { sub: user.id, email: user.email }, options());
      expect(result.user.id).toBe(user.id);
      expect(await assignmentOf(other.db, user.id)).toBeNull();
      expect((await userRow(other.db, user.id))!.loginCount).toBe(1);
      const events = await other.db
        .selectFrom('events')
        .select('payload')
        .where('kind', '=', 'cluster.no_room')
        .execute();
      expect(events.map((e) => e.payload)).toEqual([
        { ownerId: user.id, email: user.email, users: 1 },
      ]);
    } finally {
      await other.drop();
    }
  });
});
