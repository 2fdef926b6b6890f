// More than one server, for real (SPEC §12): two API servers as an operator runs them (main.ts, each
// its own process with a job worker) on one PostgreSQL behind a round-robin proxy on loopback, and
// two Slack bots calling the API through that proxy. Under load every change happens once (grants
// and ingestions retried with their idempotency keys onto the other replica; the ledger balanced,
// each user-day stored once); a session signed out through one server is refused by the other
// (each keeps its callers' rows until PostgreSQL announces a change); a Confirm clicked on both
// bots at once and a slash command retried by Slack onto the other bot act once; a replica killed (SIGKILL) while invites are being made
// and mailed leaves the other mailing every invite, none lost, none sent twice; and a replica
// killed while accounts are being made on a (fake) Hopsworks cluster leaves the other making
// everyone there, each person created by exactly one request.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SecretBox, seedDemoData } from '@hops/api';
import { addDays, utcDay } from '@hops/api/days';
import { columnOf, QUANTITY_FIELDS } from '@hops/api/resources';
import { useTestDatabase } from '@hops/db/testing';
import { CONFIRM_ACTION, createSlackBot, SLACK_EVENTS_PATH, type SlackBot } from '@hops/slackbot';
import {
  blockActionBody,
  signedHeaders,
  slashCommandBody,
  startFakeSlack,
  TEST_TEAM_ID,
  type FakeSlack,
} from '@hops/slackbot/testing';
import { SESSION_COOKIE, sealSession } from '@hops/web/server';
import { bearer, SERVICE_TOKEN, waitFor } from '@hops/web/testing';
import { listeningUrl, mainEnv, spawnMain, type MainProcess } from '@hops/web/testing/main-process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BOT_TOKEN,
  buttonValue,
  messageText,
  SIGNING_SECRET,
  silentLog,
  SLACK_USERS,
} from '../src/stack.ts';
import { startProxy, type RoundRobinProxy } from './proxy.ts';
import { call, invariantViolations, sleep, tally, usageRecord, type Answer } from './support.ts';

const { db, url: databaseUrl } = await useTestDatabase();
// One configuration for both replicas (the same secrets: a session or a sealed answer made by one
// is read by the other); each writes its mails into a folder of its own, so the files say who sent.
// A runner silent for 3 s is taken for dead (2 minutes in production), so the survivor frees the
// killed replica's jobs within the test.
const shared: Record<string, string | undefined> = {
  ...mainEnv(databaseUrl),
  JOB_WORKERS: '1',
  JOB_RUNNER_DEAD_AFTER_MS: '3000',
};
await seedDemoData(db, { secrets: new SecretBox(shared.ENCRYPTION_KEY!) });

interface Replica {
  name: string;
  proc: MainProcess;
  url: string;
  mailDir: string;
}

async function startReplica(name: string): Promise<Replica> {
  const mailDir = join(tmpdir(), `hops-replica-${name}-${randomUUID().slice(0, 8)}`);
  const proc = spawnMain({ ...shared, MAIL_DIR: mailDir });
  return { name, proc, url: await listeningUrl(proc), mailDir };
}

const replicas: Replica[] = await Promise.all([startReplica('a'), startReplica('b')]);
const proxy: RoundRobinProxy = await startProxy(replicas.map((r) => r.url));
afterAll(async () => {
  await proxy.close();
  for (const { proc } of replicas) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
    await proc.exited;
  }
});

const ADMIN = 'dev|admin';
const today = utcDay(new Date());

/** A mutation through the proxy as the service token, acting for `actAs` when given. */
const mutate = (path: string, input: unknown, actAs?: string) =>
  call(proxy.url, path, 'mutation', input, bearer(SERVICE_TOKEN, actAs));

