// admin.users.* through the router (SPEC §3.5). Over 300 lines: five procedures, one data set.
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  auditRows,
  callerAs,
  clusterOf,
  expectTrpcError,
  makeCluster,
  makeUser,
} from '../../test/helpers.ts';
import { addDays, utcToday } from '../days.ts';

const { db } = await useTestDatabase();

let admin: Awaited<ReturnType<typeof makeUser>>;
let asAdmin: Awaited<ReturnType<typeof callerAs>>;

beforeAll(async () => {
  admin = await makeUser(db, { isAdmin: true, email: 'chief@hops.test' });
  asAdmin = await callerAs(db, { userId: admin.id });
});

function isoDaysAgo(days: number) {
  return addDays(utcToday(), -days);
}

async function usage(
  userId: string,
  accountOwnerId: string,
  date: string,
  cpuHours: string,
  cpuCost: string,
) {
  await db
    .insertInto('usageDaily')
    .values({
      userId,
      accountOwnerId,
      date,
      cpuHours,
      cpuCost,
      totalCost: cpuCost,
      rateCard: '2025-08',
    })
    .execute();
}

describe('admin.users.list', () => {
  it('describes each user with role, billing and cluster', async () => {
    const cluster = await makeCluster(db, { name: 'list-cluster' });
    const owner = await makeUser(db, {
      email: 'Owner.Shape@List.test',
      name: 'Shape Owner',
      billingMode: 'prepaid',
    });
    const member = await makeUser(db, { owner: owner.id, email: 'member.shape@list.test' });
    await assignDirect(db, owner.id, cluster.id);
    const { items } = await asAdmin.admin.users.list({ search: 'shape@list' });
    expect(items).toEqual([
      {
        id: member.id,
        email: 'member.shape@list.test',
        name: member.name,
        status: 'active',
        role: 'member',
        isAdmin: false,
        billingMode: 'postpaid',
        accountOwnerId: owner.id,
        cluster: null,
        createdAt: member.createdAt.toISOString(),
        lastLoginAt: null,
      },
      {
        id: owner.id,
        email: 'Owner.Shape@List.test',
        name: 'Shape Owner',
        status: 'active',
        role: 'owner',
        isAdmin: false,
        billingMode: 'prepaid',
        accountOwnerId: null,
        cluster: { id: cluster.id, name: 'list-cluster' },
        createdAt: owner.createdAt.toISOString(),
        lastLoginAt: null,
      },
    ]);
  });

  it('searches e-mail, name and id case-insensitively, and filters status, role and cluster', async () => {
    const tag = 'flt7q';
    const cluster = await makeCluster(db);
    const owner = await makeUser(db, {
      id: `auth0|${tag}-owner`,
      email: `o@${tag}.test`,
      name: 'Fil Owner',
    });
    const member = await makeUser(db, {
      owner: owner.id,
      email: `m@${tag}.test`,
      name: 'Fil Member',
    });
    const suspended = await makeUser(db, { email: `s@${tag}.test`, status: 'suspended' });
    const boss = await makeUser(db, {
      email: `a@${tag}.test`,
      isAdmin: true,
      name: 'Odd 100%_name',
    });
    await assignDirect(db, owner.id, cluster.id);
    await assignDirect(db, member.id, cluster.id);

    const ids = async (input: Parameters<typeof asAdmin.admin.users.list>[0]) =>
      (await asAdmin.admin.users.list(input)).items.map((u) => u.id).sort();
    const sorted = (...users: { id: string }[]) => users.map((u) => u.id).sort();

    expect(await ids({ search: tag.toUpperCase() })).toEqual(
      sorted(owner, member, suspended, boss),
    );
    expect(await ids({ search: 'fil member' })).toEqual(sorted(member));
    expect(await ids({ search: `AUTH0|${tag}-OWN` })).toEqual(sorted(owner));
    // LIKE wildcards are searched for literally.
    expect(await ids({ search: '100%_' })).toEqual(sorted(boss));
    expect(await ids({ search: `${tag}%` })).toEqual([]);
    expect(await ids({ search: tag, status: 'suspended' })).toEqual(sorted(suspended));
    expect(await ids({ search: tag, role: 'member' })).toEqual(sorted(member));
    expect(await ids({ search: tag, role: 'owner' })).toEqual(sorted(owner, suspended, boss));
    expect(await ids({ search: tag, role: 'admin' })).toEqual(sorted(boss));
    expect(await ids({ clusterId: cluster.id })).toEqual(sorted(owner, member));
  });

  it('walks every user exactly once, newest first, including users created in the same instant', async () => {
    const tag = 'pgwalk';
    // 20 users in one statement share created_at to the microsecond; 17 more one by one.
    await db
      .insertInto('users')
      .values(
        Array.from({ length: 20 }, (_, i) => ({
          id: `bulk|${tag}|${i}`,
          email: `bulk${i}@${tag}.test`,
        })),
      )
      .execute();
    for (let i = 0; i < 17; i += 1) await makeUser(db, { email: `one${i}@${tag}.test` });
    const expected = await db
      .selectFrom('users')
      .select(['id', 'createdAt'])
      .where('email', 'like', `%@${tag}.test`)
      .execute();

    const seen: string[] = [];
    const createdAt: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await asAdmin.admin.users.list({ search: `@${tag}.test`, limit: 6, cursor });
      seen.push(...page.items.map((u) => u.id));
      createdAt.push(...page.items.map((u) => u.createdAt));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
      expect(pages).toBeLessThan(20);
    } while (cursor);
    expect(seen).toHaveLength(37);
    expect(new Set(seen)).toEqual(new Set(expected.map((u) => u.id)));
    expect(pages).toBe(7);
    expect(createdAt).toEqual([...createdAt].sort().reverse());
  });

  it('refuses a forged cursor and bad limits', async () => {
    await expectTrpcError(asAdmin.admin.users.list({ cursor: 'garbage!' }), 'BAD_REQUEST');
    const forged = Buffer.from(JSON.stringify(["2026-01-01'; drop table users; --", 'x'])).toString(
      'base64url',
    );
    expect(await expectTrpcError(asAdmin.admin.users.list({ cursor: forged }), 'BAD_REQUEST')).toBe(
      'This page cursor is not valid. Start from the first page.',
    );
    await expectTrpcError(asAdmin.admin.users.list({ limit: 0 }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.admin.users.list({ limit: 501 }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.admin.users.list({ role: 'boss' as 'owner' }), 'BAD_REQUEST');
    await expectTrpcError(asAdmin.admin.users.list({ clusterId: 'abc' }), 'BAD_REQUEST');
  });

  it('is for admins only', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await expectTrpcError(
      (await callerAs(db, { userId: member.id })).admin.users.list({}),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { userId: owner.id })).admin.users.list({}),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).admin.users.list({}),
      'UNAUTHORIZED',
    );
  });
});

