// A database outage under traffic: clients ingest and read in a loop over HTTP while PostgreSQL is
// stopped and started again on the same data folder. During the outage every answer is a 503 with
// a sentence, in bounded time, and nothing crashes; afterwards the same running app recovers on its
// own; every acknowledged ingestion is in the database, no batch is half-written, and the ledger
// balances.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DATABASE_DOWN } from '@hops/api';
import { addDays } from '@hops/api/days';
import {
  createDb,
  freePort,
  migrateToLatest,
  startEmbeddedPostgres,
  type EmbeddedServer,
} from '@hops/db';
import { bearer, sessionCookie, startServer, waitFor } from '@hops/web/testing';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import {
  call,
  invariantViolations,
  refusalMessage,
  sleep,
  tally,
  usageRecord,
  type Answer,
} from './support.ts';

/** main.ts's pool waits at most 3 s for a connection; an answer may take that plus some slack. */
const CONNECTION_TIMEOUT_MS = 3_000;
const ANSWER_BOUND_MS = CONNECTION_TIMEOUT_MS + 5_000;
const OUTAGE_MS = 4_000;
const FIRST_DAY = '2025-09-01';

const folder = mkdtempSync(join(tmpdir(), 'hops-outage-'));
const dataDir = join(folder, 'data');
const port = await freePort();
let postgres: EmbeddedServer | null = await startEmbeddedPostgres({
  dataDir,
  port,
  persistent: true,
});
const db = createDb({
  connectionString: postgres.url,
  max: 10,
  connectionTimeoutMillis: CONNECTION_TIMEOUT_MS,
});
await migrateToLatest(db);
const server = await startServer({ db });

afterAll(async () => {
  await server.close();
  await db.destroy();
  await postgres?.stop();
  rmSync(folder, { recursive: true, force: true });
});

// Four accounts of three people: a prepaid owner rich in credits, a prepaid owner who runs out,
// and two postpaid ones. Every batch is one account's users on one new day, so each acknowledged
// batch has rows of its own to find afterwards.
const ADMIN = 'outage|admin';
const ACCOUNTS = [
  { owner: 'outage|rich', billingMode: 'prepaid', credits: '1000000' },
  { owner: 'outage|poor', billingMode: 'prepaid', credits: '1' },
  { owner: 'outage|post1', billingMode: 'postpaid', credits: null },
  { owner: 'outage|post2', billingMode: 'postpaid', credits: null },
] as const;
const teamOf = (owner: string) => [owner, `${owner}-m1`, `${owner}-m2`];

await db
  .insertInto('users')
  .values({ id: ADMIN, email: 'admin@outage.test', isAdmin: true })
  .execute();
for (const account of ACCOUNTS) {
  await db
    .insertInto('users')
    .values({
      id: account.owner,
      email: `${account.owner.slice(7)}@outage.test`,
      billingMode: account.billingMode,
    })
    .execute();
  for (const member of teamOf(account.owner).slice(1)) {
    await db
      .insertInto('users')
      .values({
        id: member,
        email: `${member.slice(7)}@outage.test`,
        accountOwnerId: account.owner,
      })
      .execute();
  }
}
const adminCookie = { cookie: sessionCookie(server.env, ADMIN) };
for (const account of ACCOUNTS) {
  if (!account.credits) continue;
  const granted = await call(
    server.url,
    'credits.grant',
    'mutation',
    { userId: account.owner, amount: account.credits, pool: 'paid', reason: 'outage test' },
    adminCookie,
  );
  if (granted.status !== 200) throw new Error(`credits.grant failed: ${JSON.stringify(granted)}`);
}

interface Batch {
  index: number;
  records: ReturnType<typeof usageRecord>[];
  answer: Answer;
  startedAt: number;
  endedAt: number;
}
interface Read {
  answer: Answer;
  startedAt: number;
  endedAt: number;
}

