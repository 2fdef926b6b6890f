// The dev sign-in (AUTH_MODE=dev): the same signIn as OIDC, and absent wherever it must not exist.
import { useTestDatabase } from '@hops/db/testing';
import { makeUser } from '@hops/api/testing';
import { describe, expect, it } from 'vitest';
import {
  sessionCookie,
  setCookies,
  startServer,
  trpcGet,
  trpcPost,
  useServer,
} from '../test/helpers.ts';
import { SESSION_COOKIE } from './session.ts';

const { db } = await useTestDatabase();
const server = await useServer({
  db,
  env: { authMode: 'dev', bootstrapAdminEmails: ['root@hops.test'] },
});

async function devLogin(body: unknown) {
  const response = await fetch(`${server.url}/auth/dev-login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const cookie = setCookies(response).get(SESSION_COOKIE);
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown> & {
      error?: { message: string; code: string };
    },
    cookie: cookie?.value ? `${SESSION_COOKIE}=${cookie.value}` : undefined,
    attributes: cookie?.attributes,
  };
}

describe('POST /auth/dev-login', () => {
  it('creates the user and sets the session cookie, as an OIDC sign-in with those claims does', async () => {
    const login = await devLogin({ sub: 'dev|zoe', email: 'zoe@example.test', name: 'Zoe Zed' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ userId: 'dev|zoe', redirectTo: '/', joined: false });
    expect(login.attributes).toMatchObject({ httponly: true, samesite: 'Lax', path: '/' });
    const me = await trpcGet(server, 'me.get', undefined, { cookie: login.cookie! });
    expect(me.body.result!.data).toMatchObject({
      id: 'dev|zoe',
      email: 'zoe@example.test',
      name: 'Zoe Zed',
      role: 'owner',
    });
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'dev|zoe')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ registrationSource: 'dev', loginCount: 1 });
    const audit = await db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', 'dev|zoe')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['auth.signup']);
  });

  it('signs in from an invite secret onto the invite page; only its Accept joins (SPEC §12)', async () => {
    const owner = await makeUser(db);
    const created = await trpcPost<{ inviteUrl: string }>(
      server,
      'invites.create',
      { email: 'joiner@example.test' },
      { cookie: sessionCookie(server.env, owner.id) },
    );
    const secret = created.body.result!.data.inviteUrl.split('/invite/')[1]!;
    const login = await devLogin({
      sub: 'dev|joiner',
      email: 'joiner@example.test',
      inviteSecret: secret,
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ joined: false, redirectTo: `/invite/${secret}` });
    const before = await trpcGet(server, 'me.get', undefined, { cookie: login.cookie! });
    expect(before.body.result!.data).toMatchObject({ role: 'owner', owner: null });

    const accepted = await trpcPost(
      server,
      'invites.accept',
      { token: secret },
      {
        cookie: login.cookie!,
      },
    );
    expect(accepted.status).toBe(200);
    const me = await trpcGet(server, 'me.get', undefined, { cookie: login.cookie! });
    expect(me.body.result!.data).toMatchObject({ role: 'member', owner: { id: owner.id } });
  });

  it('signs in but reports the problem when the invite is not for this e-mail', async () => {
    const owner = await makeUser(db);
    const created = await trpcPost<{ inviteUrl: string }>(
      server,
      'invites.create',
      { email: 'someone@example.test' },
      { cookie: sessionCookie(server.env, owner.id) },
    );
    const secret = created.body.result!.data.inviteUrl.split('/invite/')[1]!;
    const login = await devLogin({
      sub: 'dev|other',
      email: 'other@example.test',
      inviteSecret: secret,
    });
    expect(login.status).toBe(200);
    expect(login.body.joined).toBe(false);
    expect(login.body.inviteProblem).toEqual(expect.any(String));
    expect(login.body.redirectTo).toBe(
      `/invite/${secret}?problem=${encodeURIComponent(String(login.body.inviteProblem))}`,
    );
  });

  it('makes a bootstrap admin e-mail an admin', async () => {
    const login = await devLogin({ sub: 'dev|root', email: 'root@hops.test' });
    const me = await trpcGet(server, 'me.get', undefined, { cookie: login.cookie! });
    expect(me.body.result!.data).toMatchObject({ isAdmin: true });
  });

  it('refuses a suspended user with the reason and no cookie', async () => {
    await makeUser(db, { id: 'dev|sus', email: 'sus@example.test', status: 'suspended' });
    const login = await devLogin({ sub: 'dev|sus', email: 'sus@example.test' });
    expect(login.status).toBe(403);
    expect(login.body.error).toEqual({
      message: 'Your account is suspended. Contact support to have it reactivated.',
      code: 'FORBIDDEN',
    });
    expect(login.cookie).toBeUndefined();
  });

  it('says a suspended account is suspended when signed in as a new user with its e-mail', async () => {
    await makeUser(db, { id: 'dev|sus2', email: 'sus2@example.test', status: 'suspended' });
    // The login page's "new user" field makes the id from the e-mail.
    const login = await devLogin({ sub: 'dev|sus2@example.test', email: 'Sus2@example.test' });
    expect(login.status).toBe(403);
    expect(login.body.error).toEqual({
      message: 'Your account is suspended. Contact support to have it reactivated.',
      code: 'FORBIDDEN',
    });
    expect(login.cookie).toBeUndefined();
  });

  it('answers a malformed body with a sentence naming the field', async () => {
    const login = await devLogin({ sub: 'dev|x', email: 'not-an-email' });
    expect(login.status).toBe(400);
    expect(login.body.error!.message).toBe(
      'Send JSON like {"sub": "dev|alice", "email": "alice@acme.test"}. Enter a valid e-mail address.',
    );
    const badInvite = await devLogin({
      sub: 'dev|x',
      email: 'x@example.test',
      inviteSecret: 'no!',
    });
    expect(badInvite.status).toBe(400);
    expect(badInvite.body.error!.message).toBe(
      'This invite link is not valid. Check that it was copied whole.',
    );
  });
});

describe('the session cookie behind https', () => {
  it('is Secure when PUBLIC_URL is https', async () => {
    const secure = await startServer({
      db,
      env: { authMode: 'dev', publicUrl: 'https://hops.example.com' },
    });
    try {
      const response = await fetch(`${secure.url}/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'dev|secure', email: 'secure@example.test' }),
      });
      expect(setCookies(response).get(SESSION_COOKIE)?.attributes).toMatchObject({
        secure: true,
        httponly: true,
        samesite: 'Lax',
      });
    } finally {
      await secure.close();
    }
  });
});