/** Runs `tasks` with at most `width` of them at once. */
async function pool<T>(width: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** A job locked when a replica was killed: by whom, and for what. */
interface LockedJob {
  task: string;
  lockedBy: string;
  payload: Record<string, unknown>;
}

/** A replica killed: the database's clock once it was gone, and every job locked at that moment. */
interface Killed {
  at: Date;
  locked: LockedJob[];
}

/**
 * SIGKILL to a replica. The jobs locked are read at once, before the survivors' heartbeat sweep
 * can free the dead one's (JOB_RUNNER_DEAD_AFTER_MS after its last beat): freed and run again by
 * then, they would be nobody's any more. (Its public view of the jobs has no payload, hence the
 * private table.)
 */
async function kill(replica: Replica): Promise<Killed> {
  replica.proc.child.kill('SIGKILL');
  expect((await replica.proc.exited).signal).toBe('SIGKILL');
  const at = (await sql<{ now: Date }>`SELECT now() AS now`.execute(db)).rows[0]!.now;
  const { rows: locked } = await sql<LockedJob>`
    SELECT t.identifier AS task, j.locked_by AS "lockedBy", j.payload
    FROM graphile_worker._private_jobs j
    JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE j.locked_by IS NOT NULL AND j.locked_at < ${at}`.execute(db);
  return { at, locked };
}

/**
 * Waits until the survivors have taken every job of `task` they can (none waiting, none locked
 * since the kill) and their heartbeat sweep has freed the killed replica's (graphile-worker alone
 * would keep a dead worker pool's locks for 4 hours; the sweep frees them once the dead one has
 * been silent for JOB_RUNNER_DEAD_AFTER_MS: nothing here unlocks anything), and answers the jobs of
 * `task` the killed replica held when it died.
 */
async function releaseDeadReplicaJobs(task: string, killed: Killed): Promise<LockedJob[]> {
  const lockedThen = killed.locked.filter((j) => j.task === task);
  const { dead } = await waitFor(
    `the survivors to have taken every ${task} job and freed the killed replica's`,
    async () => {
      const { rows: busy } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM graphile_worker._private_jobs j
        JOIN graphile_worker._private_tasks t ON t.id = j.task_id
        WHERE t.identifier = ${task}
          AND (j.locked_at >= ${killed.at} OR (j.locked_at IS NULL AND j.run_at <= now()))`.execute(
        db,
      );
      if (busy[0]!.n > 0) return false;
      // A pool alive beats on; the killed one's row goes with the sweep, and its locks with it.
      const pools = [...new Set(lockedThen.map((j) => j.lockedBy))];
      const { rows: beating } = await sql<{ poolId: string }>`
        SELECT pool_id AS "poolId" FROM job_runner_heartbeats
        WHERE pool_id = ANY(${pools}::text[]) AND heartbeat_at >= ${killed.at}`.execute(db);
      const alive = new Set(beating.map((r) => r.poolId));
      const gone = pools.filter((p) => !alive.has(p));
      const { rows: stillLocked } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM graphile_worker._private_jobs
        WHERE locked_by = ANY(${gone}::text[])`.execute(db);
      const { rows: listed } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM job_runner_heartbeats
        WHERE pool_id = ANY(${gone}::text[])`.execute(db);
      return stillLocked[0]!.n === 0 && listed[0]!.n === 0 ? { dead: gone } : false;
    },
    60_000,
  );
  // One process died: one worker pool (per job lane).
  const held = lockedThen.filter((j) => dead.includes(j.lockedBy));
  expect(new Set(held.map((j) => j.lockedBy)).size).toBeLessThanOrEqual(1);
  return held;
}

const dataOf = (answer: Answer) => JSON.stringify(answer.body?.result?.data ?? answer.body);

describe('two API servers behind a load balancer, under load', () => {
  const OWNERS = 40;
  const DAYS = 30;
  const DAYS_PER_BATCH = 6;
  const GRANTS = 150;
  const owners = Array.from({ length: OWNERS }, (_, i) => ({
    id: `rep|owner${i}`,
    email: `owner${i}@replicas.test`,
    prepaid: i % 2 === 0,
  }));
  const prepaid = owners.filter((o) => o.prepaid);

  beforeAll(async () => {
    await db
      .insertInto('users')
      .values(
        owners.map((o) => ({
          id: o.id,
          email: o.email,
          ...(o.prepaid ? { billingMode: 'prepaid' as const } : {}),
        })),
      )
      .execute();
  });

  it('carries out every grant and every ingestion once, retries onto the other replica included', async () => {
    const quantity = QUANTITY_FIELDS[0]!;
    let sentThousandths = 0n;
    // Each group is one logical call: sent once, or 2–3 times at once with the same key (a client
    // retrying after a timeout), the copies landing on different replicas by the round robin.
    const groups: {
      path: string;
      input: Record<string, unknown>;
      copies: number;
      actAs?: string;
    }[] = [];
    let batchNo = 0;
    for (const owner of owners) {
      for (let first = 0; first < DAYS; first += DAYS_PER_BATCH) {
        const records = Array.from({ length: DAYS_PER_BATCH }, (_, d) =>
          usageRecord(owner.id, addDays(today, -1 - first - d), batchNo * 10 + d),
        );
        for (const r of records) sentThousandths += BigInt(Math.round(Number(r[quantity]) * 1000));
        groups.push({
          path: 'usage.ingest',
          input: { records, $idempotencyKey: `ingest-${randomUUID()}` },
          copies: batchNo % 4 === 0 ? 2 : 1,
        });
        batchNo++;
      }
    }
    let grantedCents = 0;
    for (let i = 0; i < GRANTS; i++) {
      const cents = ((i % 7) + 1) * 100 + 50;
      grantedCents += cents;
      groups.push({
        path: 'credits.grant',
        input: {
          userId: prepaid[i % prepaid.length]!.id,
          amount: (cents / 100).toFixed(2),
          pool: i % 2 ? 'paid' : 'free',
          reason: `replicas load ${i}`,
          $idempotencyKey: `grant-${randomUUID()}`,
        },
        copies: i % 3 === 0 ? 3 : 1,
        actAs: ADMIN,
      });
    }
    // Grants and ingestions interleaved, so prepaid owners are debited while they are credited.
    groups.sort(() => Math.random() - 0.5);

    const before = proxy.upstreams.map((u) => u.answered);
    const answered = await pool(
      32,
      groups.map(
        (group) => () =>
          Promise.all(
            Array.from({ length: group.copies }, () =>
              mutate(group.path, group.input, group.actAs),
            ),
          ),
      ),
    );
    const all = answered.flat();
    expect(tally(all)).toEqual({ '200': all.length });
    // A repeat got the first call's answer, whichever replica it reached.
    for (const copies of answered) {
      expect(new Set(copies.map(dataOf)).size).toBe(1);
    }
    // Both replicas took their share.
    const share = proxy.upstreams.map((u, i) => u.answered - before[i]!);
    for (const n of share) expect(n).toBeGreaterThan(all.length / 4);

    // One kept answer per key, whichever replica ran it.
    const keys = await sql<{ done: number; open: number }>`
      SELECT count(*) FILTER (WHERE state = 'done')::int AS done,
             count(*) FILTER (WHERE state <> 'done')::int AS open
      FROM idempotency_keys WHERE key LIKE 'grant-%' OR key LIKE 'ingest-%'`.execute(db);
    expect(keys.rows[0]).toEqual({ done: groups.length, open: 0 });

    const grants = await sql<{ n: number; distinct: number; cents: string }>`
      SELECT count(*)::int AS n, count(DISTINCT description)::int AS distinct,
             (sum(amount) * 100)::bigint::text AS cents
      FROM credit_transactions
      WHERE kind IN ('grant', 'purchase') AND description LIKE 'replicas load %'`.execute(db);
    expect(grants.rows[0]).toEqual({ n: GRANTS, distinct: GRANTS, cents: String(grantedCents) });

    const column = sql.raw(columnOf(quantity));
    const usage = await sql<{ rows: number; userDays: number; thousandths: string }>`
      SELECT count(*)::int AS rows, count(DISTINCT (user_id, date))::int AS "userDays",
             coalesce(sum(${column}) * 1000, 0)::bigint::text AS thousandths
      FROM usage_daily WHERE user_id LIKE 'rep|owner%'`.execute(db);
    expect(usage.rows[0]).toEqual({
      rows: OWNERS * DAYS,
      userDays: OWNERS * DAYS,
      thousandths: String(sentThousandths),
    });
    // Every prepaid owner paid each user-day's cost once: what the ledger charged plus what is
    // still unpaid is the cost of their stored usage, to the cent of a cent.
    const mispaid = await sql<{ userId: string }>`
      SELECT c.user_id AS "userId" FROM user_credits c JOIN users u ON u.id = c.user_id
      WHERE u.id LIKE 'rep|owner%' AND u.billing_mode = 'prepaid'
        AND (SELECT coalesce(-sum(amount), 0) FROM credit_transactions t
             WHERE t.user_id = c.user_id AND t.kind = 'usage') + c.unpaid_usage
            <> (SELECT coalesce(sum(total_cost), 0) FROM usage_daily d WHERE d.user_id = c.user_id)`.execute(
      db,
    );
    expect(mispaid.rows).toEqual([]);
    expect(await invariantViolations(db)).toEqual([]);
    console.log(
      `[replicas] load: ${groups.length} calls (${all.length} requests, ${all.length - groups.length} repeats with the same key) → ${GRANTS} grants, ${OWNERS * DAYS} user-days; replicas answered ${share.join(' / ')}`,
    );
  });
});

describe('one person on two API servers', () => {
  // Each server keeps its callers' rows (the caller cache); PostgreSQL announces a change at
  // commit and every server forgets the row, so a revocation holds on both.
  it('a session signed out through one replica is refused there at once, and by the other as soon as PostgreSQL announces it', async () => {
    const [a, b] = replicas as [Replica, Replica];
    const userId = `test|signout-${randomUUID().slice(0, 8)}`;
    await db
      .insertInto('users')
      .values({ id: userId, email: `${userId.slice(5)}@example.test`, name: 'Signs Out' })
      .execute();
    const cookie = `${SESSION_COOKIE}=${sealSession(shared.SESSION_SECRET!, userId)}`;
    const me = (replica: Replica) =>
      fetch(`${replica.url}/trpc/me.get`, { headers: { cookie } }).then((r) => r.status);
    // Asked twice on each: the second answer comes from the kept row, kept 5 s at most.
    const keptFrom = Date.now();
    for (const replica of [a, b, a, b]) expect(await me(replica)).toBe(200);
    const out = await fetch(`${a.url}/trpc/account.signOutEverywhere`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    });
    expect(out.status).toBe(200);
    expect(await me(a)).toBe(401);
    await waitFor('the other replica to refuse the session', async () => (await me(b)) === 401);
    // On PostgreSQL's announcement, not because b's kept row grew too old.
    expect(Date.now() - keptFrom).toBeLessThan(5_000);
  });
});

describe('two Slack bots on the load balancer', () => {
  let slack: FakeSlack;
  const bots: { bot: SlackBot; eventsUrl: string }[] = [];

  beforeAll(async () => {
    slack = await startFakeSlack();
    for (const user of Object.values(SLACK_USERS)) slack.profiles.set(user.id, user.email);
    for (let i = 0; i < 2; i++) {
      const bot = createSlackBot({
        signingSecret: SIGNING_SECRET,
        botToken: BOT_TOKEN,
        slackApiUrl: slack.apiUrl,
        api: { url: proxy.url, serviceToken: SERVICE_TOKEN },
        teamId: TEST_TEAM_ID,
        log: silentLog,
      });
      const port = await bot.start({ port: 0, host: '127.0.0.1' });
      bots.push({ bot, eventsUrl: `http://127.0.0.1:${port}${SLACK_EVENTS_PATH}` });
    }
  });
  afterAll(async () => {
    for (const { bot } of bots) await bot.stop();
    await slack?.close();
  });

  /** Posts a signed body to bot `i`, as Slack delivers it (a retry carries x-slack-retry-num). */
  async function deliver(i: number, body: string, retryNum?: number): Promise<void> {
    const headers = signedHeaders(SIGNING_SECRET, body);
    if (retryNum !== undefined) {
      headers['x-slack-retry-num'] = String(retryNum);
      headers['x-slack-retry-reason'] = 'http_timeout';
    }
    const response = await fetch(bots[i]!.eventsUrl, { method: 'POST', headers, body });
    expect(response.status).toBe(200);
    await response.text();
  }

  async function slash(i: number, text: string, triggerId?: string) {
    const responseKey = randomUUID();
    const body = slashCommandBody({
      text,
      userId: SLACK_USERS.admin.id,
      responseUrl: slack.responseUrl(responseKey),
      ...(triggerId ? { triggerId } : {}),
    });
    await deliver(i, body);
    const [reply] = await slack.waitForResponses(responseKey);
    return { body, responseKey, reply: reply! };
  }

  const grantsMarked = async (mark: string) =>
    Number(
      (
        await db
          .selectFrom('creditTransactions')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('kind', '=', 'grant')
          .where('description', 'like', `%${mark}%`)
          .executeTakeFirstOrThrow()
      ).n,
    );

  const GRANTED = /^✔ Granted \$\d+\.\d\d of free credits to grace@initech\.test;/;

  it('a Confirm clicked on both bots at once acts once, each time', async () => {
    const ROUNDS = 5;
    for (let round = 0; round < ROUNDS; round++) {
      const mark = `both-bots-${randomUUID()}`;
      const prompt = await slash(round % 2, `credits grant grace@initech.test 2 "${mark}"`);
      const value = buttonValue(prompt.reply, CONFIRM_ACTION);
      const keys = [randomUUID(), randomUUID()];
      await Promise.all(
        keys.map((key, i) =>
          deliver(
            i,
            blockActionBody({
              userId: SLACK_USERS.admin.id,
              actionId: CONFIRM_ACTION,
              value,
              responseUrl: slack.responseUrl(key),
            }),
          ),
        ),
      );
      const texts = await Promise.all(
        keys.map(async (key) => messageText((await slack.waitForResponses(key))[0]!)),
      );
      expect(texts[0]).toMatch(GRANTED);
      expect(texts[1]).toBe(texts[0]);
      expect(await grantsMarked(mark)).toBe(1);
    }
  });

  it('a delivery retried by Slack onto the other bot acts once: a Confirm and a slash command', async () => {
    // The Confirm: first delivery to bot 0, Slack's retry (same trigger_id) to bot 1.
    const mark = `retried-${randomUUID()}`;
    const prompt = await slash(0, `credits grant grace@initech.test 1 "${mark}"`);
    const responseKey = randomUUID();
    const click = blockActionBody({
      userId: SLACK_USERS.admin.id,
      actionId: CONFIRM_ACTION,
      value: buttonValue(prompt.reply, CONFIRM_ACTION),
      responseUrl: slack.responseUrl(responseKey),
      triggerId: `trigger.${randomUUID()}`,
    });
    await deliver(0, click);
    await slack.waitForResponses(responseKey);
    await deliver(1, click, 1);
    const replies = await slack.waitForResponses(responseKey, 2);
    expect(messageText(replies[0]!)).toMatch(/^✔ Granted \$1\.00/);
    expect(messageText(replies[1]!)).toBe(messageText(replies[0]!));
    expect(await grantsMarked(mark)).toBe(1);

    // A slash command that acts at once (an invite, mailed): delivered to bot 0, retried twice
    // onto bot 1 and back onto bot 0.
    const email = `retried-${randomUUID().slice(0, 8)}@umbrella.test`;
    const first = await slash(0, `invite heidi@umbrella.test ${email}`, `trigger.${randomUUID()}`);
    await deliver(1, first.body, 1);
    await deliver(0, first.body, 2);
    // Bot 1 never saw the first delivery: it answers again, with what was done; bot 0 knows its
    // own delivery and only acknowledges the second retry.
    const answers = await slack.waitForResponses(first.responseKey, 2);
    expect(messageText(answers[0]!)).toContain(`Invited ${email}`);
    expect(messageText(answers[1]!)).toBe(messageText(answers[0]!));
    const invites = await db
      .selectFrom('teamInvites')
      .select('id')
      .where(sql<boolean>`lower(email) = ${email.toLowerCase()}`)
      .execute();
    expect(invites).toHaveLength(1);
    const mails = await waitFor('the invite mail to be sent', async () => {
      const rows = await db
        .selectFrom('mailOutbox')
        .select('state')
        .where('toAddress', '=', email)
        .execute();
      return rows.every((r) => r.state === 'sent') && rows;
    });
    expect(mails).toEqual([{ state: 'sent' }]);
  });
});