describe('admin.users.get', () => {
  it('asks for one of the user id or the e-mail, in a sentence', async () => {
    for (const input of [{}, { userId: 'dev|x', email: 'x@example.test' }]) {
      expect(await expectTrpcError(asAdmin.admin.users.get(input), 'BAD_REQUEST')).toBe(
        'Give either the user id or the e-mail address of the person.',
      );
    }
  });

  it('opens an owner: account, cluster, credits and the account’s 30-day usage', async () => {
    const cluster = await makeCluster(db, { name: 'get-cluster' });
    const owner = await makeUser(db, { email: 'Get.Owner@get.test', billingMode: 'prepaid' });
    const member = await makeUser(db, { owner: owner.id, email: 'get.member@get.test' });
    await assignDirect(db, owner.id, cluster.id);
    await assignDirect(db, member.id, cluster.id);
    await db
      .insertInto('userCredits')
      .values({
        userId: owner.id,
        totalPurchased: '100',
        totalUsed: '30.5',
        freeCreditsGranted: '10',
        freeCreditsUsed: '10',
      })
      .execute();
    await usage(owner.id, owner.id, isoDaysAgo(0), '2', '1.0000');
    await usage(member.id, owner.id, isoDaysAgo(29), '3.5', '0.8750');
    await usage(member.id, owner.id, isoDaysAgo(30), '100', '25.0000'); // outside the window

    const detail = await asAdmin.admin.users.get({ email: 'get.owner@GET.test' });
    expect(detail.user).toMatchObject({
      id: owner.id,
      role: 'owner',
      billingMode: 'prepaid',
      loginCount: 0,
    });
    expect(detail.account).toEqual({
      owner: { id: owner.id, email: owner.email, name: owner.name, status: 'active' },
      members: [
        {
          id: member.id,
          email: member.email,
          name: member.name,
          status: 'active',
          lastLoginAt: null,
        },
      ],
    });
    expect(detail.cluster).toEqual({
      id: cluster.id,
      name: 'get-cluster',
      apiUrl: cluster.apiUrl,
      status: 'active',
    });
    expect(detail.credits).toEqual({
      paid: '69.5000',
      free: '0.0000',
      available: '69.5000',
      unpaidUsage: '0.0000',
    });
    expect(detail.usage30d).toEqual({
      from: isoDaysAgo(29),
      to: isoDaysAgo(0),
      totalCost: '1.8750',
      byResource: {
        cpu: '1.8750',
        gpu: '0.0000',
        ram: '0.0000',
        storage: '0.0000',
        network: '0.0000',
      },
      quantities: {
        cpuHours: '5.5000',
        gpuHours: '0.0000',
        ramGbHours: '0.0000',
        onlineStorageGb: '0.0000',
        offlineStorageGb: '0.0000',
        networkEgressGb: '0.0000',
      },
    });

    const asMember = await asAdmin.admin.users.get({ userId: member.id });
    expect(asMember.user.role).toBe('member');
    expect(asMember.account.owner.id).toBe(owner.id);
    expect(asMember.credits).toEqual(detail.credits);
    expect(asMember.usage30d.totalCost).toBe('0.8750');
  });

  it('answers a user without credits, cluster or usage', async () => {
    const loner = await makeUser(db);
    const detail = await asAdmin.admin.users.get({ userId: loner.id });
    expect(detail).toMatchObject({ cluster: null, credits: null, account: { members: [] } });
    expect(detail.usage30d.totalCost).toBe('0.0000');
  });

  it('says why a user is suspended: the reason, when, by whom and via what', async () => {
    const user = await makeUser(db, { email: 'why.suspended@get.test' });
    expect((await asAdmin.admin.users.get({ userId: user.id })).statusChange).toBeNull();

    await asAdmin.admin.users.setStatus({
      userId: user.id,
      status: 'suspended',
      reason: 'First warning',
    });
    const bot = await callerAs(db, { service: true, actAs: admin.id });
    await bot.admin.users.setStatus({ userId: user.id, status: 'active', reason: 'Appealed' });
    const other = await makeUser(db, { isAdmin: true, email: 'second@hops.test', name: 'Sec Ond' });
    await (
      await callerAs(db, { userId: other.id })
    ).admin.users.setStatus({
      userId: user.id,
      status: 'suspended',
      reason: 'Chargeback on invoice 7',
    });
    const [last] = (await auditRows(db, 'admin.users.setStatus', user.id)).slice(-1);

    const detail = await asAdmin.admin.users.get({ email: 'WHY.suspended@get.test' });
    expect(detail.user.status).toBe('suspended');
    expect(detail.statusChange).toEqual({
      status: 'suspended',
      at: last!.at.toISOString(),
      by: { id: other.id, email: 'second@hops.test', name: 'Sec Ond' },
      via: 'web',
      reason: 'Chargeback on invoice 7',
    });

    // Reactivated from Slack: the page says who let them back, and why.
    await bot.admin.users.setStatus({ userId: user.id, status: 'active', reason: 'Paid in full' });
    expect((await asAdmin.admin.users.get({ userId: user.id })).statusChange).toMatchObject({
      status: 'active',
      by: { id: admin.id, email: 'chief@hops.test' },
      via: 'slack',
      reason: 'Paid in full',
    });
  });

  it('says who deleted an account and why, by an admin or by the person themself', async () => {
    const gone = await makeUser(db);
    await asAdmin.admin.users.delete({ userId: gone.id, reason: 'Asked by mail to be forgotten' });
    expect((await asAdmin.admin.users.get({ userId: gone.id })).statusChange).toMatchObject({
      status: 'deleted',
      by: { id: admin.id, email: 'chief@hops.test' },
      via: 'web',
      reason: 'Asked by mail to be forgotten',
    });
    const self = await makeUser(db);
    await (await callerAs(db, { userId: self.id })).account.delete({ confirm: self.email });
    expect((await asAdmin.admin.users.get({ userId: self.id })).statusChange).toMatchObject({
      status: 'deleted',
      by: { id: self.id },
      reason: null,
    });
  });

  it('does not guess a reason when no audit row gave the user their status', async () => {
    // Suspended outside the API (straight in the database): there is nothing to tell.
    const user = await makeUser(db, { status: 'suspended' });
    expect((await asAdmin.admin.users.get({ userId: user.id })).statusChange).toBeNull();
    // An old suspension was lifted outside the API: its reason no longer explains the status.
    const again = await makeUser(db);
    await asAdmin.admin.users.setStatus({ userId: again.id, status: 'suspended', reason: 'Old' });
    await db.updateTable('users').set({ status: 'active' }).where('id', '=', again.id).execute();
    expect((await asAdmin.admin.users.get({ userId: again.id })).statusChange).toBeNull();
  });

  it('answers unknown users with NOT_FOUND and bad keys with BAD_REQUEST', async () => {
    expect(
      await expectTrpcError(asAdmin.admin.users.get({ userId: 'auth0|nobody' }), 'NOT_FOUND'),
    ).toBe('There is no user with id auth0|nobody.');
    expect(
      await expectTrpcError(asAdmin.admin.users.get({ email: 'nobody@get.test' }), 'NOT_FOUND'),
    ).toBe('No user has the e-mail nobody@get.test.');
    await expectTrpcError(asAdmin.admin.users.get({}), 'BAD_REQUEST');
    await expectTrpcError(
      asAdmin.admin.users.get({ userId: admin.id, email: admin.email }),
      'BAD_REQUEST',
    );
    await expectTrpcError(asAdmin.admin.users.get({ email: 'not-an-email' }), 'BAD_REQUEST');
  });

  it('is for admins only', async () => {
    const owner = await makeUser(db);
    await expectTrpcError(
      (await callerAs(db, { userId: owner.id })).admin.users.get({ userId: owner.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).admin.users.get({ userId: owner.id }),
      'UNAUTHORIZED',
    );
  });
});

describe('admin.users.setStatus', () => {
  it('suspends and reactivates, with the reason and from → to in the audit log', async () => {
    const user = await makeUser(db);
    const answer = await asAdmin.admin.users.setStatus({
      userId: user.id,
      status: 'suspended',
      reason: 'Chargeback',
    });
    expect(answer).toMatchObject({ changed: true, user: { id: user.id, status: 'suspended' } });
    const message = await expectTrpcError(
      (await callerAs(db, { userId: user.id })).me.get(),
      'FORBIDDEN',
    );
    expect(message).toMatch(/suspended/);

    const bot = await callerAs(db, { service: true, actAs: admin.id });
    await bot.admin.users.setStatus({ userId: user.id, status: 'active', reason: 'Paid up' });
    expect((await (await callerAs(db, { userId: user.id })).me.get()).id).toBe(user.id);

    const audits = await auditRows(db, 'admin.users.setStatus', user.id);
    expect(audits.map((a) => ({ actor: a.actorUserId, via: a.via, details: a.details }))).toEqual([
      {
        actor: admin.id,
        via: 'web',
        details: { email: user.email, from: 'active', to: 'suspended', reason: 'Chargeback' },
      },
      {
        actor: admin.id,
        via: 'slack',
        // The token the bot acted through, named as well as the admin (SPEC §12).
        details: {
          email: user.email,
          from: 'suspended',
          to: 'active',
          reason: 'Paid up',
          serviceToken: 'test',
        },
      },
    ]);

    const same = await asAdmin.admin.users.setStatus({
      userId: user.id,
      status: 'active',
      reason: 'again',
    });
    expect(same.changed).toBe(false);
    expect(await auditRows(db, 'admin.users.setStatus', user.id)).toHaveLength(2);
  });

  it('keeps deletion to Delete account, and a deleted account deleted', async () => {
    const user = await makeUser(db);
    expect(
      await expectTrpcError(
        asAdmin.admin.users.setStatus({ userId: user.id, status: 'deleted', reason: 'gone' }),
        'PRECONDITION_FAILED',
      ),
    ).toBe(
      'Delete an account with Delete account: it also revokes its invites, ends its cluster assignment and frees its e-mail.',
    );
    await asAdmin.admin.users.delete({ userId: user.id, reason: 'asked to leave' });
    for (const change of [
      () => asAdmin.admin.users.setStatus({ userId: user.id, status: 'active', reason: 'back' }),
      () =>
        asAdmin.admin.users.setStatus({ userId: user.id, status: 'suspended', reason: 'abuse' }),
      () => asAdmin.admin.users.setAdmin({ userId: user.id, isAdmin: true }),
    ]) {
      expect(await expectTrpcError(change(), 'PRECONDITION_FAILED')).toBe(
        'This account was deleted; it cannot be reactivated, suspended or made an admin. Someone who wants back in signs up anew.',
      );
    }
    const row = await db
      .selectFrom('users')
      .select(['status', 'isAdmin'])
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'deleted', isAdmin: false });
  });

  it('does not let an admin suspend or delete themselves', async () => {
    expect(
      await expectTrpcError(
        asAdmin.admin.users.setStatus({ userId: admin.id, status: 'suspended', reason: 'oops' }),
        'FORBIDDEN',
      ),
    ).toBe('You cannot suspend your own account. Ask another admin.');
    expect(
      await expectTrpcError(
        asAdmin.admin.users.setStatus({ userId: admin.id, status: 'deleted', reason: 'oops' }),
        'FORBIDDEN',
      ),
    ).toBe('You cannot delete your own account. Ask another admin.');
    const me = await db
      .selectFrom('users')
      .select('status')
      .where('id', '=', admin.id)
      .executeTakeFirstOrThrow();
    expect(me.status).toBe('active');
  });

  it('refuses unknown users, a missing reason and unknown statuses', async () => {
    const user = await makeUser(db);
    await expectTrpcError(
      asAdmin.admin.users.setStatus({
        userId: 'auth0|ghost',
        status: 'suspended',
        reason: 'fraud',
      }),
      'NOT_FOUND',
    );
    await expectTrpcError(
      asAdmin.admin.users.setStatus({ userId: user.id, status: 'suspended', reason: ' ' }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      asAdmin.admin.users.setStatus({
        userId: user.id,
        status: 'frozen' as 'active',
        reason: 'fraud',
      }),
      'BAD_REQUEST',
    );
  });

  it('is for admins only', async () => {
    const user = await makeUser(db);
    const input = { userId: user.id, status: 'suspended' as const, reason: 'because' };
    await expectTrpcError(
      (await callerAs(db, { userId: user.id })).admin.users.setStatus(input),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).admin.users.setStatus(input),
      'UNAUTHORIZED',
    );
  });
});

