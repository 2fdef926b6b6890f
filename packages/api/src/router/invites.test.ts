// invites.* through the router (SPEC §3.2, §12). Over 300 lines: six procedures and their races,
// refusals that tell an inviter nothing about another account, and joining only by Accept.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  auditRows,
  callerAs,
  expectTrpcError,
  makeCluster,
  makeUser,
  userCaller,
} from '../../test/helpers.ts';
import { appRouter } from '../root.ts';
import { ACCEPT_STEP, acceptInvite } from '../services/invites/link.ts';
import { signIn } from '../services/signin.ts';

const { db } = await useTestDatabase({ max: 40 });

const secretOf = (url: string) => url.slice('http://hops.test/invite/'.length);
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const as = (userId: string) => callerAs(db, { userId });
let counter = 0;
/** A fresh, valid e-mail address (user ids hold a `|`, which e-mail addresses cannot). */
const mail = (tag: string) => `${tag}-${process.pid}-${++counter}@example.test`;

async function invite(ownerId: string, email: string, projectRole?: 'Observer' | 'Data owner') {
  const { invite, inviteUrl } = await (await as(ownerId)).invites.create({ email, projectRole });
  return { invite, secret: secretOf(inviteUrl) };
}

async function eventsWith(kind: string, key: string, value: string) {
  return db
    .selectFrom('events')
    .selectAll()
    .where('kind', '=', kind)
    .where(sql<string>`payload->>${key}`, '=', value)
    .execute();
}

async function expire(inviteId: string) {
  await db
    .updateTable('teamInvites')
    .set({ expiresAt: sql`now() - interval '1 minute'` })
    .where('id', '=', inviteId)
    .execute();
}

