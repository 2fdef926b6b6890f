// PostgreSQL going away and coming back: requests answer 503 with a sentence in bounded time, and
// the same running server recovers when the database returns.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createDb,
  freePort,
  migrateToLatest,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from '@hops/db';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_DOWN } from '@hops/api';
import { sessionCookie, startServer, trpcGet, waitFor } from './test/helpers.ts';

const folder = mkdtempSync(join(tmpdir(), 'hops-db-down-'));
const dataDir = join(folder, 'data');
const port = await freePort();
let postgres: EmbeddedServer | null = await startEmbeddedPostgres({
  dataDir,
  port,
  persistent: true,
});
// The pool as main.ts configures it: a request waits at most 3 s for a connection.
const db = createDb({ connectionString: postgres.url, max: 5, connectionTimeoutMillis: 3_000 });
await migrateToLatest(db);
await db.insertInto('users').values({ id: 'down|owner', email: 'owner@down.test' }).execute();
const server = await startServer({ db });
const cookie = { cookie: sessionCookie(server.env, 'down|owner') };

afterAll(async () => {
  await server.close();
  await db.destroy();
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

async function health() {
  const response = await fetch(`${server.url}/healthz`);
  return { status: response.status, body: await response.json() };
}

describe('when PostgreSQL stops and starts again', () => {
  it('answers normally while the database is up', async () => {
    expect(await health()).toEqual({ status: 200, body: { ok: true, db: 'up' } });
    expect((await trpcGet(server, 'me.get', undefined, cookie)).status).toBe(200);
  });

  it('answers 503 with a sentence, quickly, while it is down', async () => {
    await postgres!.stop();
    postgres = null;

    const started = Date.now();
    const me = await trpcGet(server, 'me.get', undefined, cookie);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(me.status).toBe(503);
    expect(me.body.error).toMatchObject({
      message: DATABASE_DOWN,
      data: { code: 'SERVICE_UNAVAILABLE', httpStatus: 503 },
    });

    // A procedure's own query (not only the caller look-up) maps the same way.
    const anonymous = await trpcGet(server, 'invites.preview', { token: 'x'.repeat(43) });
    expect(anonymous.status).toBe(503);
    expect(anonymous.body.error?.message).toBe(DATABASE_DOWN);

    const healthStarted = Date.now();
    expect(await health()).toEqual({
      status: 503,
      body: { ok: false, db: 'down', message: DATABASE_DOWN },
    });
    expect(Date.now() - healthStarted).toBeLessThan(5_000);
  });

  it('recovers without a restart of the app when the database is back', async () => {
    postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    const me = await waitFor('me.get to answer again', async () => {
      const answer = await trpcGet<{ id: string }>(server, 'me.get', undefined, cookie);
      return answer.status === 200 ? answer : null;
    });
    expect(me.body.result!.data.id).toBe('down|owner');
    expect(await health()).toEqual({ status: 200, body: { ok: true, db: 'up' } });
  });
});
