// The notice mails of SPEC §10 against a real PostgreSQL, the real job queue, the fake Stripe on
// loopback and a real SMTP server (smtp-server), read back with mailparser: a removed member, a
// failed payment (once per invoice), credits low at 25 % and 10 % of the last top-up and
// exhausted — each once, even under 20 parallel ingestions — to the right person, with a text
// part and escaped HTML.
import { startSmtpServer } from '@hops/fakes/smtp';
import { afterAll, describe, expect, it } from 'vitest';
import { inTransaction } from '@hops/db';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, makeUser, recordingLogger, testDeps, userDay } from '../../../test/helpers.ts';
import { sessionIdOf, startStripeWorld } from '../../../test/stripe.ts';
import { SYSTEM_ACTOR } from '../../actor.ts';
import { utcToday } from '../../days.ts';
import { createMailer } from '../../integrations/mail.ts';
import { runJobsOnce } from '../../jobs/runner.ts';
import { productJobs } from '../../jobs/tasks.ts';
import { applyStripeEvent } from '../billing/webhook.ts';
import { grantCredits } from '../credits/account.ts';
import { escapeHtml } from './templates.ts';
import { signedWebhook } from '@hops/fakes/stripe';

const { db, url } = await useTestDatabase({ max: 8 });
const smtp = await startSmtpServer();
const mail = createMailer({ smtpUrl: smtp.url, from: 'hops <no-reply@hops.test>' });
const stripeWorld = await startStripeWorld();
afterAll(async () => {
  mail.close();
  await smtp.close();
  await stripeWorld.close();
});
const deps = testDeps({ mail, stripe: stripeWorld.stripe });
const log = recordingLogger();
const jobs = productJobs({ db, log, secrets: deps.secrets, publicUrl: deps.publicUrl, mail });
const runJobs = () => runJobsOnce({ connectionString: url, tasks: jobs.tasks, log });

const HOSTILE = '<b>Eve</b> & "Co"';

/** The mails `address` received, each parsed; after running the queue twice (nothing repeats). */
async function inbox(address: string) {
  await runJobs();
  await runJobs();
  return smtp.to(address).map((m) => m.parsed);
}

