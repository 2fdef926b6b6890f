// The mail outbox (SPEC §10): `queueMail` writes a mail in the transaction of what causes it, with
// its job; `sendQueuedMail` is that job. A mail goes out at most once per row: a sent or failed row
// is never sent again, and the job of a row is keyed by its id. Only a crash in the moment between
// the SMTP server's acceptance and our write can repeat one (for a crash of PostgreSQL itself, the
// moment lasts until the job's completion is written, a few milliseconds later: see markSent); it
// then carries the same Message-ID, by which mail servers and clients recognise the repeat. An
// invite's secret is in the row, encrypted, until the mail is sent or given up; then it is erased.
import type { Db } from '@hops/db';
import { sql } from 'kysely';
import type { Logger } from '../../context.ts';
import type { Transaction } from '../../db.ts';
import { MailCallError, type Mailer } from '../../integrations/mail.ts';
import { enqueue } from '../../jobs/queue.ts';
import type { SecretBox } from '../../secrets.ts';
import { renderMail, type MailKind, type MailParams } from './templates.ts';

/** What queueing needs: the mailer (null or absent: mail is off) and the key for secrets. */
export interface MailQueueDeps {
  mail?: Mailer | null | undefined;
  secrets: SecretBox;
}

/** What sending needs besides: where links point, and where to log. */
export interface MailSendDeps extends MailQueueDeps {
  publicUrl: string;
  log: Logger;
}

/** Attempts before a mail the server keeps deferring is given up (backoff: ~1 s … ~2.5 h). */
export const MAIL_ATTEMPTS = 10;

export interface QueuedMail<K extends MailKind> {
  kind: K;
  to: string;
  toUserId?: string | null;
  params: MailParams[K];
  /** An invite's secret: stored encrypted until sent, then erased. */
  secret?: string;
  /** One mail per key, ever (e.g. `cap:<owner>:<month>:80`). */
  dedupeKey?: string;
}

/**
 * Writes the mail and its job in `trx`; answers the row id, or null when mail is off (production
 * without SMTP: the action goes on, and the page offers what the mail would have carried) or the
 * dedupe key was used already.
 */
export async function queueMail<K extends MailKind>(
  trx: Transaction,
  deps: MailQueueDeps,
  mail: QueuedMail<K>,
): Promise<string | null> {
  if (!deps.mail) return null;
  const row = await trx
    .insertInto('mailOutbox')
    .values({
      kind: mail.kind,
      toAddress: mail.to,
      toUserId: mail.toUserId ?? null,
      params: JSON.stringify(mail.params),
      secret: mail.secret === undefined ? null : deps.secrets.encrypt(mail.secret),
      dedupeKey: mail.dedupeKey ?? null,
    })
    .onConflict((oc) => oc.column('dedupeKey').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return null;
  await enqueue(
    trx,
    'mail.send',
    { mailId: row.id },
    { jobKey: `mail:${row.id}`, maxAttempts: MAIL_ATTEMPTS },
  );
  return row.id;
}

/** The job's attempt, as graphile-worker counts it. */
export interface Attempt {
  attempts: number;
  maxAttempts: number;
}

/**
 * Sends one queued mail. A deferral (4xx, no answer) is written on the row and thrown, so the
 * queue retries with backoff; a bounce (5xx), or the last attempt, marks the row `failed` with the
 * server's words and erases the secret. Sent, it is marked `sent` and the secret erased.
 */
export async function sendQueuedMail(
  db: Db,
  deps: MailSendDeps,
  mailId: string,
  attempt: Attempt,
): Promise<'sent' | 'failed' | 'deferred' | 'skipped'> {
  const row = await db
    .selectFrom('mailOutbox')
    .selectAll()
    .where('id', '=', mailId)
    .executeTakeFirst();
  if (!row || row.state !== 'pending') return 'skipped';
  if (!deps.mail) throw new Error('Mail is off on this server; the mail waits for one with SMTP.');
  const inviteUrl =
    row.secret === null
      ? undefined
      : `${deps.publicUrl}/invite/${deps.secrets.decrypt(row.secret)}`;
  const rendered = renderMail(row.kind, {
    params: row.params as never,
    publicUrl: deps.publicUrl,
    ...(inviteUrl ? { inviteUrl } : {}),
  });
  const context = { mailId, kind: row.kind, attempt: attempt.attempts };
  try {
    const sent = await deps.mail.send({
      id: row.id,
      kind: row.kind,
      to: row.toAddress,
      ...rendered,
    });
    await markSent(db, row.id, sent.messageId);
    deps.log.info({ ...context, response: sent.response }, `mail sent: ${row.kind}`);
    return 'sent';
  } catch (error) {
    if (!(error instanceof MailCallError)) throw error;
    const last = error.permanent || attempt.attempts >= attempt.maxAttempts;
    await db
      .updateTable('mailOutbox')
      .set({
        ...(last ? { state: 'failed' as const, secret: null } : {}),
        lastError: error.message,
        attempts: (eb) => eb('attempts', '+', 1),
      })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .execute();
    if (last) {
      deps.log.error({ ...context, code: error.responseCode }, `mail given up: ${error.message}`);
      return 'failed';
    }
    // Logged once by the job runner, which retries it.
    throw error;
  }
}

/**
 * Marks a sent mail `sent` (and erases its secret) in one statement whose commit does not wait for
 * the disk (`synchronous_commit` off for its transaction only: set_config's `true`), since that
 * wait was a fifth of each mail's time (1.0 ms of 4.9 ms; 7 ms when the disk is busy). Nothing is
 * given up for a crash of our process: the row is committed, seen by every reader at once, and
 * PostgreSQL writes it to disk within a fraction of a second. Only a crash of PostgreSQL in that
 * fraction could lose it, and then it loses the job's completion too, which graphile-worker
 * commits after it and waits for: a commit waits for all the log before it. The job runs again,
 * finds the row pending and sends the mail again, with the same Message-ID: the crash window of
 * the header, a few milliseconds longer. A mail whose job completed stays sent.
 */
async function markSent(db: Db, mailId: string, messageId: string): Promise<void> {
  await db
    .updateTable('mailOutbox')
    // In FROM, evaluated once, before the implicit transaction of the statement commits.
    .from(sql`(SELECT set_config('synchronous_commit', 'off', true))`.as('asyncCommit'))
    .set({
      state: 'sent',
      sentAt: new Date(),
      messageId,
      secret: null,
      lastError: null,
      attempts: (eb) => eb('mailOutbox.attempts', '+', 1),
    })
    .where('mailOutbox.id', '=', mailId)
    .where('mailOutbox.state', '=', 'pending')
    .execute();
}