describe('GET /auth/dev-users', () => {
  it('lists the active users for the dev login picker', async () => {
    const admin = await makeUser(db, { isAdmin: true, email: 'aaa-admin@example.test' });
    const owner = await makeUser(db, { email: 'picker-owner@example.test' });
    const member = await makeUser(db, { owner: owner.id, email: 'picker-member@example.test' });
    await makeUser(db, { status: 'suspended', email: 'picker-suspended@example.test' });
    const response = await fetch(`${server.url}/auth/dev-users`);
    expect(response.status).toBe(200);
    const { users } = (await response.json()) as {
      users: { id: string; email: string; role: string; isAdmin: boolean }[];
    };
    expect(users[0]).toMatchObject({ id: admin.id, isAdmin: true });
    expect(users).toContainEqual({
      id: member.id,
      email: member.email,
      name: member.name,
      role: 'member',
      isAdmin: false,
    });
    expect(users).toContainEqual({
      id: owner.id,
      email: owner.email,
      name: owner.name,
      role: 'owner',
      isAdmin: false,
    });
    expect(users.some((u) => u.email === 'picker-suspended@example.test')).toBe(false);
  });
});

describe('where the dev sign-in does not exist', () => {
  it('is 404 with NODE_ENV=production, even if the configuration asked for AUTH_MODE=dev', async () => {
    const production = await startServer({ db, env: { nodeEnv: 'production', authMode: 'dev' } });
    try {
      const login = await fetch(`${production.url}/auth/dev-login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'dev|evil', email: 'evil@example.test' }),
      });
      expect(login.status).toBe(404);
      expect(setCookies(login).has(SESSION_COOKIE)).toBe(false);
      expect((await fetch(`${production.url}/auth/dev-users`)).status).toBe(404);
      expect(
        await db.selectFrom('users').select('id').where('id', '=', 'dev|evil').executeTakeFirst(),
      ).toBeUndefined();
    } finally {
      await production.close();
    }
  });
});

describe('POST /auth/logout', () => {
  it('clears the cookie; a browser form gets sent to the sign-in page', async () => {
    const response = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/login');
    expect(setCookies(response).get(SESSION_COOKIE)?.value).toBe('');
  });
});