describe('notice mails', () => {
  it('tells a removed member, once, who removed them', async () => {
    const owner = await makeUser(db, { name: HOSTILE });
    const member = await makeUser(db, { owner: owner.id });
    const caller = await callerAs(db, { userId: owner.id }, deps);
    await caller.team.removeMember({ memberId: member.id });

    const [received, ...more] = await inbox(member.email);
    expect(more).toEqual([]);
    expect(received!.subject).toBe(
      `You are no longer a member of ${HOSTILE} (${owner.email}) on hops`,
    );
    expect(received!.text).toContain(`${owner.email} removed you from the account of ${HOSTILE}`);
    expect(received!.html).not.toContain('<b>Eve</b>');
    expect(received!.html).toContain(escapeHtml(HOSTILE));
    expect(smtp.to(owner.email)).toEqual([]);
  });

  it('sends nothing when a member leaves on their own', async () => {
    const owner = await makeUser(db);
    const member = await makeUser(db, { owner: owner.id });
    await (await callerAs(db, { userId: member.id }, deps)).team.leave();
    expect(await inbox(member.email)).toEqual([]);
    expect(await inbox(owner.email)).toEqual([]);
  });

  it('tells the owner of a failed payment once per invoice, even when Stripe re-sends it', async () => {
    const { fake } = stripeWorld;
    const owner = await makeUser(db, { billingMode: 'postpaid' });
    const ownerCaller = await callerAs(db, { userId: owner.id }, deps);
    const deliver = (event: object) => {
      const { body, signature } = signedWebhook(event, 'whsec_hops_tests');
      return applyStripeEvent(
        db,
        { stripe: stripeWorld.stripe, log, mail, secrets: deps.secrets },
        { rawBody: body, signature },
      );
    };
    const { url: setupUrl } = await ownerCaller.billing.setupPayment();
    await deliver(await fake.completeSetup(sessionIdOf(setupUrl), {}));
    const billing = await db
      .selectFrom('billingAccounts')
      .selectAll()
      .where('ownerId', '=', owner.id)
      .executeTakeFirstOrThrow();
    const invoice = fake.addInvoice(billing.stripeCustomerId, { total: 4321, amount_due: 4321 });
    // The same failure twice, under two event ids (Stripe re-sends; a retry of the payment fails).
    await deliver(fake.eventOf('invoice.payment_failed', invoice.id));
    await deliver(fake.eventOf('invoice.payment_failed', invoice.id));

    const [received, ...more] = await inbox(owner.email);
    expect(more).toEqual([]);
    expect(received!.subject).toBe('A payment for your hops account failed');
    expect(received!.text).toContain(`Stripe could not collect $43.21 for invoice ${invoice.id}`);
    expect(received!.text).toContain(`${deps.publicUrl}/billing`);
    expect(received!.html).toContain(`href="${deps.publicUrl}/billing"`);
  });

  it('warns at 25 % and 10 % of the last top-up and at zero, once each, under 20 parallel ingestions', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await inTransaction(db, (trx) =>
      grantCredits(trx, SYSTEM_ACTOR, {
        userId: owner.id,
        amount: '10',
        pool: 'paid',
        reason: 'top-up',
      }),
    );
    const service = await callerAs(db, { service: true }, deps);
    // 20 days of 4 CPU hours each: $0.50 a day (0.5 credits × $0.25 × 4), $10 in all.
    const days = Array.from({ length: 20 }, (_, i) => `2025-09-${String(i + 1).padStart(2, '0')}`);
    await Promise.all(
      days.map((date) =>
        service.usage.ingest({ records: [userDay(owner.id, date, { cpuHours: '4' })] }),
      ),
    );
    // A re-sent day (nothing changes) and one more day past zero send nothing new.
    await service.usage.ingest({ records: [userDay(owner.id, days[0]!, { cpuHours: '4' })] });
    await service.usage.ingest({ records: [userDay(owner.id, '2025-09-21', { cpuHours: '4' })] });

    const received = await inbox(owner.email);
    expect(received.map((m) => m.subject)).toEqual([
      'Your hops credits are below 25 % of your last top-up',
      'Your hops credits are below 10 % of your last top-up',
      'Your hops credits are used up',
    ]);
    expect(received[0]!.text).toMatch(
      /Your account has \$\d\.\d\d of credits left, below 25 % of your last top-up \(\$10\.00\)\./,
    );
    expect(received[2]!.text).toContain('Usage beyond them is recorded as unpaid');
    expect(received[2]!.html).toContain(`href="${deps.publicUrl}/billing"`);

    // A new top-up starts over: the next fall below 25 % of it is told again.
    await inTransaction(db, (trx) =>
      grantCredits(trx, SYSTEM_ACTOR, { userId: owner.id, amount: '4', pool: 'paid', reason: 'x' }),
    );
    const admin = await makeUser(db, { isAdmin: true });
    const { available } = await (
      await callerAs(db, { userId: admin.id }, deps)
    ).credits.balance({
      userId: owner.id,
    });
    // Spend all but $0.75 of it ($0.125 a CPU hour): under 25 % of $4, above 10 %.
    const cpuHours = String((Number(available) - 0.75) / 0.125);
    await service.usage.ingest({ records: [userDay(owner.id, '2025-09-22', { cpuHours })] });
    const after = await inbox(owner.email);
    expect(after.slice(3).map((m) => m.subject)).toEqual([
      'Your hops credits are below 25 % of your last top-up',
    ]);
  });

  it('warns the owner at the spending cap thresholds, once each, with the month and a link', async () => {
    const owner = await makeUser(db, { name: HOSTILE });
    const member = await makeUser(db, { owner: owner.id });
    const caller = await callerAs(db, { userId: owner.id }, deps);
    await caller.account.setSpendingCap({ monthlyCapUsd: '10.00', policy: 'notify' });
    const service = await callerAs(db, { service: true }, deps);
    const firstOfMonth = `${utcToday().slice(0, 8)}01`;
    // $0.125 a CPU hour: $6 is 60 % of the cap; the member's $5 more takes it to 110 %.
    await service.usage.ingest({ records: [userDay(owner.id, firstOfMonth, { cpuHours: '48' })] });
    await service.usage.ingest({ records: [userDay(owner.id, firstOfMonth, { cpuHours: '48' })] });
    await service.usage.ingest({ records: [userDay(member.id, firstOfMonth, { cpuHours: '40' })] });
    const received = await inbox(owner.email);
    const month = new Date(`${firstOfMonth}T00:00:00Z`).toLocaleDateString('en-GB', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    });
    expect(received.map((m) => m.subject)).toEqual([
      `Your hops account has used 50 % of its spending cap for ${month}`,
      `Your hops account has used 100 % of its spending cap for ${month}`,
    ]);
    expect(received[1]!.text).toContain(
      'This month your account has used $11.00 of its $10.00 cap (100 %).',
    );
    expect(received[1]!.text).toContain('The cap only warns: nothing is stopped.');
    expect(received[1]!.html).toContain(`href="${deps.publicUrl}/billing"`);
    expect(smtp.to(member.email)).toEqual([]);
  });

  it('mails nothing for credits when mail is off', async () => {
    const owner = await makeUser(db, { billingMode: 'prepaid' });
    await inTransaction(db, (trx) =>
      grantCredits(trx, SYSTEM_ACTOR, { userId: owner.id, amount: '1', pool: 'paid', reason: 'x' }),
    );
    const off = await callerAs(db, { service: true }, testDeps({ mail: null }));
    await off.usage.ingest({ records: [userDay(owner.id, '2025-09-01', { cpuHours: '100' })] });
    expect(await inbox(owner.email)).toEqual([]);
  });
});