async function userRow(id: string) {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function assignmentOf(userId: string) {
  const row = await db
    .selectFrom('userHopsworksAssignments')
    .select(['hopsworksClusterId', 'assignedBy'])
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row ?? null;
}

describe('invites.create', () => {
  it('creates an open 7-day invite and a link whose secret is stored only as its SHA-256', async () => {
    const owner = await makeUser(db);
    const result = await (
      await as(owner.id)
    ).invites.create({ email: '  New.Person@Example.test ' });
    expect(result.inviteUrl).toMatch(/^http:\/\/hops\.test\/invite\/[A-Za-z0-9_-]{43}$/);
    expect(result.invite).toMatchObject({
      accountOwnerId: owner.id,
      email: 'New.Person@Example.test',
      projectRole: 'Data scientist',
      status: 'open',
    });
    const days =
      (Date.parse(result.invite.expiresAt) - Date.parse(result.invite.createdAt)) / 86_400_000;
    expect(days).toBeCloseTo(7, 5);
    expect(JSON.stringify(result.invite)).not.toContain('token');

    const secret = secretOf(result.inviteUrl);
    const stored = await db
      .selectFrom('teamInvites')
      .selectAll()
      .where('id', '=', result.invite.id)
      .executeTakeFirstOrThrow();
    expect(stored.token).toBe(sha256(secret));
    expect(stored.token).not.toContain(secret);

    const [audit] = await auditRows(db, 'invites.create', result.invite.id);
    expect(audit).toMatchObject({ actorUserId: owner.id, via: 'web' });
    expect(audit!.details).toMatchObject({ ownerId: owner.id, email: 'New.Person@Example.test' });
  });

  it('keeps the chosen project role', async () => {
    const owner = await makeUser(db);
    const { invite: created } = await invite(owner.id, mail('role'), 'Observer');
    expect(created.projectRole).toBe('Observer');
  });

  it('lets an owner invite a stand-alone owner without members', async () => {
    const owner = await makeUser(db);
    const standAlone = await makeUser(db);
    const { invite: created } = await invite(owner.id, standAlone.email.toUpperCase());
    expect(created.status).toBe('open');
  });

  it('refuses inviting yourself', async () => {
    const owner = await makeUser(db);
    const caller = await as(owner.id);
    const message = await expectTrpcError(
      caller.invites.create({ email: owner.email.toUpperCase() }),
      'BAD_REQUEST',
    );
    expect(message).toMatch(/cannot invite yourself/);
  });

  it('refuses an e-mail of a member of your own team, saying so', async () => {
    const owner = await makeUser(db);
    const ownMember = await makeUser(db, { owner: owner.id });
    expect(
      await expectTrpcError(
        (await as(owner.id)).invites.create({ email: ownMember.email }),
        'CONFLICT',
      ),
    ).toBe(`${ownMember.email} is already a member of this team.`);
  });

  it('refuses every address whose account cannot take an invite with one sentence that says nothing about that account', async () => {
    const inviter = await makeUser(db);
    const otherOwner = await makeUser(db, { email: mail('other-owner') });
    const memberElsewhere = await makeUser(db, { owner: otherOwner.id });
    const ownerOfOne = await makeUser(db);
    await makeUser(db, { owner: ownerOfOne.id });
    const ownerOfThree = await makeUser(db);
    for (let i = 0; i < 3; i += 1) await makeUser(db, { owner: ownerOfThree.id });
    const suspended = await makeUser(db, { status: 'suspended' });
    const suspendedMember = await makeUser(db, { owner: otherOwner.id, status: 'suspended' });
    const unavailable = {
      'a member of another account': memberElsewhere,
      'an owner with 1 member': ownerOfOne,
      'an owner with 3 members': ownerOfThree,
      'the owner of the other account': otherOwner,
      'a suspended stand-alone owner': suspended,
      'a suspended member of another account': suspendedMember,
    };
    const caller = await as(inviter.id);
    const refusals: string[] = [];
    for (const [situation, person] of Object.entries(unavailable)) {
      // Typed in another case than stored: the sentence repeats what the inviter typed.
      const typed = person.email.toUpperCase();
      const message = await expectTrpcError(caller.invites.create({ email: typed }), 'CONFLICT');
      expect(message, situation).toBe(
        `${typed} cannot be invited right now. No invite was created or sent.`,
      );
      refusals.push(message.replace(typed, '<address>'));
      for (const fact of [otherOwner.email, 'member', 'team', 'owner', 'suspended', '1', '3']) {
        expect(message.replace(typed, '').toLowerCase(), `${situation}: ${fact}`).not.toContain(
          fact.toLowerCase(),
        );
      }
    }
    expect(new Set(refusals).size).toBe(1);
    const written = await db
      .selectFrom('teamInvites')
      .select('id')
      .where('accountOwnerId', '=', inviter.id)
      .execute();
    expect(written).toEqual([]);
  });

  it('gives an admin inviting for an owner the same sentence', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const owner = await makeUser(db);
    const teamOwner = await makeUser(db);
    await makeUser(db, { owner: teamOwner.id });
    expect(
      await expectTrpcError(
        (await as(admin.id)).invites.create({ email: teamOwner.email, ownerId: owner.id }),
        'CONFLICT',
      ),
    ).toBe(`${teamOwner.email} cannot be invited right now. No invite was created or sent.`);
  });

  it('refuses a second open invite for the same e-mail, whatever its case', async () => {
    const owner = await makeUser(db);
    const email = mail('twice');
    await invite(owner.id, email);
    const message = await expectTrpcError(
      (await as(owner.id)).invites.create({ email: email.toUpperCase() }),
      'CONFLICT',
    );
    expect(message).toMatch(/already an open invite/);
  });

  it('revokes an expired open invite and replaces it, in one transaction', async () => {
    const owner = await makeUser(db);
    const email = mail('again');
    const first = await invite(owner.id, email);
    await expire(first.invite.id);
    const second = await invite(owner.id, email);
    expect(second.invite.id).not.toBe(first.invite.id);
    const old = await db
      .selectFrom('teamInvites')
      .selectAll()
      .where('id', '=', first.invite.id)
      .executeTakeFirstOrThrow();
    expect(old.revokedAt).not.toBeNull();
    const [audit] = await auditRows(db, 'invites.create', second.invite.id);
    expect(audit!.details).toMatchObject({ replacedExpiredInviteId: first.invite.id });
    const [revokeAudit] = await auditRows(db, 'invites.revoke', first.invite.id);
    expect(revokeAudit!.details).toMatchObject({ replacedBy: second.invite.id });
    const open = await (await as(owner.id)).invites.list();
    expect(open.map((i) => i.id)).toEqual([second.invite.id]);
  });

  it('refuses members, anonymous callers and a malformed e-mail', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await expectTrpcError(
      (await as(member.id)).invites.create({ email: 'x@example.test' }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).invites.create({ email: 'x@example.test' }),
      'UNAUTHORIZED',
    );
    await expectTrpcError(
      (await as(owner.id)).invites.create({ email: 'not-an-email' }),
      'BAD_REQUEST',
    );
  });

  it('lets an admin invite for any owner, and no one else', async () => {
    const admin = await makeUser(db, { isAdmin: true });
    const owner = await makeUser(db);
    const stranger = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const { invite: created } = await (
      await as(admin.id)
    ).invites.create({ email: mail('by-admin'), ownerId: owner.id });
    expect(created.accountOwnerId).toBe(owner.id);
    const [audit] = await auditRows(db, 'invites.create', created.id);
    expect(audit!.actorUserId).toBe(admin.id);

    await expectTrpcError(
      (await as(stranger.id)).invites.create({ email: 'y@example.test', ownerId: owner.id }),
      'FORBIDDEN',
    );
    await expectTrpcError(
      (await as(admin.id)).invites.create({ email: 'y@example.test', ownerId: member.id }),
      'BAD_REQUEST',
    );
    await expectTrpcError(
      (await as(admin.id)).invites.create({ email: 'y@example.test', ownerId: 'nobody|1' }),
      'NOT_FOUND',
    );
  });

  it('creates exactly one invite when two requests race for the same e-mail', async () => {
    const owner = await makeUser(db);
    const caller = await as(owner.id);
    const email = mail('race');
    const results = await Promise.allSettled([
      caller.invites.create({ email }),
      caller.invites.create({ email: email.toUpperCase() }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'CONFLICT' });
    expect((refused.reason as Error).message).toMatch(/already an open invite/);
    const rows = await db
      .selectFrom('teamInvites')
      .select('id')
      .where('accountOwnerId', '=', owner.id)
      .execute();
    expect(rows).toHaveLength(1);
  });
});

