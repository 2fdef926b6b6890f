// Deleting an account (SPEC §11) against a real PostgreSQL, the real job queue, the fake Stripe on
// loopback and a real SMTP server: refused with members or an unpaid invoice (nothing changes),
// clean for a member and for a lone postpaid owner (subscription cancelled with a final invoice by
// the job), the mail to the old address, the id refused at sign-in and the e-mail free again.
import { createHash } from 'node:crypto';
import { startSmtpServer } from '@hops/fakes/smtp';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import {
  assignDirect,
  auditRows,
  callerAs,
  clusterOf,
  expectTrpcError,
  makeCluster,
  makeUser,
  recordingLogger,
  testDeps,
  userDay,
} from '../../test/helpers.ts';
import { sessionIdOf, startStripeWorld } from '../../test/stripe.ts';
import { createMailer } from '../integrations/mail.ts';
import { runJobsOnce } from '../jobs/runner.ts';
import { productJobs } from '../jobs/tasks.ts';
import { deletedEmailOf } from './account-deletion.ts';
import { escapeHtml } from './mail/templates.ts';
import { signIn } from './signin.ts';

const { db, url } = await useTestDatabase();
const smtp = await startSmtpServer();
const mail = createMailer({ smtpUrl: smtp.url, from: 'hops <no-reply@hops.test>' });
const stripeWorld = await startStripeWorld();
afterAll(async () => {
  mail.close();
  await smtp.close();
  await stripeWorld.close();
});
const { fake, stripe } = stripeWorld;
const deps = testDeps({ mail, stripe });
const log = recordingLogger();
const jobs = productJobs({
  db,
  log,
  secrets: deps.secrets,
  publicUrl: deps.publicUrl,
  mail,
  stripe,
});
const runJobs = () => runJobsOnce({ connectionString: url, tasks: jobs.tasks, log });

const signInOptions = { bootstrapAdminEmails: [], source: 'dev' as const };
const userRow = (id: string) =>
  db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const as = (userId: string) => callerAs(db, { userId }, deps);

