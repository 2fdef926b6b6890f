// Sign-in through a real OpenID provider (oidc-provider on loopback): the whole browser round trip.
import { freePort } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser } from '@hops/api/testing';
import { afterAll, describe, expect, it } from 'vitest';
import {
  SAME_ORIGIN,
  sessionCookie,
  setCookies,
  trpcGet,
  trpcPost,
  useServer,
} from '../test/helpers.ts';
import { browseSignIn, CookieJar, startOidcProvider } from '../test/oidc.ts';
import { LOGIN_COOKIE, SESSION_COOKIE } from './session.ts';

const { db } = await useTestDatabase();
const port = await freePort();
const publicUrl = `http://127.0.0.1:${port}`;
const provider = await startOidcProvider({ redirectUri: `${publicUrl}/auth/callback` });
afterAll(() => provider.close());
const server = await useServer({
  db,
  port,
  env: {
    publicUrl,
    authMode: 'oidc',
    oidc: {
      issuer: provider.issuer,
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
    },
    bootstrapAdminEmails: ['boss@hops.test'],
  },
});

interface Me {
  id: string;
  email: string;
  name: string | null;
  role: 'owner' | 'member';
  isAdmin: boolean;
  owner: { id: string } | null;
}

function sessionOf(response: Response): string {
  const cookie = setCookies(response).get(SESSION_COOKIE);
  if (!cookie?.value) throw new Error('no session cookie was set');
  return `${SESSION_COOKIE}=${cookie.value}`;
}

async function me(cookie: string) {
  return trpcGet<Me>(server, 'me.get', undefined, { cookie });
}