describe('invites.list', () => {
  it("shows the owner's open invites, expired ones flagged, never accepted or revoked ones", async () => {
    const owner = await makeUser(db);
    const open = await invite(owner.id, mail('open'));
    const expired = await invite(owner.id, mail('expired'));
    await expire(expired.invite.id);
    const revoked = await invite(owner.id, mail('revoked'));
    await (await as(owner.id)).invites.revoke({ inviteId: revoked.invite.id });
    const joiner = await makeUser(db);
    const accepted = await invite(owner.id, joiner.email);
    await (await as(joiner.id)).invites.accept({ token: accepted.secret });

    const list = await (await as(owner.id)).invites.list();
    expect(list.map((i) => [i.id, i.status]).sort()).toEqual(
      [
        [open.invite.id, 'open'],
        [expired.invite.id, 'expired'],
      ].sort(),
    );
    expect(Object.keys(list[0]!).sort()).toEqual(
      ['accountOwnerId', 'createdAt', 'email', 'expiresAt', 'id', 'projectRole', 'status'].sort(),
    );
  });

  it('lets an admin see any account; refuses members and other owners', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    const stranger = await makeUser(db);
    const admin = await makeUser(db, { isAdmin: true });
    const created = await invite(owner.id, mail('seen'));
    const seen = await (await as(admin.id)).invites.list({ ownerId: owner.id });
    expect(seen.map((i) => i.id)).toEqual([created.invite.id]);
    expect(await expectTrpcError((await as(member.id)).invites.list(), 'FORBIDDEN')).toMatch(
      /account owner/,
    );
    await expectTrpcError((await as(stranger.id)).invites.list({ ownerId: owner.id }), 'FORBIDDEN');
    expect(await (await as(stranger.id)).invites.list()).toEqual([]);
  });
});

