// team.transferOwnership (SPEC §11) against a real PostgreSQL and the fake Stripe: what moves with
// the account, both ledgers balanced, usage before and after, the Stripe metadata job, and every
// refusal leaving everything as it was.
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { SYSTEM_ACTOR } from '../actor.ts';
import { runJobsOnce } from '../jobs/runner.ts';
import { productJobs } from '../jobs/tasks.ts';
import {
  assignDirect,
  auditRows,
  callerAs,
  clusterOf,
  currentUsers,
  expectTrpcError,
  makeCluster,
  makeUser,
  recordingLogger,
  userCaller,
  userDay,
} from '../../test/helpers.ts';
import { startStripeWorld } from '../../test/stripe.ts';
import { grantCredits } from './credits/account.ts';
import { createInvite } from './invites/owner.ts';
import { ingestUsage } from './usage/ingest.ts';

const { db, url } = await useTestDatabase();
const world = await startStripeWorld();
afterAll(() => world.close());
const deps = world.deps;

const as = (userId: string) => callerAs(db, { userId }, deps);

/**
 * A prepaid account on a cluster: the owner with paid and free credits and a Stripe customer (with
 * its billing row), two members, an open invite, and a day of usage each paid by the owner.
 */
async function account() {
  const cluster = await makeCluster(db);
  const customer = await world.stripe.createCustomer(
    { ownerId: 'pending' },
    `transfer-test-${Math.random()}`,
  );
  const owner = await makeUser(db, {
    billingMode: 'prepaid',
    stripeCustomerId: customer.id,
    name: 'Olive Owner',
  });
  await world.stripe.setCustomerOwner(customer.id, owner.id, `meta-${owner.id}`);
  await db
    .insertInto('billingAccounts')
    .values({ ownerId: owner.id, stripeCustomerId: customer.id, stripeSubscriptionId: null })
    .execute();
  const heir = await makeUser(db, { owner: owner.id, name: 'Hana Heir' });
  const other = await makeUser(db, { owner: owner.id, name: 'Otto Other' });
  for (const u of [owner, heir, other]) await assignDirect(db, u.id, cluster.id);
  const ownerActor = await userCaller(db, owner.id);
  const invite = await inTransaction(db, async (trx) => {
    await grantCredits(trx, SYSTEM_ACTOR, {
      userId: owner.id,
      amount: '40',
      pool: 'paid',
      reason: 'test',
    });
    await grantCredits(trx, SYSTEM_ACTOR, {
      userId: owner.id,
      amount: '5',
      pool: 'free',
      reason: 'test',
    });
    await ingestUsage(trx, SYSTEM_ACTOR, [
      userDay(heir.id, '2025-09-01', { cpuHours: '4' }),
      userDay(owner.id, '2025-09-01', { cpuHours: '2' }),
    ]);
    return (await createInvite(trx, ownerActor, { email: `invitee-${owner.id}@example.test` }))
      .invite;
  });
  return { cluster, customer, owner, heir, other, invite };
}

