// Load on loopback: 64 concurrent clients mix reads, invites (created, re-sent, revoked and
// accepted through sign-in) and usage ingestion over overlapping user-days for a bounded time. No
// answer other than a success or an expected refusal with a sentence; the invariants hold at the
// end (current_users exact, owners within capacity, teams not split, ledgers balanced, one open
// invite per e-mail and owner).
import { addDays, utcDay } from '@hops/api/days';
import { useTestDatabase } from '@hops/db/testing';
import { bearer, sessionCookie, useServer } from '@hops/web/testing';
import { describe, expect, it } from 'vitest';
import {
  answerOf,
  call,
  invariantViolations,
  refusalMessage,
  tally,
  usageRecord,
  type Answer,
} from './support.ts';

const CLIENTS = 64;
const DURATION_MS = Number(process.env.LOAD_SECONDS ?? 15) * 1000;
const OWNERS = 24;
const INVITEES = 40;

const { db } = await useTestDatabase({ max: 20 });
const server = await useServer({ db });
const today = utcDay(new Date());

// Three clusters, one small enough that members joining their owner's team overflow it.
await db
  .insertInto('hopsworksClusters')
  .values([
    { name: 'load-small', apiUrl: 'https://small.test', apiKey: 'x', maxUsers: 5 },
    { name: 'load-a', apiUrl: 'https://a.test', apiKey: 'x', maxUsers: 12 },
    { name: 'load-b', apiUrl: 'https://b.test', apiKey: 'x', maxUsers: 12 },
  ])
  .execute();
await db
  .insertInto('users')
  .values({ id: 'load|admin', email: 'admin@load.test', isAdmin: true })
  .execute();
// Owners: every third prepaid, the others postpaid with a payment method (all eligible).
const owners = Array.from({ length: OWNERS }, (_, i) => ({
  id: `load|owner${i}`,
  email: `owner${i}@load.test`,
  prepaid: i % 3 === 0,
}));
await db
  .insertInto('users')
  .values(
    owners.map((o) => ({
      id: o.id,
      email: o.email,
      billingMode: o.prepaid ? ('prepaid' as const) : ('postpaid' as const),
      stripeCustomerId: o.prepaid ? null : `cus_${o.id}`,
    })),
  )
  .execute();
const adminCookie = { cookie: sessionCookie(server.env, 'load|admin') };
// Sign-ins assign the postpaid owners; a grant assigns a prepaid one. Some credits run out.
for (const [i, owner] of owners.entries()) {
  if (owner.prepaid) {
    const grant = await call(
      server.url,
      'credits.grant',
      'mutation',
      { userId: owner.id, amount: i % 2 ? '50' : '2', pool: 'paid', reason: 'load test' },
      adminCookie,
    );
    if (grant.status !== 200) throw new Error(`grant failed: ${JSON.stringify(grant.body)}`);
  }
  const signIn = await devLogin(owner.id, owner.email);
  if (signIn.status !== 200) throw new Error(`sign-in failed: ${JSON.stringify(signIn.body)}`);
}