describe('invites.resend', () => {
  it('issues a new secret and a new 7-day expiry; the old link dies', async () => {
    const owner = await makeUser(db);
    const first = await invite(owner.id, mail('resend'));
    await expire(first.invite.id);
    const caller = await as(owner.id);
    const resent = await caller.invites.resend({ inviteId: first.invite.id });
    const secret = secretOf(resent.inviteUrl);
    expect(secret).not.toBe(first.secret);
    expect(resent.invite).toMatchObject({ id: first.invite.id, status: 'open' });
    expect(Date.parse(resent.invite.expiresAt) - Date.now()).toBeGreaterThan(
      7 * 86_400_000 - 60_000,
    );

    const anonymous = await callerAs(db, { anonymous: true });
    await expectTrpcError(anonymous.invites.preview({ token: first.secret }), 'NOT_FOUND');
    expect((await anonymous.invites.preview({ token: secret })).status).toBe('open');
    expect(await auditRows(db, 'invites.resend', first.invite.id)).toHaveLength(1);
  });

  it('is for the owner or an admin; refuses accepted and revoked invites', async () => {
    const owner = await makeUser(db);
    const other = await makeUser(db);
    const admin = await makeUser(db, { isAdmin: true });
    const created = await invite(owner.id, mail('resend2'));
    expect(
      await expectTrpcError(
        (await as(other.id)).invites.resend({ inviteId: created.invite.id }),
        'NOT_FOUND',
      ),
    ).toMatch(/no such invite/);
    await (await as(admin.id)).invites.resend({ inviteId: created.invite.id });

    await (await as(owner.id)).invites.revoke({ inviteId: created.invite.id });
    expect(
      await expectTrpcError(
        (await as(owner.id)).invites.resend({ inviteId: created.invite.id }),
        'PRECONDITION_FAILED',
      ),
    ).toMatch(/revoked/);

    const joiner = await makeUser(db);
    const accepted = await invite(owner.id, joiner.email);
    await (await as(joiner.id)).invites.accept({ token: accepted.secret });
    expect(
      await expectTrpcError(
        (await as(owner.id)).invites.resend({ inviteId: accepted.invite.id }),
        'CONFLICT',
      ),
    ).toMatch(/already accepted/);
  });
});

describe('invites.revoke', () => {
  it('revokes: the link stops working and the list forgets it', async () => {
    const owner = await makeUser(db);
    const invitee = await makeUser(db);
    const created = await invite(owner.id, invitee.email);
    const result = await (await as(owner.id)).invites.revoke({ inviteId: created.invite.id });
    expect(result.invite.status).toBe('revoked');
    expect(await (await as(owner.id)).invites.list()).toEqual([]);
    const anonymous = await callerAs(db, { anonymous: true });
    expect((await anonymous.invites.preview({ token: created.secret })).status).toBe('revoked');
    expect(
      await expectTrpcError(
        (await as(invitee.id)).invites.accept({ token: created.secret }),
        'PRECONDITION_FAILED',
      ),
    ).toBe(`This invite was revoked. Ask ${owner.email} for a new one.`);
    const [audit] = await auditRows(db, 'invites.revoke', created.invite.id);
    expect(audit).toMatchObject({ actorUserId: owner.id });
  });

  it('is for the owner or an admin; refuses revoked and accepted invites', async () => {
    const owner = await makeUser(db);
    const other = await makeUser(db);
    const admin = await makeUser(db, { isAdmin: true });
    const created = await invite(owner.id, mail('revoke2'));
    await expectTrpcError(
      (await as(other.id)).invites.revoke({ inviteId: created.invite.id }),
      'NOT_FOUND',
    );
    await (await as(admin.id)).invites.revoke({ inviteId: created.invite.id });
    const [audit] = await auditRows(db, 'invites.revoke', created.invite.id);
    expect(audit).toMatchObject({ actorUserId: admin.id });
    await expectTrpcError(
      (await as(owner.id)).invites.revoke({ inviteId: created.invite.id }),
      'PRECONDITION_FAILED',
    );
    await expectTrpcError(
      (await as(owner.id)).invites.revoke({ inviteId: '00000000-0000-4000-8000-000000000000' }),
      'NOT_FOUND',
    );

    const joiner = await makeUser(db);
    const accepted = await invite(owner.id, joiner.email);
    await (await as(joiner.id)).invites.accept({ token: accepted.secret });
    await expectTrpcError(
      (await as(owner.id)).invites.revoke({ inviteId: accepted.invite.id }),
      'CONFLICT',
    );
  });
});