describe('admin.users.setAdmin', () => {
  it('grants and revokes admin rights, audited', async () => {
    const user = await makeUser(db);
    await expectTrpcError((await callerAs(db, { userId: user.id })).clusters.list(), 'FORBIDDEN');
    expect(await asAdmin.admin.users.setAdmin({ userId: user.id, isAdmin: true })).toMatchObject({
      changed: true,
      user: { isAdmin: true },
    });
    expect(Array.isArray(await (await callerAs(db, { userId: user.id })).clusters.list())).toBe(
      true,
    );
    // The new admin may revoke the old one's rights, but not their own.
    const asNew = await callerAs(db, { userId: user.id });
    expect(
      await expectTrpcError(
        asNew.admin.users.setAdmin({ userId: user.id, isAdmin: false }),
        'FORBIDDEN',
      ),
    ).toBe('You cannot remove your own admin rights. Ask another admin to do it.');
    await asAdmin.admin.users.setAdmin({ userId: user.id, isAdmin: false });
    await expectTrpcError((await callerAs(db, { userId: user.id })).clusters.list(), 'FORBIDDEN');
    const audits = await auditRows(db, 'admin.users.setAdmin', user.id);
    expect(audits.map((a) => a.details)).toEqual([
      { email: user.email, from: false, to: true },
      { email: user.email, from: true, to: false },
    ]);
  });

  it('does not let an admin remove their own flag', async () => {
    await expectTrpcError(
      asAdmin.admin.users.setAdmin({ userId: admin.id, isAdmin: false }),
      'FORBIDDEN',
    );
    expect(await asAdmin.admin.users.setAdmin({ userId: admin.id, isAdmin: true })).toMatchObject({
      changed: false,
    });
    const me = await db
      .selectFrom('users')
      .select('isAdmin')
      .where('id', '=', admin.id)
      .executeTakeFirstOrThrow();
    expect(me.isAdmin).toBe(true);
  });

  it('refuses unknown users, bad input and non-admins', async () => {
    await expectTrpcError(
      asAdmin.admin.users.setAdmin({ userId: 'auth0|ghost', isAdmin: true }),
      'NOT_FOUND',
    );
    const user = await makeUser(db);
    await expectTrpcError(
      asAdmin.admin.users.setAdmin({ userId: user.id, isAdmin: 'yes' as unknown as boolean }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      (await callerAs(db, { userId: user.id })).admin.users.setAdmin({
        userId: user.id,
        isAdmin: true,
      }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).admin.users.setAdmin({
        userId: user.id,
        isAdmin: true,
      }),
      'UNAUTHORIZED',
    );
  });
});

describe('admin.users.setBillingMode', () => {
  it('switching to prepaid without credits does not assign a cluster', async () => {
    await makeCluster(db, { name: 'billing-active', maxUsers: 100 });
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const answer = await asAdmin.admin.users.setBillingMode({
      userId: owner.id,
      billingMode: 'prepaid',
    });
    expect(answer).toMatchObject({
      changed: true,
      user: { billingMode: 'prepaid' },
      assignment: { status: 'not_eligible', reason: 'a prepaid account needs credits first' },
    });
    expect(await clusterOf(db, owner.id)).toBeNull();
    const [audit] = await auditRows(db, 'admin.users.setBillingMode', owner.id);
    expect(audit).toMatchObject({
      actorUserId: admin.id,
      via: 'web',
      details: { from: 'postpaid', to: 'prepaid' },
    });
  });

  it('switching to postpaid with a payment method assigns the whole account', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid', stripeCustomerId: 'cus_bill_1' });
    const member = await makeUser(db, { owner: owner.id });
    const answer = await asAdmin.admin.users.setBillingMode({
      userId: owner.id,
      billingMode: 'postpaid',
    });
    expect(answer.assignment).toMatchObject({
      status: 'assigned',
      cluster: { name: expect.any(String) },
    });
    const clusterId = await clusterOf(db, owner.id);
    expect(clusterId).not.toBeNull();
    expect(await clusterOf(db, member.id)).toBe(clusterId);
    expect(await auditRows(db, 'clusters.assign', owner.id)).toHaveLength(1);
  });

  it('switching to prepaid with credits assigns; no change does nothing', async () => {
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    await db.insertInto('userCredits').values({ userId: owner.id, totalPurchased: '20' }).execute();
    const answer = await asAdmin.admin.users.setBillingMode({
      userId: owner.id,
      billingMode: 'prepaid',
    });
    expect(answer.assignment).toMatchObject({ status: 'assigned' });
    const same = await asAdmin.admin.users.setBillingMode({
      userId: owner.id,
      billingMode: 'prepaid',
    });
    expect(same).toMatchObject({ changed: false, assignment: null });
    expect(await auditRows(db, 'admin.users.setBillingMode', owner.id)).toHaveLength(1);
  });

  it('refuses a member: their billing is their owner’s', async () => {
    const owner = await makeUser(db, { email: 'payer@bill.test' });
    const member = await makeUser(db, { owner: owner.id, email: 'rider@bill.test' });
    expect(
      await expectTrpcError(
        asAdmin.admin.users.setBillingMode({ userId: member.id, billingMode: 'prepaid' }),
        'BAD_REQUEST',
      ),
    ).toBe(
      "rider@bill.test is a member of payer@bill.test's account and has no billing of their own. " +
        'Change the billing mode of the account owner instead.',
    );
    const row = await db
      .selectFrom('users')
      .select('billingMode')
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow();
    expect(row.billingMode).toBe('postpaid');
  });

  it('refuses unknown users, bad modes and non-admins', async () => {
    await expectTrpcError(
      asAdmin.admin.users.setBillingMode({ userId: 'auth0|ghost', billingMode: 'prepaid' }),
      'NOT_FOUND',
    );
    const owner = await makeUser(db);
    await expectTrpcError(
      asAdmin.admin.users.setBillingMode({ userId: owner.id, billingMode: 'free' as 'prepaid' }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      (await callerAs(db, { userId: owner.id })).admin.users.setBillingMode({
        userId: owner.id,
        billingMode: 'prepaid',
      }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).admin.users.setBillingMode({
        userId: owner.id,
        billingMode: 'prepaid',
      }),
      'UNAUTHORIZED',
    );
  });
});

describe('who may call', () => {
  it('refuses members (FORBIDDEN) and anonymous callers (UNAUTHORIZED) on every procedure', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const calls = (caller: Awaited<ReturnType<typeof callerAs>>) => [
      caller.admin.users.list({}),
      caller.admin.users.get({ userId: owner.id }),
      caller.admin.users.setStatus({ userId: owner.id, status: 'suspended', reason: 'nope' }),
      caller.admin.users.setAdmin({ userId: member.id, isAdmin: true }),
      caller.admin.users.setBillingMode({ userId: owner.id, billingMode: 'prepaid' }),
      caller.audit.list({}),
    ];
    for (const call of calls(await callerAs(db, { userId: member.id }))) {
      expect(await expectTrpcError(call, 'FORBIDDEN')).toBe('Only an admin can do this.');
    }
    for (const call of calls(await callerAs(db, { anonymous: true }))) {
      await expectTrpcError(call, 'UNAUTHORIZED');
    }
    const rows = await db
      .selectFrom('users')
      .select(['id', 'status', 'isAdmin', 'billingMode'])
      .where('id', 'in', [owner.id, member.id])
      .orderBy('id')
      .execute();
    expect(
      rows.map(({ status, isAdmin, billingMode }) => ({ status, isAdmin, billingMode })),
    ).toEqual([
      { status: 'active', isAdmin: false, billingMode: 'postpaid' },
      { status: 'active', isAdmin: false, billingMode: 'postpaid' },
    ]);
  });

  it('refuses a suspended admin', async () => {
    const other = await makeUser(db, { isAdmin: true, status: 'suspended' });
    const message = await expectTrpcError(
      (await callerAs(db, { userId: other.id })).admin.users.list({}),
      'FORBIDDEN',
    );
    expect(message).toMatch(/suspended/);
  });
});