async function devLogin(sub: string, email: string, inviteSecret?: string): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(`${server.url}/auth/dev-login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub, email, ...(inviteSecret ? { inviteSecret } : {}) }),
    });
    return await answerOf(response, started);
  } catch (error) {
    return { status: 0, body: null, error: String(error), ms: performance.now() - started };
  }
}

/** Who can be read as, and whose usage can be ingested: owners, then members as they join. */
const people: string[] = owners.map((o) => o.id);
/** Invite secrets handed out, by invitee e-mail (the last one wins, like a person's inbox). */
const inbox = new Map<string, { secret: string; inviteId: string; owner: string }>();

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

interface Outcome {
  action: string;
  answer: Answer;
  /** Refusals this action may meet under contention (HTTP statuses). */
  allowed: readonly number[];
}

async function act(): Promise<Outcome> {
  const roll = Math.random();
  if (roll < 0.45) {
    const who = pick(people);
    const headers = { cookie: sessionCookie(server.env, who) };
    const question = pick([
      ['me.get', undefined],
      ['team.get', undefined],
      ['clusters.mine', undefined],
      ['usage.daily', { from: addDays(today, -30), to: addDays(today, -1) }],
    ] as const);
    const answer = await call(server.url, question[0], 'query', question[1], headers);
    return { action: question[0], answer, allowed: [] };
  }
  if (roll < 0.55) {
    const owner = pick(owners);
    const headers = { cookie: sessionCookie(server.env, owner.id) };
    const answer = await call(
      server.url,
      'usage.summary',
      'query',
      { from: addDays(today, -30), to: addDays(today, -1) },
      headers,
    );
    return { action: 'usage.summary', answer, allowed: [] };
  }
  if (roll < 0.75) {
    const owner = pick(owners);
    const headers = { cookie: sessionCookie(server.env, owner.id) };
    const email = `invitee${Math.floor(Math.random() * INVITEES)}@load.test`;
    const held = inbox.get(email);
    const step = Math.random();
    if (held && step < 0.35) {
      // The invitee follows the link: sign-in with the invite joins the account.
      const sub = `load|${email}`;
      const answer = await devLogin(sub, email, held.secret);
      if (answer.status === 200 && !people.includes(sub)) people.push(sub);
      return { action: 'sign-in with invite', answer, allowed: [] };
    }
    if (held && step < 0.5) {
      const answer = await call(
        server.url,
        'invites.resend',
        'mutation',
        { inviteId: held.inviteId },
        { cookie: sessionCookie(server.env, held.owner) },
      );
      const url = (answer.body?.result?.data as { inviteUrl?: string } | undefined)?.inviteUrl;
      if (url) inbox.set(email, { ...held, secret: url.split('/invite/')[1]! });
      return { action: 'invites.resend', answer, allowed: [400, 404, 409, 412] };
    }
    if (held && step < 0.6) {
      const answer = await call(
        server.url,
        'invites.revoke',
        'mutation',
        { inviteId: held.inviteId },
        { cookie: sessionCookie(server.env, held.owner) },
      );
      return { action: 'invites.revoke', answer, allowed: [400, 404, 409, 412] };
    }
    const answer = await call(server.url, 'invites.create', 'mutation', { email }, headers);
    const data = answer.body?.result?.data as
      { invite: { id: string }; inviteUrl: string } | undefined;
    if (data) {
      inbox.set(email, {
        secret: data.inviteUrl.split('/invite/')[1]!,
        inviteId: data.invite.id,
        owner: owner.id,
      });
    }
    return { action: 'invites.create', answer, allowed: [400, 403, 409, 412] };
  }
  // Ingestion: 1–200 user-days over the last 20 days, overlapping other clients' batches.
  const size = 1 + Math.floor(Math.random() * 200);
  const seen = new Set<string>();
  const records = [];
  for (let i = 0; i < size; i++) {
    const user = pick(people);
    const date = addDays(today, -1 - Math.floor(Math.random() * 20));
    if (seen.has(`${user} ${date}`)) continue;
    seen.add(`${user} ${date}`);
    records.push(usageRecord(user, date, Math.floor(Math.random() * 1e6)));
  }
  const answer = await call(server.url, 'usage.ingest', 'mutation', { records }, bearer());
  return { action: 'usage.ingest', answer, allowed: [] };
}

describe(`${CLIENTS} concurrent clients for ${DURATION_MS / 1000} s`, () => {
  it('meet only successes and expected refusals, and leave every invariant holding', async () => {
    const outcomes: Outcome[] = [];
    const deadline = Date.now() + DURATION_MS;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < deadline) outcomes.push(await act());
      }),
    );

    const unexpected = outcomes.filter(
      (o) =>
        o.answer.status !== 200 &&
        (!o.allowed.includes(o.answer.status) || refusalMessage(o.answer) === null),
    );
    const byAction: Record<string, Record<string, number>> = {};
    for (const o of outcomes)
      byAction[o.action] = tally(
        outcomes.filter((x) => x.action === o.action).map((x) => x.answer),
      );
    expect(
      unexpected.slice(0, 5).map((o) => ({
        action: o.action,
        status: o.answer.status,
        body: o.answer.body,
        error: o.answer.error,
      })),
      JSON.stringify(byAction),
    ).toEqual([]);

    // Every kind of work really happened, including members joining (and overflowing) a team.
    for (const action of [
      'usage.ingest',
      'usage.summary',
      'invites.create',
      'sign-in with invite',
    ]) {
      expect(byAction[action]?.['200'] ?? 0, action).toBeGreaterThan(0);
    }
    expect(people.length).toBeGreaterThan(OWNERS);
    expect(await invariantViolations(db)).toEqual([]);
    console.log(
      `[load] ${outcomes.length} calls in ${DURATION_MS / 1000} s by ${CLIENTS} clients: ${JSON.stringify(byAction)}; ${people.length - OWNERS} invitees joined`,
    );
  });
});