describe('one replica killed in the middle of a run', () => {
  const INVITERS = 8;
  const INVITES_EACH = 12;
  const inviters = Array.from({ length: INVITERS }, (_, i) => ({
    id: `rep|inviter${i}`,
    email: `inviter${i}@replicas.test`,
  }));
  const INVITEES = '@invitees.replicas.test';

  beforeAll(async () => {
    await db.insertInto('users').values(inviters).execute();
  });

  /** The Message-ID and recipient of every .eml file in a folder (none yet: an empty list). */
  async function mailFiles(dir: string): Promise<{ to: string; messageId: string }[]> {
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const files = [];
    for (const name of names.filter((n) => n.endsWith('.eml'))) {
      const text = await readFile(join(dir, name), 'utf8');
      const to = /^To: (.+)$/m.exec(text)?.[1]?.trim() ?? '';
      const messageId = /^Message-ID: (.+)$/im.exec(text)?.[1]?.trim() ?? '';
      files.push({ to, messageId });
    }
    return files;
  }
  const ours = <T extends { to: string }>(files: T[]) =>
    files.filter((f) => f.to.endsWith(INVITEES));

  it('the other replica finishes every job: every invite mailed, none lost, none twice', async () => {
    const [victim, survivor] = replicas as [Replica, Replica, ...Replica[]];
    // Invites through the proxy, a few at a time, each with its key: a call cut off by the kill
    // (no answer, or the proxy's 502) is sent again with the same key, and lands on the survivor.
    const calls = inviters.flatMap((inviter) =>
      Array.from({ length: INVITES_EACH }, (_, n) => ({
        inviter,
        email: `${inviter.id.slice(4)}-${n}${INVITEES}`,
        key: `invite-${randomUUID()}`,
      })),
    );
    let killed = false;
    let createdBeforeKill = 0;
    const outcomes = pool(
      6,
      calls.map((c) => async () => {
        let answer: Answer;
        let sends = 0;
        do {
          if (sends > 0) await sleep(200);
          answer = await mutate(
            'invites.create',
            { email: c.email, $idempotencyKey: c.key },
            c.inviter.id,
          );
          sends++;
        } while ((answer.status === 0 || answer.status === 502) && sends < 10);
        if (!killed && answer.status === 200) createdBeforeKill++;
        return { ...c, answer, sends };
      }),
    );

    // Kill when the victim has sent some of the mails and many invites are still to come.
    await waitFor(
      'the replica to be killed to have sent a few mails',
      async () => ours(await mailFiles(victim.mailDir)).length >= 5,
      60_000,
    );
    const death = await kill(victim);
    killed = true;
    const victimFiles = ours(await mailFiles(victim.mailDir));

    const results = await outcomes;
    // Every call has an answer: done (200), or, when the victim took it and died before it
    // answered, the API's sentence that the first request was cut off (never carried out twice).
    const refused = results.filter((r) => r.answer.status !== 200);
    for (const r of refused) {
      expect(r.answer.status, JSON.stringify(r.answer.body ?? r.answer.error)).toBe(409);
      expect(String(r.answer.body?.error?.message)).toMatch(
        /^The first request with this idempotency key (was interrupted|is still being carried out)/,
      );
    }
    // As that sentence says: check whether it took effect, and if not send it with a new key.
    let resent = 0;
    for (const r of refused) {
      const made = await db
        .selectFrom('teamInvites')
        .select('id')
        .where('accountOwnerId', '=', r.inviter.id)
        .where('email', '=', r.email)
        .execute();
      if (made.length > 0) continue;
      const again = await mutate(
        'invites.create',
        { email: r.email, $idempotencyKey: `invite-${randomUUID()}` },
        r.inviter.id,
      );
      expect(again.status, JSON.stringify(again.body)).toBe(200);
      resent++;
    }

    const held = await releaseDeadReplicaJobs('mail.send', death);

    // The survivor mails every invite there is.
    const invites = () =>
      db
        .selectFrom('teamInvites')
        .innerJoin('mailOutbox', (j) =>
          j.on((eb) =>
            eb(
              eb.fn('lower', ['mailOutbox.toAddress']),
              '=',
              eb.fn('lower', ['teamInvites.email']),
            ),
          ),
        )
        .select(['teamInvites.email', 'mailOutbox.id as mailId', 'mailOutbox.state'])
        .where('teamInvites.email', 'like', `%${INVITEES}`)
        .execute();
    await waitFor(
      'the survivor to have sent every mail',
      async () => {
        const pending = (await invites()).filter((r) => r.state !== 'sent');
        const { rows: queued } = await sql<{ n: number }>`
          SELECT count(*)::int AS n FROM graphile_worker.jobs
          WHERE task_identifier = 'mail.send'`.execute(db);
        return pending.length === 0 && queued[0]!.n === 0;
      },
      60_000,
    );
    const rows = await invites();

    // Nothing lost: every acknowledged invite exists once, with one mail row, sent.
    const byEmail = new Map<string, number>();
    for (const r of rows) byEmail.set(r.email, (byEmail.get(r.email) ?? 0) + 1);
    for (const r of results.filter((x) => x.answer.status === 200)) {
      expect(byEmail.get(r.email), r.email).toBe(1);
    }
    // Nothing twice: no invitee has two invites or two mails.
    expect([...byEmail.values()].filter((n) => n !== 1)).toEqual([]);
    // And nothing lost at all: every invite asked for exists, once.
    expect([...byEmail.keys()].sort()).toEqual(calls.map((c) => c.email).sort());

    // Every mail is in a file: the victim's before it died, or the survivor's.
    const files = [...victimFiles, ...ours(await mailFiles(survivor.mailDir))];
    const perMail = new Map<string, number>();
    for (const f of files) {
      // Message-ID: <mail id@domain>
      const mailId = /^<([^@>]+)@/.exec(f.messageId)?.[1] ?? f.messageId;
      perMail.set(mailId, (perMail.get(mailId) ?? 0) + 1);
    }
    expect([...perMail.keys()].sort()).toEqual(rows.map((r) => r.mailId).sort());
    // Once each. The one exception SPEC §10 allows: a mail whose file the victim wrote in its last
    // moment, before it could mark the mail sent, goes out again with the same Message-ID.
    const heldMails = held.map((h) => h.payload.mailId);
    const twice = [...perMail].filter(([, n]) => n > 1);
    for (const [mailId, n] of twice) {
      expect(n).toBe(2);
      expect(heldMails).toContain(mailId);
    }

    const survivorShare = files.length - victimFiles.length;
    expect(survivorShare).toBeGreaterThan(0);
    expect(await invariantViolations(db)).toEqual([]);
    console.log(
      `[replicas] kill: ${calls.length} invites asked for (${results.reduce((s, r) => s + r.sends, 0)} requests, ${proxy.cutOff} cut off by the kill), ${createdBeforeKill} answered before the SIGKILL, ${refused.length} refused as cut off (${resent} of them sent again with a new key); ${rows.length} invites, ${rows.length} mails: ${victimFiles.length} by the killed replica, ${survivorShare} by the survivor (${held.length} job(s) it held released, ${twice.length} mail(s) repeated with the same Message-ID)`,
    );
  });
});

