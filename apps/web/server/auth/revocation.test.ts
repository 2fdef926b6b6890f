// Revocable sessions over the wire (SPEC §12): logging out, "sign out everywhere" (the person's
// own and an admin's), a suspension and a deletion end every session of that person at once — a
// copied cookie included — while a sign-in right after works.
import { makeUser } from '@hops/api/testing';
import { useTestDatabase } from '@hops/db/testing';
import { describe, expect, it } from 'vitest';
import {
  SAME_ORIGIN,
  setCookies,
  trpcGet,
  trpcPost,
  useServer,
  type TrpcAnswer,
} from '../test/helpers.ts';
import { SESSION_COOKIE, sealSession } from './session.ts';

const { db } = await useTestDatabase();
const server = await useServer({ db, env: { authMode: 'dev' } });

/** A sign-in through /auth/dev-login, as a browser does it: the cookie header it then sends. */
async function signIn(user: { id: string; email: string }): Promise<string> {
  const response = await fetch(`${server.url}/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: user.id, email: user.email }),
  });
  expect(response.status).toBe(200);
  const cookie = setCookies(response).get(SESSION_COOKIE);
  expect(cookie?.value).toBeTruthy();
  return `${SESSION_COOKIE}=${cookie!.value}`;
}

async function logOut(cookie: string) {
  return fetch(`${server.url}/auth/logout`, {
    method: 'POST',
    headers: { cookie, ...SAME_ORIGIN },
  });
}

const me = (cookie: string) => trpcGet<{ id: string }>(server, 'me.get', undefined, { cookie });

/** The answer of a refused session: signed out, as with no cookie at all. */
function expectSignedOut(answer: TrpcAnswer) {
  expect(answer.status).toBe(401);
  expect(answer.body.error).toMatchObject({
    message: 'Please sign in first.',
    data: { code: 'UNAUTHORIZED' },
  });
}

async function auditOf(userId: string, action: string) {
  return db
    .selectFrom('auditLog')
    .select(['actorUserId', 'via', 'details'])
    .where('targetId', '=', userId)
    .where('action', '=', action)
    .execute();
}

async function validAfter(userId: string): Promise<Date | null> {
  const row = await db
    .selectFrom('users')
    .select('sessionsValidAfter')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.sessionsValidAfter as Date | null;
}

describe('logging out', () => {
  it('ends a copied cookie too, and a revoked copy cannot end the sessions begun after it', async () => {
    const user = await makeUser(db);
    const cookie = await signIn(user);
    const copy = cookie; // what someone who copied the cookie out of the browser holds
    expect((await me(copy)).status).toBe(200);

    const out = await logOut(cookie);
    expect(out.status).toBe(204);
    expect(setCookies(out).get(SESSION_COOKIE)?.value).toBe('');
    expectSignedOut(await me(copy));
    const endedAt = await validAfter(user.id);
    expect(endedAt).toBeInstanceOf(Date);

    // Signing in right after works; the old copy, logging out, leaves the new session alone.
    const again = await signIn(user);
    expect((await me(again)).body.result!.data.id).toBe(user.id);
    expect((await logOut(copy)).status).toBe(204);
    expect(await validAfter(user.id)).toEqual(endedAt);
    expect((await me(again)).status).toBe(200);
  });

  it('without a valid session only clears the cookie', async () => {
    const out = await logOut(`${SESSION_COOKIE}=garbage`);
    expect(out.status).toBe(204);
    expect(setCookies(out).get(SESSION_COOKIE)?.value).toBe('');
  });
});

describe('account.signOutEverywhere', () => {
  it("refuses every earlier cookie of the caller, this one included, while a fresh sign-in works; another person's sessions stay", async () => {
    const user = await makeUser(db);
    const other = await makeUser(db);
    const laptop = await signIn(user);
    const phone = await signIn(user);
    const otherCookie = await signIn(other);

    const answer = await trpcPost<{ signedOutAt: string }>(
      server,
      'account.signOutEverywhere',
      null,
      { cookie: laptop },
    );
    expect(answer.status).toBe(200);
    const { signedOutAt } = answer.body.result!.data;
    expect(new Date(signedOutAt)).toEqual(await validAfter(user.id));

    expectSignedOut(await me(laptop));
    expectSignedOut(await me(phone));
    expect((await me(otherCookie)).status).toBe(200);
    const fresh = await signIn(user);
    expect((await me(fresh)).body.result!.data.id).toBe(user.id);

    expect(await auditOf(user.id, 'account.signOutEverywhere')).toEqual([
      {
        actorUserId: user.id,
        via: 'web',
        details: { email: user.email, reason: null, signedOutAt },
      },
    ]);
  });

  it('refuses a session begun a millisecond before the revocation and keeps one begun at it', async () => {
    const user = await makeUser(db);
    const answer = await trpcPost(server, 'account.signOutEverywhere', null, {
      cookie: await signIn(user),
    });
    expect(answer.status).toBe(200);
    const at = (await validAfter(user.id))!.getTime();
    const sealedAt = (ms: number) =>
      `${SESSION_COOKIE}=${sealSession(server.env.sessionSecret, user.id, ms)}`;
    expectSignedOut(await me(sealedAt(at - 1)));
    expect((await me(sealedAt(at))).status).toBe(200);
  });

  it('is refused without a session', async () => {
    const answer = await trpcPost(server, 'account.signOutEverywhere', null);
    expectSignedOut(answer);
  });
});

describe('an admin', () => {
  async function makeAdmin() {
    const admin = await makeUser(db, { isAdmin: true });
    return { admin, cookie: await signIn(admin) };
  }

  it("signs another person out everywhere: their sessions end, the admin's stay; audited with the reason", async () => {
    const { admin, cookie: adminCookie } = await makeAdmin();
    const user = await makeUser(db);
    const cookies = [await signIn(user), await signIn(user)];

    const answer = await trpcPost<{ signedOutAt: string }>(
      server,
      'admin.users.signOutEverywhere',
      { userId: user.id, reason: 'Lost laptop' },
      { cookie: adminCookie },
    );
    expect(answer.status).toBe(200);
    for (const cookie of cookies) expectSignedOut(await me(cookie));
    expect((await me(adminCookie)).status).toBe(200);
    expect(await auditOf(user.id, 'admin.users.signOutEverywhere')).toEqual([
      {
        actorUserId: admin.id,
        via: 'web',
        details: {
          email: user.email,
          reason: 'Lost laptop',
          signedOutAt: answer.body.result!.data.signedOutAt,
        },
      },
    ]);
  });

  it('may sign their own account out everywhere, this session included', async () => {
    const { admin, cookie } = await makeAdmin();
    const answer = await trpcPost(
      server,
      'admin.users.signOutEverywhere',
      { userId: admin.id },
      { cookie },
    );
    expect(answer.status).toBe(200);
    expectSignedOut(await me(cookie));
    expect(await auditOf(admin.id, 'admin.users.signOutEverywhere')).toMatchObject([
      { actorUserId: admin.id, details: { reason: null } },
    ]);
  });

  it('is the only one who may sign someone else out', async () => {
    const user = await makeUser(db);
    const victim = await makeUser(db);
    const victimCookie = await signIn(victim);
    const answer = await trpcPost(
      server,
      'admin.users.signOutEverywhere',
      { userId: victim.id, reason: 'Not mine to end' },
      { cookie: await signIn(user) },
    );
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({ message: 'Only an admin can do this.' });
    expect((await me(victimCookie)).status).toBe(200);
    expect(await validAfter(victim.id)).toBeNull();
  });

  it('suspending someone ends their sessions; reactivated, they sign in anew', async () => {
    const { cookie: adminCookie } = await makeAdmin();
    const user = await makeUser(db);
    const cookie = await signIn(user);
    const suspend = await trpcPost(
      server,
      'admin.users.setStatus',
      { userId: user.id, status: 'suspended', reason: 'Chargeback' },
      { cookie: adminCookie },
    );
    expect(suspend.status).toBe(200);
    expectSignedOut(await me(cookie));

    const reactivate = await trpcPost(
      server,
      'admin.users.setStatus',
      { userId: user.id, status: 'active', reason: 'Paid' },
      { cookie: adminCookie },
    );
    expect(reactivate.status).toBe(200);
    expectSignedOut(await me(cookie));
    expect((await me(await signIn(user))).status).toBe(200);
  });

  it('deleting an account ends its sessions', async () => {
    const { cookie: adminCookie } = await makeAdmin();
    const user = await makeUser(db);
    const cookie = await signIn(user);
    const removed = await trpcPost(
      server,
      'admin.users.delete',
      { userId: user.id, reason: 'Asked by mail' },
      { cookie: adminCookie },
    );
    expect(removed.status).toBe(200);
    expectSignedOut(await me(cookie));
  });
});
