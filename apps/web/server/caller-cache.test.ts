// The server with the caller cache main.ts gives it: a request's caller is kept between requests,
// yet a change made through this server is seen by its very next request (no waiting for the
// announcement), and a change made elsewhere (another replica, a job, psql) once announced.
import { makeUser, recordingLogger } from '@hops/api/testing';
import { startCallerCache } from '@hops/api';
import { useTestDatabase } from '@hops/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionCookie, trpcGet, trpcPost, useServer, waitFor } from './test/helpers.ts';

const { db, url } = await useTestDatabase();
const callers = startCallerCache({ connectionString: url, log: recordingLogger() });
afterAll(() => callers.close());
const server = await useServer({ db, callers, env: { authMode: 'dev' } });
await waitFor('the cache to listen', async () => callers.listening);

interface Me {
  id: string;
  role: string;
  isAdmin: boolean;
  owner: { id: string } | null;
}

describe('the caller cache in the server', () => {
  it('refuses a session signed out through this server on the very next request', async () => {
    const user = await makeUser(db);
    const cookie = { cookie: sessionCookie(server.env, user.id) };
    for (let i = 0; i < 3; i++) {
      expect((await trpcGet(server, 'me.get', undefined, cookie)).status).toBe(200);
    }
    const out = await trpcPost(server, 'account.signOutEverywhere', undefined, cookie);
    expect(out.status).toBe(200);
    const after = await trpcGet(server, 'me.get', undefined, cookie);
    expect(after.status).toBe(401);
    expect(after.body.error?.data.code).toBe('UNAUTHORIZED');
  });

  it('sees a change made by another connection: a member taken out of a team loses its usage', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const cookie = { cookie: sessionCookie(server.env, member.id) };
    const before = await trpcGet<Me>(server, 'me.get', undefined, cookie);
    expect(before.body.result?.data).toMatchObject({ role: 'member', owner: { id: owner.id } });
    // As another replica or an admin's psql would: straight into the database.
    await db
      .updateTable('users')
      .set({ accountOwnerId: null })
      .where('id', '=', member.id)
      .execute();
    const after = await waitFor('the change announced', async () => {
      const me = await trpcGet<Me>(server, 'me.get', undefined, cookie);
      return me.body.result?.data.role === 'owner' ? me.body.result.data : null;
    });
    expect(after).toMatchObject({ id: member.id, owner: null });
    const account = await trpcGet<{ accountOwnerId: string }[]>(
      server,
      'usage.summary',
      { from: '2026-11-01', to: '2026-11-30', accountOwnerId: owner.id },
      cookie,
    );
    expect(account.body.error?.data.code).toBe('FORBIDDEN');
  });
});