describe('invites.preview', () => {
  it('tells anyone with the link who invites whom, until when', async () => {
    const owner = await makeUser(db, { name: 'Olga Owner' });
    const created = await invite(owner.id, mail('preview'), 'Data owner');
    const preview = await (
      await callerAs(db, { anonymous: true })
    ).invites.preview({ token: created.secret });
    expect(preview).toEqual({
      ownerName: 'Olga Owner',
      ownerEmail: owner.email,
      email: created.invite.email,
      projectRole: 'Data owner',
      expiresAt: created.invite.expiresAt,
      status: 'open',
    });
  });

  it('reports expired and accepted invites, and answers NOT_FOUND for an unknown link', async () => {
    const owner = await makeUser(db);
    const anonymous = await callerAs(db, { anonymous: true });
    const expired = await invite(owner.id, mail('pexp'));
    await expire(expired.invite.id);
    expect((await anonymous.invites.preview({ token: expired.secret })).status).toBe('expired');
    const joiner = await makeUser(db);
    const accepted = await invite(owner.id, joiner.email);
    await (await as(joiner.id)).invites.accept({ token: accepted.secret });
    expect((await anonymous.invites.preview({ token: accepted.secret })).status).toBe('accepted');
    expect(
      await expectTrpcError(anonymous.invites.preview({ token: 'no-such-secret' }), 'NOT_FOUND'),
    ).toMatch(/not valid/);
  });
});