/** What the fake Hopsworks saw: the e-mail of every create-user request, and its users. */
interface HopsworksSeen {
  creates: string[];
  users: { email: string; status: number }[];
}

/**
 * A fake Hopsworks admin API (@hops/fakes/hopsworks) as a process of its own, as a cluster is:
 * started from @hops/api, whose test dependency it is, each request answered after a short delay
 * (a cluster over a network), and asked over stdin what it saw.
 */
async function startHopsworksProcess() {
  const script = `
    const { startFakeHopsworks } = await import('@hops/fakes/hopsworks');
    const fake = await startFakeHopsworks({ apiKey: 'replicas-hopsworks-key' });
    for (let i = 0; i < 100000; i++) fake.delayNext(20);
    console.log(JSON.stringify({ url: fake.url, caCertificate: fake.caCertificate, apiKey: fake.apiKey }));
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', async () => {
      const creates = fake.requests
        .filter((r) => r.method === 'POST' && r.path.endsWith('/admin/users'))
        .map((r) => r.query.email);
      const users = fake.users.map((u) => ({ email: u.email, status: u.status }));
      console.log(JSON.stringify({ creates, users }));
    });
    process.stdin.on('end', () => fake.close().then(() => process.exit(0)));`;
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
    cwd: fileURLToPath(new URL('../../api', import.meta.url)),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => {
    const line = await lines.next();
    if (line.done) throw new Error('The fake Hopsworks process ended.');
    return JSON.parse(line.value) as unknown;
  };
  const started = (await nextLine()) as { url: string; caCertificate: string; apiKey: string };
  return {
    ...started,
    async seen(): Promise<HopsworksSeen> {
      child.stdin!.write('?\n');
      return (await nextLine()) as HopsworksSeen;
    },
    async close() {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.stdin!.end();
      await exited;
    },
  };
}