async function user(id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Available credits by user_credits, and the sum of the ledger, per pool. */
async function creditsOf(userId: string) {
  const { rows } = await sql<{
    paid: string;
    free: string;
    unpaid: string;
    ledgerPaid: string;
    ledgerFree: string;
  }>`
    SELECT (c.total_purchased - c.total_used)::text AS paid,
           (c.free_credits_granted - c.free_credits_used)::text AS free,
           c.unpaid_usage::text AS unpaid,
           (SELECT coalesce(sum(amount), 0)::numeric(14, 4)::text FROM credit_transactions t
             WHERE t.user_id = c.user_id AND t.pool = 'paid') AS ledger_paid,
           (SELECT coalesce(sum(amount), 0)::numeric(14, 4)::text FROM credit_transactions t
             WHERE t.user_id = c.user_id AND t.pool = 'free') AS ledger_free
    FROM user_credits c WHERE c.user_id = ${userId}`.execute(db);
  return rows[0] ?? null;
}

/** Everything a refusal must leave as it was. */
async function snapshot(ownerId: string) {
  const { rows } = await sql`
    SELECT
      (SELECT json_agg(json_build_object('id', id, 'owner', account_owner_id,
                 'mode', billing_mode, 'stripe', stripe_customer_id) ORDER BY id)
         FROM users WHERE id = ${ownerId} OR account_owner_id = ${ownerId}) AS users,
      (SELECT json_agg(account_owner_id) FROM team_invites WHERE account_owner_id = ${ownerId}) AS invites,
      (SELECT owner_id FROM billing_accounts WHERE owner_id = ${ownerId}) AS billing,
      (SELECT count(*)::int FROM credit_transactions) AS ledger,
      (SELECT count(*)::int FROM audit_log WHERE action = 'team.transferOwnership') AS audits,
      (SELECT count(*)::int FROM graphile_worker.jobs) AS jobs`.execute(db);
  return rows[0];
}

describe('team.transferOwnership', () => {
  it('moves members, invites, assignment, billing mode, Stripe ids and credits to the member', async () => {
    const a = await account();
    const before = await creditsOf(a.owner.id);
    expect(before).toMatchObject({ ledgerPaid: before!.paid, ledgerFree: before!.free });

    const result = await (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id });
    expect(result).toMatchObject({
      newOwnerId: a.heir.id,
      formerOwnerId: a.owner.id,
      members: 1,
      invites: 1,
      clusterId: a.cluster.id,
      billingMode: 'prepaid',
      stripeCustomerId: a.customer.id,
      credits: { paid: before!.paid, free: before!.free, unpaidUsage: '0.0000' },
    });

    const [heir, owner, other] = await Promise.all([
      user(a.heir.id),
      user(a.owner.id),
      user(a.other.id),
    ]);
    expect(heir).toMatchObject({
      accountOwnerId: null,
      billingMode: 'prepaid',
      stripeCustomerId: a.customer.id,
    });
    expect(owner).toMatchObject({ accountOwnerId: a.heir.id, stripeCustomerId: null });
    expect(other.accountOwnerId).toBe(a.heir.id);

    const invite = await db
      .selectFrom('teamInvites')
      .selectAll()
      .where('id', '=', a.invite.id)
      .executeTakeFirstOrThrow();
    expect(invite).toMatchObject({ accountOwnerId: a.heir.id, revokedAt: null });
    expect(await (await as(a.heir.id)).invites.list({})).toMatchObject([{ id: a.invite.id }]);

    // Nobody left the cluster, and its count did not move.
    for (const u of [a.owner, a.heir, a.other])
      expect(await clusterOf(db, u.id)).toBe(a.cluster.id);
    expect(await currentUsers(db, a.cluster.id)).toBe(3);

    const billing = await db
      .selectFrom('billingAccounts')
      .select('ownerId')
      .where('stripeCustomerId', '=', a.customer.id)
      .executeTakeFirstOrThrow();
    expect(billing.ownerId).toBe(a.heir.id);

    // Both ledgers balanced: the former owner holds nothing, the new one what was left.
    const formerCredits = await creditsOf(a.owner.id);
    const newCredits = await creditsOf(a.heir.id);
    expect(formerCredits).toEqual({
      paid: '0.0000',
      free: '0.0000',
      unpaid: '0.0000',
      ledgerPaid: '0.0000',
      ledgerFree: '0.0000',
    });
    expect(newCredits).toEqual({
      paid: before!.paid,
      free: before!.free,
      unpaid: '0.0000',
      ledgerPaid: before!.paid,
      ledgerFree: before!.free,
    });
    const adjustments = await db
      .selectFrom('creditTransactions')
      .select(['userId', 'pool', 'amount'])
      .where('kind', '=', 'adjustment')
      .where('userId', 'in', [a.owner.id, a.heir.id])
      .orderBy('userId')
      .orderBy('pool')
      .execute();
    expect(adjustments).toHaveLength(4);
    const sum = adjustments.reduce((s, r) => s + Number(r.amount), 0);
    expect(sum).toBe(0);

    const balance = await (await as(a.heir.id)).credits.balance({});
    expect(balance.available).toBe((Number(before!.paid) + Number(before!.free)).toFixed(4));

    const [audit] = await auditRows(db, 'team.transferOwnership', a.heir.id);
    expect(audit).toMatchObject({ actorUserId: a.owner.id, via: 'web' });
    const event = await db
      .selectFrom('events')
      .select('payload')
      .where('kind', '=', 'team.ownership_transferred')
      .where(sql<boolean>`payload ->> 'newOwnerId' = ${a.heir.id}`)
      .executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ formerOwnerEmail: a.owner.email, members: 2 });

    // The page's picture afterwards: the heir owns it, the former owner is a member.
    const team = await (await as(a.heir.id)).team.get();
    expect(team.isOwner).toBe(true);
    expect(team.owner.id).toBe(a.heir.id);
    expect(team.members.map((m) => m.id).sort()).toEqual([a.owner.id, a.other.id].sort());
    expect((await (await as(a.owner.id)).team.get()).isOwner).toBe(false);
  });

  it('leaves past usage with its payer and has the new owner pay from then on', async () => {
    const a = await account();
    await (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id });
    await inTransaction(db, (trx) =>
      ingestUsage(trx, SYSTEM_ACTOR, [
        userDay(a.heir.id, '2025-09-02', { cpuHours: '2' }),
        userDay(a.owner.id, '2025-09-02', { cpuHours: '2' }),
        userDay(a.other.id, '2025-09-02', { cpuHours: '2' }),
      ]),
    );
    const rows = await db
      .selectFrom('usageDaily')
      .select(['userId', 'date', 'accountOwnerId'])
      .where('userId', 'in', [a.owner.id, a.heir.id, a.other.id])
      .orderBy('date')
      .orderBy('userId')
      .execute();
    const payer = (userId: string, date: string) =>
      rows.find((r) => r.userId === userId && String(r.date).startsWith(date))?.accountOwnerId;
    expect(rows).toHaveLength(5);
    expect(payer(a.heir.id, '2025-09-01')).toBe(a.owner.id);
    expect(payer(a.owner.id, '2025-09-01')).toBe(a.owner.id);
    for (const u of [a.owner, a.heir, a.other]) expect(payer(u.id, '2025-09-02')).toBe(a.heir.id);

    // The new day's cost (3 × 2 CPU hours × 0.5 credits × $0.25 = $0.75) came out of the heir's credits.
    const credits = await creditsOf(a.heir.id);
    expect(credits).toMatchObject({ ledgerPaid: credits!.paid, ledgerFree: credits!.free });
    const charged = await db
      .selectFrom('creditTransactions')
      .select(sql<string>`(-sum(amount))::text`.as('charged'))
      .where('userId', '=', a.heir.id)
      .where('kind', '=', 'usage')
      .executeTakeFirstOrThrow();
    expect(charged.charged).toBe('0.7500');
    expect(await creditsOf(a.owner.id)).toMatchObject({ ledgerPaid: '0.0000', paid: '0.0000' });
  });

  it("has Stripe's customer name the new owner, once, through the job", async () => {
    const a = await account();
    await (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id });
    const log = recordingLogger();
    const { tasks } = productJobs({ ...deps, db, log, stripe: world.stripe });
    await runJobsOnce({ connectionString: url, tasks, log });
    await runJobsOnce({ connectionString: url, tasks, log });
    const customer = await world.stripe.retrieveCustomer(a.customer.id);
    expect(customer).toMatchObject({ ownerId: a.heir.id });
    const updates = world.fake.requests.filter(
      (r) =>
        r.method === 'POST' &&
        r.path === `/v1/customers/${a.customer.id}` &&
        JSON.stringify(r.params).includes(a.heir.id),
    );
    expect(updates).toHaveLength(1);
  });

  it('hands a postpaid account without Stripe or credits over, enqueuing nothing', async () => {
    const owner = await makeUser(db);
    const heir = await makeUser(db, { owner: owner.id });
    const jobs = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM graphile_worker.jobs`.execute(db);
    const result = await (await as(owner.id)).team.transferOwnership({ memberId: heir.id });
    expect(result).toMatchObject({
      members: 0,
      invites: 0,
      clusterId: null,
      billingMode: 'postpaid',
      stripeCustomerId: null,
      credits: null,
    });
    expect((await user(owner.id)).accountOwnerId).toBe(heir.id);
    expect(await creditsOf(heir.id)).toBeNull();
    const after = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM graphile_worker.jobs`.execute(db);
    expect(after.rows[0]!.n).toBe(jobs.rows[0]!.n);
  });

  it('moves unpaid usage and the exhausted flag with the account', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    const heir = await makeUser(db, { owner: owner.id });
    await inTransaction(db, async (trx) => {
      await grantCredits(trx, SYSTEM_ACTOR, {
        userId: owner.id,
        amount: '1',
        pool: 'paid',
        reason: 'test',
      });
      // 10 CPU hours = $1.25: $0.25 more than the credits.
      await ingestUsage(trx, SYSTEM_ACTOR, [userDay(owner.id, '2025-09-03', { cpuHours: '10' })]);
    });
    expect(await creditsOf(owner.id)).toMatchObject({ paid: '0.0000', unpaid: '0.2500' });
    const result = await (await as(owner.id)).team.transferOwnership({ memberId: heir.id });
    expect(result.credits).toEqual({ paid: '0.0000', free: '0.0000', unpaidUsage: '0.2500' });
    expect(await creditsOf(owner.id)).toMatchObject({ unpaid: '0.0000', ledgerPaid: '0.0000' });
    expect(await creditsOf(heir.id)).toMatchObject({ unpaid: '0.2500', ledgerPaid: '0.0000' });
    const flags = async (id: string) => (await user(id)).featureFlags as Record<string, unknown>;
    expect(await flags(owner.id)).not.toHaveProperty('credits_exhausted');
    expect(await flags(heir.id)).toMatchObject({ credits_exhausted: true });
  });

  it('stays balanced with ingestions of the account running beside it', async () => {
    const a = await account();
    const days = ['2025-10-01', '2025-10-02', '2025-10-03', '2025-10-04', '2025-10-05'];
    const ingest = (date: string) =>
      inTransaction(db, (trx) =>
        ingestUsage(
          trx,
          SYSTEM_ACTOR,
          [a.owner, a.heir, a.other].map((u) => userDay(u.id, date, { cpuHours: '1' })),
        ),
      );
    const transfer = (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id });
    await Promise.all([...days.map(ingest), transfer]);
    // Every new day was paid, whole, by whoever owned the account when it arrived.
    const { rows } = await sql<{ date: string; payers: string[] }>`
      SELECT date::text, array_agg(DISTINCT account_owner_id) AS payers FROM usage_daily
      WHERE user_id IN (${a.owner.id}, ${a.heir.id}, ${a.other.id}) AND date >= '2025-10-01'
      GROUP BY date ORDER BY date`.execute(db);
    expect(rows).toHaveLength(days.length);
    for (const r of rows) expect(r.payers).toHaveLength(1);
    for (const id of [a.owner.id, a.heir.id]) {
      const c = await creditsOf(id);
      expect(c).toMatchObject({ ledgerPaid: c!.paid, ledgerFree: c!.free });
    }
    expect(await creditsOf(a.owner.id)).toMatchObject({ paid: '0.0000', free: '0.0000' });
  });

  it('hands the account back and forth, and Stripe ends up naming whoever owns it', async () => {
    const a = await account();
    await (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id });
    await (await as(a.heir.id)).team.transferOwnership({ memberId: a.owner.id });
    expect((await user(a.owner.id)).accountOwnerId).toBeNull();
    expect((await user(a.heir.id)).accountOwnerId).toBe(a.owner.id);
    expect((await user(a.other.id)).accountOwnerId).toBe(a.owner.id);
    const c = await creditsOf(a.owner.id);
    expect(c).toMatchObject({ ledgerPaid: c!.paid, ledgerFree: c!.free });
    expect(await creditsOf(a.heir.id)).toMatchObject({ paid: '0.0000', ledgerPaid: '0.0000' });
    const log = recordingLogger();
    const { tasks } = productJobs({ ...deps, db, log, stripe: world.stripe });
    await runJobsOnce({ connectionString: url, tasks, log });
    expect(await world.stripe.retrieveCustomer(a.customer.id)).toMatchObject({
      ownerId: a.owner.id,
    });
  });

  describe('refusals say why and change nothing', () => {
    it('refuses someone outside the team', async () => {
      const a = await account();
      const stranger = await makeUser(db);
      const outsider = await makeUser(db, { owner: stranger.id });
      const before = await snapshot(a.owner.id);
      for (const id of [stranger.id, outsider.id, 'auth0|nobody']) {
        const message = await expectTrpcError(
          (await as(a.owner.id)).team.transferOwnership({ memberId: id }),
          'NOT_FOUND',
        );
        expect(message).toBe(`There is no member ${id} in your team.`);
      }
      expect(await snapshot(a.owner.id)).toEqual(before);
    });

    it('refuses a suspended member', async () => {
      const a = await account();
      await db
        .updateTable('users')
        .set({ status: 'suspended' })
        .where('id', '=', a.heir.id)
        .execute();
      const before = await snapshot(a.owner.id);
      const message = await expectTrpcError(
        (await as(a.owner.id)).team.transferOwnership({ memberId: a.heir.id }),
        'PRECONDITION_FAILED',
      );
      expect(message).toBe(
        `${a.heir.email} is suspended, so the account cannot be handed to them. Ask an admin to reactivate them first.`,
      );
      expect(await snapshot(a.owner.id)).toEqual(before);
    });

    it('refuses the owner themself', async () => {
      const a = await account();
      const before = await snapshot(a.owner.id);
      const message = await expectTrpcError(
        (await as(a.owner.id)).team.transferOwnership({ memberId: a.owner.id }),
        'BAD_REQUEST',
      );
      expect(message).toBe(
        'You already own this account. Choose one of your members to hand it to.',
      );
      expect(await snapshot(a.owner.id)).toEqual(before);
    });

    it('refuses a member, another owner and an anonymous caller', async () => {
      const a = await account();
      const otherOwner = await makeUser(db);
      const before = await snapshot(a.owner.id);
      expect(
        await expectTrpcError(
          (await as(a.other.id)).team.transferOwnership({ memberId: a.heir.id }),
          'FORBIDDEN',
        ),
      ).toBe('Only the account owner can do this.');
      expect(
        await expectTrpcError(
          (await as(otherOwner.id)).team.transferOwnership({ memberId: a.heir.id }),
          'NOT_FOUND',
        ),
      ).toBe(`There is no member ${a.heir.id} in your team.`);
      const anonymous = await callerAs(db, { anonymous: true }, deps);
      await expectTrpcError(
        anonymous.team.transferOwnership({ memberId: a.heir.id }),
        'UNAUTHORIZED',
      );
      expect(await snapshot(a.owner.id)).toEqual(before);
    });
  });
});