describe('invites.accept', () => {
  it("joins the account, lands on the owner's cluster, alerts and audits", async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const joiner = await makeUser(db, { email: `Joiner-${Date.now()}@Example.test` });
    const created = await invite(owner.id, joiner.email.toLowerCase());

    const result = await (await as(joiner.id)).invites.accept({ token: created.secret });
    expect(result).toEqual({
      accountOwnerId: owner.id,
      cluster: { id: cluster.id, name: cluster.name, apiUrl: cluster.apiUrl, status: 'active' },
    });
    expect((await userRow(joiner.id)).accountOwnerId).toBe(owner.id);
    expect(await assignmentOf(joiner.id)).toEqual({
      hopsworksClusterId: cluster.id,
      assignedBy: 'team_member_auto',
    });
    const stored = await db
      .selectFrom('teamInvites')
      .selectAll()
      .where('id', '=', created.invite.id)
      .executeTakeFirstOrThrow();
    expect(stored.acceptedByUserId).toBe(joiner.id);
    expect(stored.acceptedAt).not.toBeNull();

    const events = await eventsWith('invite.accepted', 'inviteId', created.invite.id);
    expect(events.map((e) => e.payload)).toEqual([
      {
        inviteId: created.invite.id,
        ownerId: owner.id,
        ownerEmail: owner.email,
        memberId: joiner.id,
        memberEmail: joiner.email,
      },
    ]);
    const [audit] = await auditRows(db, 'invites.accept', created.invite.id);
    expect(audit).toMatchObject({ actorUserId: joiner.id });
    expect(audit!.details).toMatchObject({
      ownerId: owner.id,
      memberId: joiner.id,
      clusterId: cluster.id,
    });

    const team = await (await as(owner.id)).team.get();
    expect(team.members.map((m) => m.id)).toEqual([joiner.id]);
  });

  it('returns the same result when the member accepts their invite again, changing nothing', async () => {
    const owner = await makeUser(db);
    const joiner = await makeUser(db);
    const created = await invite(owner.id, joiner.email);
    const caller = await as(joiner.id);
    const first = await caller.invites.accept({ token: created.secret });
    const again = await (await as(joiner.id)).invites.accept({ token: created.secret });
    expect(again).toEqual(first);
    expect(first.cluster).toBeNull();
    expect(await eventsWith('invite.accepted', 'inviteId', created.invite.id)).toHaveLength(1);
    expect(await auditRows(db, 'invites.accept', created.invite.id)).toHaveLength(1);
  });

  it('refuses another e-mail, naming the invited one', async () => {
    const owner = await makeUser(db);
    const invitedEmail = mail('invited');
    const created = await invite(owner.id, invitedEmail);
    const intruder = await makeUser(db);
    const message = await expectTrpcError(
      (await as(intruder.id)).invites.accept({ token: created.secret }),
      'FORBIDDEN',
    );
    expect(message).toContain(`This invite is for ${invitedEmail}`);
    expect((await userRow(intruder.id)).accountOwnerId).toBeNull();
  });

  it('refuses an expired invite', async () => {
    const owner = await makeUser(db);
    const joiner = await makeUser(db);
    const created = await invite(owner.id, joiner.email);
    await expire(created.invite.id);
    expect(
      await expectTrpcError(
        (await as(joiner.id)).invites.accept({ token: created.secret }),
        'PRECONDITION_FAILED',
      ),
    ).toBe(`This invite has expired. Ask ${owner.email} for a new one.`);
    expect((await userRow(joiner.id)).accountOwnerId).toBeNull();
  });

  it('refuses an invite already used, once its user has left the team', async () => {
    const owner = await makeUser(db);
    const joiner = await makeUser(db);
    const created = await invite(owner.id, joiner.email);
    await (await as(joiner.id)).invites.accept({ token: created.secret });
    await (await as(joiner.id)).team.leave();
    expect(
      await expectTrpcError(
        (await as(joiner.id)).invites.accept({ token: created.secret }),
        'CONFLICT',
      ),
    ).toMatch(/already been used/);
    expect((await userRow(joiner.id)).accountOwnerId).toBeNull();
  });

  it('refuses an owner with members and a member of another account', async () => {
    const owner = await makeUser(db);
    const teamOwner = await makeUser(db);
    const otherOwner = await makeUser(db);
    const memberElsewhere = await makeUser(db);
    const first = await invite(owner.id, teamOwner.email);
    const second = await invite(owner.id, memberElsewhere.email);
    // Both were stand-alone when invited; their situation changed since.
    await makeUser(db, { owner: teamOwner.id });
    await db
      .updateTable('users')
      .set({ accountOwnerId: otherOwner.id })
      .where('id', '=', memberElsewhere.id)
      .execute();
    expect(
      await expectTrpcError(
        (await as(teamOwner.id)).invites.accept({ token: first.secret }),
        'CONFLICT',
      ),
    ).toMatch(/You own a team with 1 member/);
    expect(
      await expectTrpcError(
        (await as(memberElsewhere.id)).invites.accept({ token: second.secret }),
        'CONFLICT',
      ),
    ).toContain(`You are a member of ${otherOwner.email}'s team`);
  });

  it('refuses when the inviting owner has since become a member elsewhere', async () => {
    const owner = await makeUser(db);
    const joiner = await makeUser(db);
    const created = await invite(owner.id, joiner.email);
    const bigOwner = await makeUser(db);
    await db
      .updateTable('users')
      .set({ accountOwnerId: bigOwner.id })
      .where('id', '=', owner.id)
      .execute();
    await expectTrpcError(
      (await as(joiner.id)).invites.accept({ token: created.secret }),
      'PRECONDITION_FAILED',
    );
  });

  it('refuses anonymous callers and unknown links', async () => {
    const owner = await makeUser(db);
    const created = await invite(owner.id, mail('anon'));
    await expectTrpcError(
      (await callerAs(db, { anonymous: true })).invites.accept({ token: created.secret }),
      'UNAUTHORIZED',
    );
    await expectTrpcError((await as(owner.id)).invites.accept({ token: 'made-up' }), 'NOT_FOUND');
  });

  it("turns a stand-alone owner into a member: moved to the owner's cluster, own invites revoked, credits kept", async () => {
    const ownerCluster = await makeCluster(db);
    const ownCluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, ownerCluster.id);
    const joiner = await makeUser(db, { billingMode: 'prepaid' });
    await assignDirect(db, joiner.id, ownCluster.id);
    await db
      .insertInto('userCredits')
      .values({ userId: joiner.id, totalPurchased: '25.0000' })
      .execute();
    const theirs = await invite(joiner.id, mail('theirs'));
    const created = await invite(owner.id, joiner.email);

    await (await as(joiner.id)).invites.accept({ token: created.secret });
    expect(await assignmentOf(joiner.id)).toMatchObject({ hopsworksClusterId: ownerCluster.id });
    const counts = await db
      .selectFrom('hopsworksClusters')
      .select(['id', 'currentUsers'])
      .where('id', 'in', [ownerCluster.id, ownCluster.id])
      .execute();
    expect(Object.fromEntries(counts.map((c) => [c.id, c.currentUsers]))).toEqual({
      [ownerCluster.id]: 2,
      [ownCluster.id]: 0,
    });
    const revoked = await db
      .selectFrom('teamInvites')
      .select('revokedAt')
      .where('id', '=', theirs.invite.id)
      .executeTakeFirstOrThrow();
    expect(revoked.revokedAt).not.toBeNull();
    expect(await auditRows(db, 'invites.revoke', theirs.invite.id)).toHaveLength(1);
    const credits = await db
      .selectFrom('userCredits')
      .select(['userId', 'totalPurchased'])
      .where('userId', '=', joiner.id)
      .executeTakeFirstOrThrow();
    expect(credits.totalPurchased).toBe('25.0000');
  });

  it('places a member on a full cluster past capacity and alerts', async () => {
    const cluster = await makeCluster(db, { maxUsers: 1 });
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const joiner = await makeUser(db);
    const created = await invite(owner.id, joiner.email);
    const result = await (await as(joiner.id)).invites.accept({ token: created.secret });
    expect(result.cluster?.id).toBe(cluster.id);
    const after = await db
      .selectFrom('hopsworksClusters')
      .select(['currentUsers', 'maxUsers'])
      .where('id', '=', cluster.id)
      .executeTakeFirstOrThrow();
    expect(after).toEqual({ currentUsers: 2, maxUsers: 1 });
    const events = await eventsWith('cluster.over_capacity', 'clusterId', cluster.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.payload).toMatchObject({ currentUsers: 2, maxUsers: 1 });
  });

  it('yields exactly one membership when 50 accepts by two users race for one invite', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const invitee = await makeUser(db);
    const intruder = await makeUser(db);
    const created = await invite(owner.id, invitee.email);
    const inviteeCaller = await as(invitee.id);
    const intruderCaller = await as(intruder.id);

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 === 0 ? inviteeCaller : intruderCaller).invites.accept({ token: created.secret }),
      ),
    );
    const byInvitee = results.filter((_, i) => i % 2 === 0);
    const byIntruder = results.filter((_, i) => i % 2 === 1);
    // The invitee's repeats return the same result (idempotent); the intruder is always refused.
    for (const r of byInvitee) {
      expect(r).toMatchObject({ status: 'fulfilled', value: { accountOwnerId: owner.id } });
    }
    for (const r of byIntruder) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as { code: string; message: string };
      expect(reason.code).toBe('FORBIDDEN');
      expect(reason.message).toContain(`This invite is for ${invitee.email}`);
    }

    const members = await db
      .selectFrom('users')
      .select('id')
      .where('accountOwnerId', '=', owner.id)
      .execute();
    expect(members.map((m) => m.id)).toEqual([invitee.id]);
    expect((await userRow(intruder.id)).accountOwnerId).toBeNull();
    expect(await eventsWith('invite.accepted', 'inviteId', created.invite.id)).toHaveLength(1);
    expect(await auditRows(db, 'invites.accept', created.invite.id)).toHaveLength(1);
    const after = await db
      .selectFrom('hopsworksClusters')
      .select('currentUsers')
      .where('id', '=', cluster.id)
      .executeTakeFirstOrThrow();
    expect(after.currentUsers).toBe(2);
  });
});