describe('OIDC sign-in', () => {
  it('sends the browser to the provider with PKCE (S256), state and nonce in a short-lived cookie', async () => {
    const response = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(location.origin).toBe(provider.issuer);
    expect(location.searchParams.get('redirect_uri')).toBe(`${publicUrl}/auth/callback`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(location.searchParams.get('state')).toBeTruthy();
    expect(location.searchParams.get('nonce')).toBeTruthy();
    expect(location.searchParams.get('scope')).toBe('openid email profile');
    const login = setCookies(response).get(LOGIN_COOKIE)!;
    expect(login.attributes).toMatchObject({
      httponly: true,
      samesite: 'Lax',
      path: '/auth',
      'max-age': '600',
    });
    // The verifier itself never leaves the server's cookie for the provider.
    expect(location.href).not.toContain(
      JSON.parse(Buffer.from(login.value.split('.')[0]!, 'base64url').toString()).d.codeVerifier,
    );
  });

  it('signs a new person in: provider login, callback, session cookie, then me.get over HTTP', async () => {
    provider.accounts.set('oidc|ada', { email: 'ada@example.test', name: 'Ada Lovelace' });
    const { landedAt, response, jar } = await browseSignIn(`${server.url}/auth/login`, 'oidc|ada');
    expect(landedAt).toBe('/');
    const session = setCookies(response).get(SESSION_COOKIE)!;
    expect(session.attributes).toMatchObject({
      httponly: true,
      samesite: 'Lax',
      path: '/',
      'max-age': '604800',
    });
    expect(session.attributes.secure).toBeUndefined(); // PUBLIC_URL is http here
    expect(jar.get(server.url, LOGIN_COOKIE)).toBeUndefined(); // the one-time sign-in state is gone

    const answer = await me(sessionOf(response));
    expect(answer.status).toBe(200);
    expect(answer.body.result!.data).toMatchObject({
      id: 'oidc|ada',
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      role: 'owner',
      isAdmin: false,
      owner: null,
    });
    const row = await db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', 'oidc|ada')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ registrationSource: 'oidc', loginCount: 1 });

    // Signing in again goes through the same code path: the same row, one more login.
    const again = await browseSignIn(`${server.url}/auth/login`, 'oidc|ada');
    expect(again.landedAt).toBe('/');
    const after = await db
      .selectFrom('users')
      .select('loginCount')
      .where('id', '=', 'oidc|ada')
      .executeTakeFirstOrThrow();
    expect(after.loginCount).toBe(2);
  });

  it('returns to the page the sign-in started from, but never to another site', async () => {
    provider.accounts.set('oidc|ret', { email: 'ret@example.test' });
    const local = await browseSignIn(
      `${server.url}/auth/login?returnTo=${encodeURIComponent('/usage?from=2026-01-01')}`,
      'oidc|ret',
    );
    expect(local.landedAt).toBe('/usage?from=2026-01-01');
    for (const evil of ['https://evil.test/', '//evil.test/x', '/\\evil.test']) {
      const result = await browseSignIn(
        `${server.url}/auth/login?returnTo=${encodeURIComponent(evil)}`,
        'oidc|ret',
      );
      expect(result.landedAt).toBe('/');
    }
  });

  it('signs in through an invite link (/auth/login?invite=…) onto the invite page; only Accept joins', async () => {
    const owner = await makeUser(db, { email: 'olga@owner.test' });
    const created = await trpcPost<{ inviteUrl: string }>(
      server,
      'invites.create',
      { email: 'newbie@owner.test' },
      { cookie: sessionCookie(server.env, owner.id) },
    );
    expect(created.status).toBe(200);
    const secret = created.body.result!.data.inviteUrl.split('/invite/')[1]!;
    expect(created.body.result!.data.inviteUrl).toBe(`${publicUrl}/invite/${secret}`);

    provider.accounts.set('oidc|newbie', { email: 'NewBie@owner.test', name: 'New Bie' });
    const { landedAt, response } = await browseSignIn(
      `${server.url}/auth/login?invite=${secret}`,
      'oidc|newbie',
    );
    expect(landedAt).toBe(`/invite/${secret}`);
    const cookie = sessionOf(response);
    expect((await me(cookie)).body.result!.data).toMatchObject({ role: 'owner', owner: null });
    const accepted = await trpcPost(server, 'invites.accept', { token: secret }, { cookie });
    expect(accepted.status).toBe(200);
    const answer = await me(cookie);
    expect(answer.body.result!.data).toMatchObject({
      id: 'oidc|newbie',
      role: 'member',
      owner: { id: owner.id },
    });
  });

  it('refuses a suspended user: no session cookie, back to the sign-in page with the reason', async () => {
    await makeUser(db, { id: 'oidc|sus', email: 'sus@example.test', status: 'suspended' });
    provider.accounts.set('oidc|sus', { email: 'sus@example.test' });
    const { landedAt, response } = await browseSignIn(`${server.url}/auth/login`, 'oidc|sus');
    expect(landedAt).toMatch(/^\/login\?error=/);
    const error = new URL(landedAt, server.url).searchParams.get('error');
    expect(error).toBe('Your account is suspended. Contact support to have it reactivated.');
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    const row = await db
      .selectFrom('users')
      .select(['loginCount', 'status'])
      .where('id', '=', 'oidc|sus')
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ loginCount: 0, status: 'suspended' });
  });

  it('refuses an e-mail address the provider says is not verified', async () => {
    provider.accounts.set('oidc|unverified', { email: 'boss@hops.test', emailVerified: false });
    const { landedAt, response } = await browseSignIn(
      `${server.url}/auth/login`,
      'oidc|unverified',
    );
    expect(new URL(landedAt, server.url).searchParams.get('error')).toBe(
      'Please verify your e-mail address boss@hops.test with your identity provider first.',
    );
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    expect(
      await db
        .selectFrom('users')
        .select('id')
        .where('id', '=', 'oidc|unverified')
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it('makes the bootstrap admin e-mail an admin, with an audit row', async () => {
    provider.accounts.set('oidc|boss', { email: 'Boss@hops.test', name: 'The Boss' });
    const { response } = await browseSignIn(`${server.url}/auth/login`, 'oidc|boss');
    const answer = await me(sessionOf(response));
    expect(answer.body.result!.data).toMatchObject({ id: 'oidc|boss', isAdmin: true });
    const audit = await db
      .selectFrom('auditLog')
      .select('action')
      .where('targetId', '=', 'oidc|boss')
      .where('action', '=', 'auth.bootstrap_admin')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('refuses a callback without the sign-in cookie, or whose state belongs to another sign-in', async () => {
    const bare = await fetch(`${server.url}/auth/callback?code=abc&state=xyz`, {
      redirect: 'manual',
    });
    expect(bare.status).toBe(302);
    expect(new URL(bare.headers.get('location')!, server.url).searchParams.get('error')).toBe(
      'Your sign-in took too long or was started in another browser. Please sign in again.',
    );

    // Start two sign-ins; complete the first at the provider but come back with the second's cookie.
    provider.accounts.set('oidc|mixed', { email: 'mixed@example.test' });
    const first = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    const second = await fetch(`${server.url}/auth/login`, { redirect: 'manual' });
    const jar = new CookieJar();
    jar.set(server.url, LOGIN_COOKIE, setCookies(second).get(LOGIN_COOKIE)!.value);
    const { landedAt, response } = await browseSignIn(
      first.headers.get('location')!,
      'oidc|mixed',
      {
        jar,
        appOrigin: server.url,
      },
    );
    expect(new URL(landedAt, server.url).searchParams.get('error')).toBe(
      'The sign-in could not be completed. Please sign in again.',
    );
    expect(setCookies(response).has(SESSION_COOKIE)).toBe(false);
    expect(
      await db.selectFrom('users').select('id').where('id', '=', 'oidc|mixed').executeTakeFirst(),
    ).toBeUndefined();
  });

  it('ignores a tampered or forged session cookie (UNAUTHORIZED)', async () => {
    provider.accounts.set('oidc|tam', { email: 'tam@example.test' });
    const { response } = await browseSignIn(`${server.url}/auth/login`, 'oidc|tam');
    const cookie = sessionOf(response);
    expect((await me(cookie)).status).toBe(200);

    // Re-sign the payload for another user without the secret: the signature no longer matches.
    const [body, mac] = cookie.slice(SESSION_COOKIE.length + 1).split('.');
    const payload = JSON.parse(Buffer.from(body!, 'base64url').toString());
    payload.d.uid = 'oidc|boss';
    const tampered = `${SESSION_COOKIE}=${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
    const forged = sessionCookie({ ...server.env, sessionSecret: 'x'.repeat(40) }, 'oidc|boss');
    for (const bad of [tampered, forged, `${SESSION_COOKIE}=garbage`]) {
      const answer = await me(bad);
      expect(answer.status).toBe(401);
      expect(answer.body.error).toMatchObject({
        message: 'Please sign in first.',
        data: { code: 'UNAUTHORIZED' },
      });
    }
  });

  it('has no dev sign-in when AUTH_MODE=oidc', async () => {
    const login = await fetch(`${server.url}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'dev|x', email: 'x@example.test' }),
    });
    expect(login.status).toBe(404);
    expect((await fetch(`${server.url}/auth/dev-users`)).status).toBe(404);
    expect(await (await fetch(`${server.url}/auth/mode`)).json()).toEqual({ mode: 'oidc' });
  });

  it('logs out by clearing the session cookie', async () => {
    const response = await fetch(`${server.url}/auth/logout`, {
      method: 'POST',
      headers: { cookie: sessionCookie(server.env, 'oidc|ada'), ...SAME_ORIGIN },
    });
    expect(response.status).toBe(204);
    const cleared = setCookies(response).get(SESSION_COOKIE)!;
    expect(cleared.value).toBe('');
    expect(new Date(String(cleared.attributes.expires)).getTime()).toBeLessThan(Date.now());
  });
});