describe('account deletion', () => {
  it('refuses an owner with members in a sentence, and changes nothing', async () => {
    const owner = await makeUser(db);
    await makeUser(db, { owner: owner.id });
    const admin = await makeUser(db, { isAdmin: true });
    const self = await expectTrpcError(
      (await as(owner.id)).account.delete({ confirm: owner.email }),
      'PRECONDITION_FAILED',
    );
    expect(self).toBe(
      'Your account has 1 member: remove them or transfer ownership first, then delete your account.',
    );
    const byAdmin = await expectTrpcError(
      (await as(admin.id)).admin.users.delete({ userId: owner.id, reason: 'asked by mail' }),
      'PRECONDITION_FAILED',
    );
    expect(byAdmin).toContain(`${owner.email} has 1 member: remove them or transfer ownership`);
    expect(await userRow(owner.id)).toMatchObject({ status: 'active', email: owner.email });
    expect(
      await db.selectFrom('mailOutbox').where('toUserId', '=', owner.id).selectAll().execute(),
    ).toEqual([]);
  });

  it('refuses a confirmation that is not the e-mail, an admin deleting themself, and a second deletion', async () => {
    const owner = await makeUser(db);
    const message = await expectTrpcError(
      (await as(owner.id)).account.delete({ confirm: 'someone@else.test' }),
      'BAD_REQUEST',
    );
    expect(message).toBe(
      `To delete your account, type your e-mail address (${owner.email}) exactly as shown.`,
    );
    const admin = await makeUser(db, { isAdmin: true });
    expect(
      await expectTrpcError(
        (await as(admin.id)).admin.users.delete({ userId: admin.id, reason: 'leaving' }),
        'FORBIDDEN',
      ),
    ).toBe('You cannot delete your own account from the admin pages; use Settings.');
    expect(await userRow(owner.id)).toMatchObject({ status: 'active', email: owner.email });

    // Case and spaces do not matter in the confirmation.
    await (await as(owner.id)).account.delete({ confirm: ` ${owner.email.toUpperCase()} ` });
    expect(
      await expectTrpcError(
        (await as(admin.id)).admin.users.delete({ userId: owner.id, reason: 'again' }),
        'CONFLICT',
      ),
    ).toBe(`${deletedEmailOf(owner.id)} is already deleted.`);
  });

  it('deletes a member cleanly: off the team and the cluster, invites revoked, history kept, one mail', async () => {
    const cluster = await makeCluster(db);
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id, name: '<i>Mo</i> & "Mia"' });
    await assignDirect(db, owner.id, cluster.id);
    await assignDirect(db, member.id, cluster.id);
    await db
      .updateTable('users')
      .set({ registrationIp: '198.51.100.7' })
      .where('id', '=', member.id)
      .execute();
    // An invite from another owner, addressed to the member (made before they joined their
    // team, so written directly): it dies with the address.
    const other = await makeUser(db);
    await db
      .insertInto('teamInvites')
      .values({
        accountOwnerId: other.id,
        email: member.email,
        token: createHash('sha256').update(member.id).digest('hex'),
      })
      .execute();
    await (
      await callerAs(db, { service: true }, deps)
    ).usage.ingest({
      records: [userDay(member.id, '2025-09-10', { cpuHours: '3' })],
    });

    const result = await (await as(member.id)).account.delete({ confirm: member.email });
    expect(result).toMatchObject({
      droppedClusterId: cluster.id,
      revokedInvites: 1,
      subscriptionCancelled: false,
      mailed: true,
    });
    const row = await userRow(member.id);
    expect(row).toMatchObject({
      status: 'deleted',
      email: deletedEmailOf(member.id),
      name: null,
      registrationIp: null,
      accountOwnerId: null,
    });
    expect(row.email).toMatch(/^deleted-[0-9a-f]{24}@deleted\.invalid$/);
    expect(await clusterOf(db, member.id)).toBeNull();
    expect(await clusterOf(db, owner.id)).toBe(cluster.id);
    expect((await (await as(owner.id)).team.get()).members).toEqual([]);
    const open = await db
      .selectFrom('teamInvites')
      .select('id')
      .where('accountOwnerId', '=', other.id)
      .where('revokedAt', 'is', null)
      .execute();
    expect(open).toEqual([]);
    // Usage keeps its payer; the audit row says who did what.
    const usage = await db
      .selectFrom('usageDaily')
      .selectAll()
      .where('userId', '=', member.id)
      .execute();
    expect(usage.map((u) => u.accountOwnerId)).toEqual([owner.id]);
    const [audit] = await auditRows(db, 'account.delete', member.id);
    expect(audit).toMatchObject({ actorUserId: member.id });
    expect(audit!.details).toMatchObject({ role: 'member', formerOwnerId: owner.id });

    await runJobs();
    await runJobs();
    const [received, ...more] = smtp.to(member.email).map((m) => m.parsed);
    expect(more).toEqual([]);
    expect(received!.subject).toBe('Your hops account was deleted');
    expect(received!.text).toContain(`The hops account of ${member.email} was deleted.`);
    expect(received!.html).toContain(escapeHtml(member.email));
    expect(smtp.to(row.email)).toEqual([]);

    // The id is refused at sign-in; the address is free for a new account.
    await expect(
      signIn(db, { sub: member.id, email: member.email }, signInOptions),
    ).rejects.toMatchObject({ kind: 'FORBIDDEN', message: 'Your account has been deleted.' });
    const again = await signIn(
      db,
      { sub: `${member.id}-new`, email: member.email.toUpperCase() },
      signInOptions,
    );
    expect(await userRow(again.user.id)).toMatchObject({ status: 'active', accountOwnerId: null });
    // And the deleted person can call nothing with a session they still hold.
    await expectTrpcError((await as(member.id)).me.get(), 'FORBIDDEN');
  });

  it('deletes a lone postpaid owner: off the cluster, own invites revoked, the subscription cancelled with a final invoice', async () => {
    await makeCluster(db, { maxUsers: 1_000 });
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const caller = await as(owner.id);
    const { url: setupUrl } = await caller.billing.setupPayment();
    await stripeWorld.deliver(db, await fake.completeSetup(sessionIdOf(setupUrl), {}));
    const billing = await db
      .selectFrom('billingAccounts')
      .selectAll()
      .where('ownerId', '=', owner.id)
      .executeTakeFirstOrThrow();
    expect(billing.stripeSubscriptionId).not.toBeNull();
    expect(await clusterOf(db, owner.id)).not.toBeNull();
    await caller.invites.create({ email: 'never-joins@example.test' });

    const admin = await makeUser(db, { isAdmin: true });
    const result = await (
      await as(admin.id)
    ).admin.users.delete({
      userId: owner.id,
      reason: 'asked by mail',
    });
    expect(result).toMatchObject({ revokedInvites: 1, subscriptionCancelled: true, mailed: true });
    expect(result.droppedClusterId).not.toBeNull();
    expect(await clusterOf(db, owner.id)).toBeNull();
    expect(await auditRows(db, 'clusters.unassign', owner.id)).toHaveLength(1);
    const [audit] = await auditRows(db, 'admin.users.delete', owner.id);
    expect(audit).toMatchObject({ actorUserId: admin.id });
    expect(audit!.details).toMatchObject({
      reason: 'asked by mail',
      subscriptionId: billing.stripeSubscriptionId,
    });
    // Stripe ids stay on the row, for the final invoice and the books.
    expect((await userRow(owner.id)).status).toBe('deleted');

    await runJobs();
    await runJobs();
    expect(fake.get(billing.stripeSubscriptionId!)).toMatchObject({ status: 'canceled' });
    const finals = fake
      .all('invoice')
      .filter((i) => i.subscription === billing.stripeSubscriptionId);
    expect(finals).toHaveLength(1);
    expect(
      (
        await db
          .selectFrom('billingAccounts')
          .select('subscriptionStatus')
          .where('ownerId', '=', owner.id)
          .executeTakeFirstOrThrow()
      ).subscriptionStatus,
    ).toBe('canceled');
    expect(smtp.to(owner.email).map((m) => m.parsed.subject)).toEqual([
      'Your hops account was deleted',
    ]);
  });

  it('refuses while an invoice is unpaid, in a sentence', async () => {
    const owner = await makeUser(db);
    await db
      .insertInto('billingAccounts')
      .values({
        ownerId: owner.id,
        stripeCustomerId: `cus_${owner.id}`,
        paymentFailedInvoiceId: 'in_unpaid',
        paymentFailedAmount: '12.5',
        paymentFailedAt: new Date(),
      })
      .execute();
    expect(
      await expectTrpcError(
        (await as(owner.id)).account.delete({ confirm: owner.email }),
        'PRECONDITION_FAILED',
      ),
    ).toBe(
      'Invoice in_unpaid of $12.50 is unpaid: it must be paid before your account can be deleted.',
    );
    expect((await userRow(owner.id)).status).toBe('active');
  });
});