describe('a replica killed while accounts are being made on a Hopsworks cluster', () => {
  const OWNERS = 30;
  const PROV = '@prov.replicas.test';
  const owners = Array.from({ length: OWNERS }, (_, i) => ({
    id: `rep|prov-owner${i}`,
    email: `owner${i}${PROV}`,
    name: `Owner ${i}`,
  }));
  const members = owners.map((o, i) => ({
    id: `rep|prov-member${i}`,
    email: `member${i}${PROV}`,
    name: `Member ${i}`,
    accountOwnerId: o.id,
  }));
  const people = [...owners, ...members];
  let hopsworks: Awaited<ReturnType<typeof startHopsworksProcess>>;

  beforeAll(async () => {
    hopsworks = await startHopsworksProcess();
    await db.insertInto('users').values(owners).execute();
    await db.insertInto('users').values(members).execute();
    // The replica killed before is replaced: a new process joins the load balancer.
    const replacement = await startReplica('c');
    replicas.push(replacement);
    proxy.add(replacement.url);
  });
  afterAll(() => hopsworks?.close());

  it('the other replica finishes: everyone made on the cluster once, no one created twice', async () => {
    const alive = replicas.filter((r) => r.proc.child.exitCode === null && !r.proc.child.killed);
    expect(alive).toHaveLength(2);
    const [victim] = alive as [Replica, Replica];

    // The cluster, and every account assigned to it, through the load balancer as an admin.
    const created = await mutate(
      'clusters.create',
      {
        name: 'replicas-cluster',
        apiUrl: hopsworks.url,
        apiKey: hopsworks.apiKey,
        caCertificate: hopsworks.caCertificate,
        maxUsers: people.length + 10,
      },
      ADMIN,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const clusterId = (created.body?.result?.data as { id: string }).id;
    const assigned = await pool(
      8,
      owners.map(
        (o) => () =>
          mutate(
            'clusters.assign',
            { userId: o.id, clusterId, $idempotencyKey: randomUUID() },
            ADMIN,
          ),
      ),
    );
    expect(tally(assigned)).toEqual({ '200': OWNERS });

    // Killed once a part of the people are made there and most are still to come.
    await waitFor(
      'a part of the accounts to be made on the cluster',
      async () => (await hopsworks.seen()).users.length >= people.length / 4,
      60_000,
    );
    const death = await kill(victim);
    const madeBeforeKill = (await hopsworks.seen()).users.length;
    const held = await releaseDeadReplicaJobs('clusters.provision', death);

    const provisioning = () =>
      db
        .selectFrom('hopsworksProvisioning')
        .select(['userId', 'action', 'state'])
        .where('userId', 'like', 'rep|prov-%')
        .execute();
    await waitFor(
      'every provisioning job to be done',
      async () => (await provisioning()).every((r) => r.state === 'done'),
      60_000,
    );
    const rows = await provisioning();
    // One job per person, done.
    expect(rows.map((r) => r.userId).sort()).toEqual(people.map((p) => p.id).sort());
    expect(rows.filter((r) => r.action !== 'activate' || r.state !== 'done')).toEqual([]);

    // On the cluster: everyone once, active, and each created by exactly one request.
    const seen = await hopsworks.seen();
    const emails = people.map((p) => p.email).sort();
    expect(seen.creates.filter((e) => e.endsWith(PROV)).sort()).toEqual(emails);
    const ours = seen.users.filter((u) => u.email.endsWith(PROV));
    expect(ours.map((u) => u.email).sort()).toEqual(emails);
    expect(ours.filter((u) => u.status !== 2)).toEqual([]);
    // The assignments hold the usernames the cluster gave, and the counts are exact.
    const assignments = await db
      .selectFrom('userHopsworksAssignments')
      .select(['userId', 'hopsworksUsername'])
      .where('hopsworksClusterId', '=', clusterId)
      .execute();
    expect(assignments).toHaveLength(people.length);
    expect(assignments.filter((a) => !a.hopsworksUsername)).toEqual([]);
    expect(await invariantViolations(db)).toEqual([]);
    console.log(
      `[replicas] provisioning: ${people.length} people on one cluster; ${madeBeforeKill} made before the SIGKILL, ${people.length - madeBeforeKill} after it by the survivor (${held.length} job(s) the killed replica held released); ${seen.creates.length} create-user requests in all`,
    );
  });
});
