// The mail outbox against a real PostgreSQL, the real job queue and a real SMTP server on loopback
// (smtp-server), the mails read back with mailparser: an invite arrives once with a link that
// works, hostile names arrive as text, deferrals are retried and delivered once, bounces are given
// up in a sentence, and the invite's secret is nowhere in the database once the mail is out.
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseMail, startSmtpServer } from '@hops/fakes/smtp';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { callerAs, makeUser, testDeps, testJobs } from '../../../test/helpers.ts';
import { createMailer } from '../../integrations/mail.ts';
import { previewInvite } from '../invites/link.ts';
import { escapeHtml, renderMail } from './templates.ts';

const { db, url } = await useTestDatabase();
const smtp = await startSmtpServer();
const mail = createMailer({ smtpUrl: smtp.url, from: 'hops <no-reply@hops.test>' });
afterAll(async () => {
  mail.close();
  await smtp.close();
});
const deps = testDeps({ mail });
const { runJobs, retryNow } = testJobs(db, url, { ...deps, mail });

const rowsTo = (address: string) =>
  db.selectFrom('mailOutbox').selectAll().where('toAddress', '=', address).execute();

async function inviteFrom(ownerName: string, invitee: string) {
  const owner = await makeUser(db, { name: ownerName });
  const caller = await callerAs(db, { userId: owner.id }, deps);
  const created = await caller.invites.create({ email: invitee });
  return { owner, caller, created };
}