describe('PostgreSQL stops and starts again under traffic', () => {
  it('answers 503 with a sentence meanwhile, recovers alone, and loses nothing acknowledged', async () => {
    const batches: Batch[] = [];
    const reads: Read[] = [];
    let running = true;
    let nextBatch = 0;

    const ingestLoop = async () => {
      while (running) {
        const index = nextBatch++;
        const account = ACCOUNTS[index % ACCOUNTS.length]!;
        const date = addDays(FIRST_DAY, Math.floor(index / ACCOUNTS.length));
        const records = teamOf(account.owner).map((user, i) =>
          usageRecord(user, date, index * 3 + i),
        );
        const startedAt = performance.now();
        const answer = await call(server.url, 'usage.ingest', 'mutation', { records }, bearer());
        batches.push({ index, records, answer, startedAt, endedAt: performance.now() });
        await sleep(10);
      }
    };
    const readLoop = async (who: string) => {
      const headers = { cookie: sessionCookie(server.env, who) };
      const questions = [
        () => call(server.url, 'me.get', 'query', undefined, headers),
        () =>
          call(
            server.url,
            'usage.daily',
            'query',
            { from: FIRST_DAY, to: addDays(FIRST_DAY, 29) },
            headers,
          ),
        () => call(server.url, 'team.get', 'query', undefined, headers),
      ];
      for (let i = 0; running; i++) {
        const startedAt = performance.now();
        const answer = await questions[i % questions.length]!();
        reads.push({ answer, startedAt, endedAt: performance.now() });
        await sleep(10);
      }
    };
    const loops = [
      ingestLoop(),
      ingestLoop(),
      readLoop(ACCOUNTS[0].owner),
      readLoop(teamOf(ACCOUNTS[2].owner)[1]!),
    ];

    const ok = (list: { answer: Answer }[]) => list.filter((x) => x.answer.status === 200).length;
    await waitFor('traffic to flow', async () => ok(batches) >= 20 && ok(reads) >= 20);

    await postgres!.stop();
    postgres = null;
    const downSince = performance.now();
    await sleep(OUTAGE_MS);
    const downUntil = performance.now();
    postgres = await startEmbeddedPostgres({ dataDir, port, persistent: true });
    const upAgain = performance.now();

    // The same app (never restarted) answers again on its own.
    await waitFor(
      'ingestion and reads to succeed again',
      async () =>
        batches.some((b) => b.startedAt > upAgain && b.answer.status === 200) &&
        reads.some((r) => r.startedAt > upAgain && r.answer.status === 200),
      30_000,
    );
    await sleep(1_000);
    running = false;
    await Promise.all(loops);

    const answers = [...batches, ...reads];
    const counts = tally(answers.map((x) => x.answer));
    // Only successes and "database unavailable": no 500, no dropped connection, no hang.
    expect(
      answers.filter((x) => x.answer.status !== 200 && x.answer.status !== 503).length,
      JSON.stringify(counts),
    ).toBe(0);
    for (const x of answers.filter((a) => a.answer.status === 503)) {
      expect(refusalMessage(x.answer)).toBe(DATABASE_DOWN);
    }
    expect(Math.max(...answers.map((x) => x.answer.ms))).toBeLessThan(ANSWER_BOUND_MS);

    // Asked while the database was down: every answer is the 503, and there were plenty of them.
    const duringOutage = (list: (Batch | Read)[]) =>
      list.filter((x) => x.startedAt > downSince && x.endedAt < downUntil);
    for (const list of [batches, reads]) {
      const asked = duringOutage(list);
      expect(asked.length).toBeGreaterThan(5);
      expect(tally(asked.map((x) => x.answer))).toEqual({ '503': asked.length });
    }

    // Every acknowledged batch is stored exactly as sent; no batch is stored in part.
    const { rows } = await sql<{ userId: string; date: string; cpuHours: string }>`
      SELECT user_id, date::text AS date, cpu_hours::text AS cpu_hours FROM usage_daily`.execute(
      db,
    );
    const stored = new Map(rows.map((r) => [`${r.userId} ${r.date}`, r.cpuHours]));
    let acknowledged = 0;
    for (const batch of batches) {
      const found = batch.records.filter((r) => stored.has(`${r.userId} ${r.date}`));
      expect([0, batch.records.length], `batch ${batch.index} stored in part`).toContain(
        found.length,
      );
      if (batch.answer.status !== 200) continue;
      acknowledged += 1;
      expect(found.length, `acknowledged batch ${batch.index} is missing`).toBe(
        batch.records.length,
      );
      for (const r of batch.records) {
        expect(Number(stored.get(`${r.userId} ${r.date}`))).toBe(Number(r.cpuHours));
      }
    }
    expect(acknowledged).toBeGreaterThan(20);
    expect(await invariantViolations(db)).toEqual([]);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    console.log(
      `[outage] ${batches.length} ingest calls (${acknowledged} acknowledged), ${reads.length} reads; answers ${JSON.stringify(counts)}`,
    );
  });
});

describe('a connection lost in the middle of a transaction', () => {
  it('does not crash the process: the transaction fails as "unavailable" and the pool serves on', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'reliability/lost-connection.ts', postgres!.url],
      { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect({ code, crash: /Unhandled 'error' event/.test(err) ? err : null }).toEqual({
      code: 0,
      crash: null,
    });
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({
      outcome: 'unavailable',
      poolServes: true,
    });
  });
});
