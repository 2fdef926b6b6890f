// What the identity provider's claims may and may not do (SPEC §12), through a real OpenID provider
// and the real server: a bootstrap admin needs email_verified === true and is made admin once, so
// an admin flag another admin removed stays removed; an e-mail the API's schema refuses, or one
// that only Unicode case mapping would match to another mailbox, ends on the sign-in page with a
// sentence, and nothing is written.
import { freePort } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { makeUser } from '@hops/api/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionCookie, setCookies, trpcGet, trpcPost, useServer } from '../test/helpers.ts';
import { browseSignIn, startOidcProvider } from '../test/oidc.ts';
import { SESSION_COOKIE } from './session.ts';

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
    bootstrapAdminEmails: ['root@hops.test', 'chief@hops.test', 'kim@hops.test'],
  },
});

/** Signs `sub` in through the provider: where it landed, and whether it is an admin now. */
async function signInAs(sub: string) {
  const { landedAt, response } = await browseSignIn(`${server.url}/auth/login`, sub);
  const cookie = setCookies(response).get(SESSION_COOKIE)?.value;
  const me = cookie
    ? await trpcGet<{ isAdmin: boolean }>(server, 'me.get', undefined, {
        cookie: `${SESSION_COOKIE}=${cookie}`,
      })
    : null;
  return {
    landedAt,
    error: new URL(landedAt, server.url).searchParams.get('error'),
    signedIn: Boolean(cookie),
    isAdmin: me?.body.result?.data.isAdmin ?? null,
  };
}

async function userRow(id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

describe('a bootstrap admin e-mail', () => {
  it('makes no admin without email_verified === true; verified later, it does', async () => {
    provider.accounts.set('oidc|root', { email: 'root@hops.test', emailVerified: null });
    const first = await signInAs('oidc|root');
    expect(first).toMatchObject({ landedAt: '/', signedIn: true, isAdmin: false });

    provider.accounts.set('oidc|root', { email: 'root@hops.test', emailVerified: true });
    expect(await signInAs('oidc|root')).toMatchObject({ signedIn: true, isAdmin: true });
  });

  it('does not give back an admin flag another admin removed', async () => {
    provider.accounts.set('oidc|chief', { email: 'Chief@hops.test' });
    expect(await signInAs('oidc|chief')).toMatchObject({ signedIn: true, isAdmin: true });

    const admin = await makeUser(db, { isAdmin: true });
    const removed = await trpcPost(
      server,
      'admin.users.setAdmin',
      { userId: 'oidc|chief', isAdmin: false },
      { cookie: sessionCookie(server.env, admin.id) },
    );
    expect(removed.status).toBe(200);

    expect(await signInAs('oidc|chief')).toMatchObject({ signedIn: true, isAdmin: false });
    expect((await userRow('oidc|chief'))!.isAdmin).toBe(false);
  });
});

describe("the identity provider's e-mail", () => {
  it('that only Unicode lower-casing makes kim@hops.test is refused with a sentence: no user, no admin', async () => {
    const kelvin = '\u212Aim@hops.test'; // KELVIN SIGN; 'K'.toLowerCase() is 'k'
    expect(kelvin.toLowerCase()).toBe('kim@hops.test');
    provider.accounts.set('oidc|kelvin', { email: kelvin, emailVerified: true });
    const result = await signInAs('oidc|kelvin');
    expect(result.signedIn).toBe(false);
    expect(result.landedAt).toMatch(/^\/login\?error=/);
    expect(result.error).toBe(
      `hops cannot sign you in with the e-mail address “${kelvin}” from your identity provider. This e-mail address holds “\u212A” (U+212A), which could be read as another letter, so two different mailboxes could match. Type the address in plain letters (a–z, digits, . _ ' + -). Change the address there, then sign in again.`,
    );
    expect(await userRow('oidc|kelvin')).toBeUndefined();
  });

  it('that the API would refuse is refused at sign-in too, each with its sentence', async () => {
    const cases: [string, string][] = [
      ['not-an-address', 'Enter a valid e-mail address.'],
      [`${'x'.repeat(65)}@hops.test`, 'before the @ has at most 64 characters'],
      [`${'x'.repeat(60)}@${'y'.repeat(190)}.test`, 'at most 254 characters'],
      ['\uFB01nance@hops.test', '(U+FB01)'], // the ligature ﬁ, which NFKC turns into f + i
    ];
    for (const [index, [address, sentence]] of cases.entries()) {
      const sub = `oidc|bad-${index}`;
      provider.accounts.set(sub, { email: address });
      const result = await signInAs(sub);
      expect(result.signedIn, address).toBe(false);
      expect(result.error, address).toMatch(/^hops cannot sign you in with the e-mail address “/);
      expect(result.error, address).toContain(sentence);
      expect(await userRow(sub)).toBeUndefined();
    }
  });

  it('is matched by its ASCII letters only: the same address in capitals is the same person', async () => {
    provider.accounts.set('oidc|mixed-case', { email: 'Mixed.Case@Hops.test' });
    expect(await signInAs('oidc|mixed-case')).toMatchObject({ signedIn: true });
    provider.accounts.set('oidc|other-idp', { email: 'mixed.case@hops.TEST' });
    const other = await signInAs('oidc|other-idp');
    expect(other.signedIn).toBe(false);
    expect(other.error).toContain('already belongs to another hops user');
  });
});