// SPEC §12: an invite joins a team only through the Accept step on the invite page — a mutation
// the person clicks — never through the link alone: not by opening it, not by signing in from it.
describe('only the Accept step joins', () => {
  it('a sign-in that began at the invite link joins nothing; the Accept click then does', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    await assignDirect(db, owner.id, cluster.id);
    const who = { sub: `dev|from-link-${process.pid}-${++counter}`, email: mail('from-link') };
    const { invite: created, secret } = await invite(owner.id, who.email);

    // The sign-in as the invite page's "Sign in to accept" starts it, carrying the link's secret.
    const fromLink = { bootstrapAdminEmails: [], source: 'dev' as const, inviteSecret: secret };
    const signedIn = await signIn(db, { sub: who.sub, email: who.email }, fromLink);
    expect(signedIn.user.accountOwnerId).toBeNull();
    expect((await userRow(who.sub)).accountOwnerId).toBeNull();
    expect((await assignmentOf(who.sub))?.hopsworksClusterId).not.toBe(cluster.id);
    const anonymous = await callerAs(db, { anonymous: true });
    expect((await anonymous.invites.preview({ token: secret })).status).toBe('open');
    expect(await eventsWith('invite.accepted', 'inviteId', created.id)).toEqual([]);
    expect(await auditRows(db, 'invites.accept', created.id)).toEqual([]);

    // Signing in again from the same link still joins nothing.
    await signIn(db, { sub: who.sub, email: who.email }, fromLink);
    expect((await userRow(who.sub)).accountOwnerId).toBeNull();

    const accepted = await (await as(who.sub)).invites.accept({ token: secret });
    expect(accepted.accountOwnerId).toBe(owner.id);
    expect((await userRow(who.sub)).accountOwnerId).toBe(owner.id);
    expect(await assignmentOf(who.sub)).toEqual({
      hopsworksClusterId: cluster.id,
      assignedBy: 'team_member_auto',
    });
    expect(await eventsWith('invite.accepted', 'inviteId', created.id)).toHaveLength(1);
  });

  it('opening the link (invites.preview, a query) changes nothing, however often and by whom', async () => {
    const owner = await makeUser(db);
    const invitee = await makeUser(db, { email: mail('opener') });
    const { invite: created, secret } = await invite(owner.id, invitee.email);
    const callers = [await callerAs(db, { anonymous: true }), await as(invitee.id)];
    for (let i = 0; i < 3; i += 1) {
      for (const caller of callers) {
        expect(await caller.invites.preview({ token: secret })).toMatchObject({
          email: invitee.email,
          status: 'open',
        });
      }
    }
    expect((await userRow(invitee.id)).accountOwnerId).toBeNull();
    expect(await auditRows(db, 'invites.accept', created.id)).toEqual([]);
  });

  it('invites.accept is a mutation (POST only) and invites.preview the only query of a link', () => {
    const procedures = appRouter._def.procedures as unknown as Record<
      string,
      { _def: { type: string } }
    >;
    expect(procedures['invites.accept']!._def.type).toBe('mutation');
    expect(procedures['invites.preview']!._def.type).toBe('query');
  });

  it('acceptInvite joins only when called as the Accept step; otherwise it checks and refuses as usual', async () => {
    const owner = await makeUser(db);
    const invitee = await makeUser(db, { email: mail('step') });
    const { secret } = await invite(owner.id, invitee.email);
    const actor = await userCaller(db, invitee.id);
    expect(await inTransaction(db, (trx) => acceptInvite(trx, actor, secret))).toEqual({
      accountOwnerId: owner.id,
      cluster: null,
      joined: false,
    });
    expect((await userRow(invitee.id)).accountOwnerId).toBeNull();
    const stranger = await userCaller(db, (await makeUser(db)).id);
    await expect(inTransaction(db, (trx) => acceptInvite(trx, stranger, secret))).rejects.toThrow(
      `This invite is for ${invitee.email}`,
    );
    expect(
      await inTransaction(db, (trx) => acceptInvite(trx, actor, secret, ACCEPT_STEP)),
    ).toMatchObject({ accountOwnerId: owner.id, joined: true });
    expect((await userRow(invitee.id)).accountOwnerId).toBe(owner.id);
  });
});

