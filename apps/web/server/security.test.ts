// The browser-facing defences over the wire (SPEC §12): no change from another site (Sec-Fetch-Site,
// Origin, JSON-only mutations), logging out only by the dashboard's own POST, service tokens
// unaffected, and the security headers on every kind of answer.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeUser } from '@hops/api/testing';
import { useTestDatabase } from '@hops/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CROSS_SITE_REFUSED, JSON_ONLY } from './security.ts';
import {
  bearer,
  SAME_ORIGIN,
  sessionCookie,
  startServer,
  trpcGet,
  trpcPost,
  useServer,
} from './test/helpers.ts';

const { db } = await useTestDatabase();
const server = await useServer({ db, env: { authMode: 'dev', publicUrl: 'https://hops.test' } });
const PUBLIC_ORIGIN = 'https://hops.test';

/** A POST with the session cookie, as a page on `from` would make the browser send it. */
async function post(
  path: string,
  cookie: string,
  headers: Record<string, string>,
  body: string | FormData = '{}',
) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      cookie,
      ...(typeof body === 'string' ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  return { status: response.status, text, headers: response.headers };
}

async function invitesTo(email: string) {
  return db.selectFrom('teamInvites').select('id').where('email', '=', email).execute();
}

async function sessionsValidAfter(userId: string) {
  const row = await db
    .selectFrom('users')
    .select('sessionsValidAfter')
    .where('id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.sessionsValidAfter;
}

const refused = (text: string) =>
  expect(JSON.parse(text)).toEqual({ error: { message: CROSS_SITE_REFUSED, code: 'FORBIDDEN' } });

describe('state-changing requests from another site', () => {
  it('refuses a mutation sent cross-site or same-site, or with a foreign or no Origin, and changes nothing', async () => {
    const owner = await makeUser(db);
    const cookie = sessionCookie(server.env, owner.id);
    const body = JSON.stringify({ email: 'csrf@example.test' });
    const foreign: Record<string, string>[] = [
      { 'sec-fetch-site': 'cross-site' },
      // A page on a sibling subdomain: SameSite=Lax still sends the cookie.
      { 'sec-fetch-site': 'same-site', origin: 'https://evil.hops.test' },
      // A browser without Sec-Fetch-Site: then the Origin decides.
      { origin: 'https://evil.test' },
      { origin: 'null' },
      {},
    ];
    for (const headers of foreign) {
      const answer = await post('/trpc/invites.create', cookie, headers, body);
      expect(answer.status, JSON.stringify(headers)).toBe(403);
      refused(answer.text);
    }
    expect(await invitesTo('csrf@example.test')).toEqual([]);

    // The dashboard's own requests go through: Sec-Fetch-Site same-origin (or none), or the Origin.
    for (const [headers, email] of [
      [{ 'sec-fetch-site': 'same-origin', origin: PUBLIC_ORIGIN }, 'own1@example.test'],
      [{ 'sec-fetch-site': 'none' }, 'own2@example.test'],
      [{ origin: PUBLIC_ORIGIN }, 'own3@example.test'],
    ] as const) {
      const answer = await post('/trpc/invites.create', cookie, headers, JSON.stringify({ email }));
      expect(answer.status, email).toBe(200);
      expect(await invitesTo(email)).toHaveLength(1);
    }
  });

  it("refuses an HTML form's multipart body on a mutation, even one without input", async () => {
    const user = await makeUser(db);
    const cookie = sessionCookie(server.env, user.id);
    const form = new FormData();
    form.set('anything', '1');
    // tRPC would take the form as the (absent) input of account.signOutEverywhere.
    const sameOrigin = await post('/trpc/account.signOutEverywhere', cookie, SAME_ORIGIN, form);
    expect(sameOrigin.status).toBe(415);
    expect(JSON.parse(sameOrigin.text)).toEqual({
      error: { message: JSON_ONLY, code: 'UNSUPPORTED_MEDIA_TYPE' },
    });
    const crossSite = await post(
      '/trpc/account.signOutEverywhere',
      cookie,
      { 'sec-fetch-site': 'cross-site' },
      form,
    );
    expect(crossSite.status).toBe(403);
    expect(await sessionsValidAfter(user.id)).toBeNull();
    expect((await trpcGet(server, 'me.get', undefined, { cookie })).status).toBe(200);
  });

  it('lets service-token calls through without Origin or Sec-Fetch-Site (no cookie, nothing to forge)', async () => {
    const owner = await makeUser(db);
    const ingest = await trpcPost(server, 'usage.ingest', { records: [] }, bearer());
    expect(ingest.status).toBe(200);
    const response = await fetch(`${server.url}/trpc/invites.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(undefined, owner.id) },
      body: JSON.stringify({ email: 'by-bot@example.test' }),
    });
    expect(response.status).toBe(200);
    expect(await invitesTo('by-bot@example.test')).toHaveLength(1);
  });

  it("leaves Stripe's signed webhooks to their own check", async () => {
    const answer = await post('/webhooks/stripe', 'hops_session=x', {
      'sec-fetch-site': 'cross-site',
    });
    expect(answer.status).toBe(404); // Stripe is off here: the route answers, not the guard
    expect(answer.text).not.toContain(CROSS_SITE_REFUSED);
  });
});

describe('logging out', () => {
  it('is refused cross-site and by GET: the session lives on', async () => {
    const user = await makeUser(db);
    const cookie = sessionCookie(server.env, user.id);
    const crossSite = await post('/auth/logout', cookie, {
      'sec-fetch-site': 'cross-site',
      accept: 'text/html',
    });
    expect(crossSite.status).toBe(403);
    refused(crossSite.text);
    expect(crossSite.headers.getSetCookie()).toEqual([]);

    const byLink = await fetch(`${server.url}/auth/logout`, { headers: { cookie } });
    expect(byLink.status).toBe(404);
    expect(byLink.headers.getSetCookie()).toEqual([]);

    expect(await sessionsValidAfter(user.id)).toBeNull();
    expect((await trpcGet(server, 'me.get', undefined, { cookie })).status).toBe(200);
  });

  it("by the dashboard's POST ends the session on the server: a copied cookie stops working", async () => {
    const user = await makeUser(db);
    const cookie = sessionCookie(server.env, user.id);
    const copy = cookie;
    const out = await post('/auth/logout', cookie, SAME_ORIGIN);
    expect(out.status).toBe(204);
    expect(await sessionsValidAfter(user.id)).toBeInstanceOf(Date);
    const answer = await trpcGet(server, 'me.get', undefined, { cookie: copy });
    expect(answer.status).toBe(401);
  });
});

const EXPECTED_HEADERS = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'cross-origin-opener-policy': 'same-origin',
};

function expectSecurityHeaders(headers: Headers, what: string, https: boolean) {
  for (const [name, value] of Object.entries(EXPECTED_HEADERS)) {
    expect(headers.get(name), `${what}: ${name}`).toBe(value);
  }
  const csp = headers.get('content-security-policy') ?? '';
  for (const directive of [
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ]) {
    expect(csp.split('; '), `${what}: CSP`).toContain(directive);
  }
  expect(csp, `${what}: CSP`).not.toMatch(/script-src[^;]*unsafe/);
  expect(headers.get('permissions-policy'), what).toMatch(/camera=\(\)/);
  if (https) expect(headers.get('strict-transport-security'), what).toBe('max-age=31536000');
  else expect(headers.get('strict-transport-security'), what).toBeNull();
}

describe('security headers', () => {
  it('are on every answer of the API: success, refusal, error, not found; HSTS with https', async () => {
    const owner = await makeUser(db);
    const cookie = sessionCookie(server.env, owner.id);
    const answers: [string, Response][] = [
      ['health', await fetch(`${server.url}/healthz`)],
      ['query', await fetch(`${server.url}/trpc/me.get`, { headers: { cookie } })],
      ['anonymous', await fetch(`${server.url}/trpc/me.get`)],
      ['not found', await fetch(`${server.url}/nothing`)],
      ['auth', await fetch(`${server.url}/auth/mode`)],
      [
        'refused',
        await fetch(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie } }),
      ],
    ];
    for (const [what, response] of answers) expectSecurityHeaders(response.headers, what, true);
  });

  it('are on the pages and files of the built dashboard; no HSTS over plain http', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hops-dist-'));
    afterAll(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'assets'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    await writeFile(join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    const plain = await startServer({
      db,
      env: { publicUrl: 'http://127.0.0.1' },
      dashboard: { kind: 'dist', dir },
    });
    try {
      for (const path of ['/', '/usage', '/assets/app-1.js', '/healthz']) {
        const response = await fetch(`${plain.url}${path}`);
        expect(response.status, path).toBe(200);
        expectSecurityHeaders(response.headers, path, false);
      }
    } finally {
      await plain.close();
    }
  });
});