describe('the mail outbox', () => {
  it('delivers an invite once, with a working link, a text part and escaped HTML', async () => {
    const hostile = '<script>alert(1)</script> "Bob" & Co';
    const { owner, created } = await inviteFrom(hostile, 'newcomer@example.test');
    expect(created.mailed).toBe(true);
    expect(smtp.to('newcomer@example.test')).toHaveLength(0); // the action never waits for SMTP

    await runJobs();
    await runJobs(); // a second pass finds nothing left to send
    const [received, ...more] = smtp.to('newcomer@example.test');
    expect(more).toEqual([]);
    const parsed = received!.parsed;
    expect(parsed.subject).toBe(`${hostile} invites you to ${hostile} (${owner.email}) on hops`);
    expect(parsed.from?.value).toEqual([{ name: 'hops', address: 'no-reply@hops.test' }]);
    expect(parsed.text).toContain(created.inviteUrl);
    expect(parsed.text).toContain(`${hostile} (${owner.email}) invites you`);
    // The HTML part carries the names as text, never as markup.
    expect(parsed.html).not.toContain('<script>');
    expect(parsed.html).toContain(escapeHtml(hostile));
    expect(parsed.html).toContain(`href="${escapeHtml(created.inviteUrl)}"`);

    // The link in the mail is the invite's.
    const secret = /\/invite\/([A-Za-z0-9_-]+)/.exec(parsed.text ?? '')![1]!;
    expect(await previewInvite(db, secret)).toMatchObject({ ownerEmail: owner.email });

    // Sent: the row says so, and the secret is nowhere in the database.
    const [row] = await rowsTo('newcomer@example.test');
    expect(row).toMatchObject({ kind: 'invite', state: 'sent', secret: null, attempts: 1 });
    expect(parsed.messageId).toBe(`<${row!.id}@hops.test>`);
    const { rows } = await sql<{ found: boolean }>`
      SELECT EXISTS (SELECT 1 FROM mail_outbox m WHERE m::text LIKE ${`%${secret}%`})
          OR EXISTS (SELECT 1 FROM team_invites t WHERE t::text LIKE ${`%${secret}%`})
          OR EXISTS (SELECT 1 FROM audit_log a WHERE a::text LIKE ${`%${secret}%`})
          OR EXISTS (SELECT 1 FROM events e WHERE e::text LIKE ${`%${secret}%`})
          OR EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j::text LIKE ${`%${secret}%`})
          AS found`.execute(db);
    expect(rows[0]!.found).toBe(false);
  });

  it('keeps the secret encrypted in its row until the mail is sent', async () => {
    await inviteFrom('Olive Owner', 'waiting@example.test');
    const [row] = await rowsTo('waiting@example.test');
    expect(row!.state).toBe('pending');
    expect(row!.secret).toMatch(/^enc:v1:/);
    await runJobs();
    expect((await rowsTo('waiting@example.test'))[0]).toMatchObject({
      state: 'sent',
      secret: null,
    });
  });

  it('retries a mail the server defers, and delivers it once', async () => {
    smtp.refuseNext({ code: 451, message: 'Try again later', to: 'deferred@example.test' });
    await inviteFrom('Dana Owner', 'deferred@example.test');
    await runJobs();
    expect(smtp.to('deferred@example.test')).toHaveLength(0);
    const [waiting] = await rowsTo('deferred@example.test');
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1 });
    expect(waiting!.lastError).toContain('deferred the mail to deferred@example.test');
    expect(waiting!.secret).not.toBeNull();

    await retryNow();
    await runJobs();
    await retryNow();
    await runJobs();
    expect(smtp.to('deferred@example.test')).toHaveLength(1);
    expect((await rowsTo('deferred@example.test'))[0]).toMatchObject({
      state: 'sent',
      attempts: 2,
      lastError: null,
      secret: null,
    });
  });

  it('gives up a bounced address at once, in a sentence, and erases the secret', async () => {
    smtp.refuseNext({ code: 550, message: 'No such mailbox', to: 'nobody@example.test' });
    await inviteFrom('Bea Owner', 'nobody@example.test');
    await runJobs();
    await retryNow();
    await runJobs();
    expect(smtp.to('nobody@example.test')).toHaveLength(0);
    const [row] = await rowsTo('nobody@example.test');
    expect(row).toMatchObject({ state: 'failed', attempts: 1, secret: null });
    expect(row!.lastError).toMatch(
      /^The mail server refused nobody@example.test \(550 .*No such mailbox.*\); it will not be retried\.$/,
    );
  });

  it('tells the owner when the invite is accepted', async () => {
    const { owner, created } = await inviteFrom('Ada Owner', 'joiner@example.test');
    const joiner = await makeUser(db, { email: 'joiner@example.test', name: 'Jo Iner' });
    const secret = created.inviteUrl.split('/invite/')[1]!;
    await (await callerAs(db, { userId: joiner.id }, deps)).invites.accept({ token: secret });
    await runJobs();
    const [accepted, ...more] = smtp.to(owner.email);
    expect(more).toEqual([]);
    expect(accepted!.parsed.subject).toBe('Jo Iner joined your team on hops');
    expect(accepted!.parsed.text).toContain('Jo Iner (joiner@example.test) accepted your invite');
    expect(accepted!.parsed.text).toContain(`${deps.publicUrl}/team`);
  });

  it('queues nothing when mail is off, and the invite still works by its link', async () => {
    const owner = await makeUser(db);
    const off = await callerAs(db, { userId: owner.id }, testDeps({ mail: null }));
    const created = await off.invites.create({ email: 'linkonly@example.test' });
    expect(created.mailed).toBe(false);
    expect(await rowsTo('linkonly@example.test')).toEqual([]);
    const secret = created.inviteUrl.split('/invite/')[1]!;
    expect(await previewInvite(db, secret)).toMatchObject({ ownerEmail: owner.email });
  });
});

describe('mail without SMTP (development)', () => {
  it('writes each mail as an .eml file that reads back as the same mail', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hops-mail-'));
    const dropped = createMailer({ from: 'hops <no-reply@localhost>', dropDir: dir });
    const rendered = renderMail('payment_failed', {
      params: { amount: '12.3400', invoiceId: 'in_123', date: '2026-12-01T10:00:00Z' },
      publicUrl: 'http://localhost:3000',
    });
    const sent = await dropped.send({
      id: 'mail-1',
      kind: 'payment_failed',
      to: 'o@example.test',
      ...rendered,
    });
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/-payment_failed\.eml$/);
    expect(sent.response).toBe(join(dir, files[0]!));
    const parsed = await parseMail(await readFile(join(dir, files[0]!)));
    expect(parsed.subject).toBe('A payment for your hops account failed');
    expect(parsed.text).toContain(
      'Stripe could not collect $12.34 for invoice in_123 on 1 December 2026.',
    );
    expect(parsed.text).toContain('http://localhost:3000/billing');
    expect(parsed.html).toContain('<a href="http://localhost:3000/billing">Open Billing</a>');
  });
});