// SPEC §12: addresses match by lower-casing ASCII letters only. An account whose stored address
// differs from the invited one only under Unicode case mapping is another mailbox.
describe('e-mail matching', () => {
  it('an address with the Kelvin sign is not the invited k… address: the invite cannot be accepted with it', async () => {
    const owner = await makeUser(db);
    const invited = mail('ken');
    // As an identity provider could have delivered it before its claims were checked.
    const lookalike = await makeUser(db, { email: `\u212A${invited.slice(1)}` });
    expect(lookalike.email.toLowerCase()).toBe(invited);
    const { secret } = await invite(owner.id, invited);
    expect(
      await expectTrpcError(
        (await as(lookalike.id)).invites.accept({ token: secret }),
        'FORBIDDEN',
      ),
    ).toBe(
      `This invite is for ${invited}, but you are signed in as ${lookalike.email}. Sign in as ${invited} to accept it.`,
    );
    expect((await userRow(lookalike.id)).accountOwnerId).toBeNull();
  });

  it('refuses to invite an address Unicode would read as another, with a sentence', async () => {
    const owner = await makeUser(db);
    const caller = await as(owner.id);
    for (const [address, character] of [
      ['\u212Aen@example.test', 'U+212A'],
      ['stra\u00DFe@example.test', 'U+00DF'],
      ['\u0131van@example.test', 'U+0131'],
    ] as const) {
      expect(
        await expectTrpcError(caller.invites.create({ email: address }), 'BAD_REQUEST'),
      ).toContain(`(${character}), which could be read as another letter`);
    }
    expect(
      await expectTrpcError(
        caller.invites.create({ email: `${'a'.repeat(65)}@example.test` }),
        'BAD_REQUEST',
      ),
    ).toBe('The part of an e-mail address before the @ has at most 64 characters.');
    const written = await db
      .selectFrom('teamInvites')
      .select('id')
      .where('accountOwnerId', '=', owner.id)
      .execute();
    expect(written).toEqual([]);
  });
});
