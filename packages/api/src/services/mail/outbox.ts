// The mail outbox (SPEC §10): `queueMail` writes a mail in the transaction of what causes it, with
// its job; `sendQueuedMail` is that job. A mail goes out at most once per row: a sent or failed row
// is never sent again, and the job of a row is keyed by its id. Only a crash in the moment between
// the SMTP server's acceptance and our write can repeat one (for a crash of PostgreSQL itself, the
// moment lasts until the job's completion is written, at most some 20 ms later: see markSent); it
// then carries the same Message-ID, by which mail servers and clients recognise the repeat. A job
// that runs again after its mail was marked sent (its process died before the runner wrote its
// completion: the batched lane gathers them) finds the row sent and sends nothing. An
// invite's secret is in the row, encrypted, until the mail is sent or given up; then it is erased.
import type { Db, MailOutbox } from '@hops/db';
import { sql, type Selectable } from 'kysely';
import type { Logger } from '../../context.ts';
import type { Transaction } from '../../db.ts';
import { MailCallError, type Mailer } from '../../integrations/mail.ts';
import { addJobSql } from '../../jobs/queue.ts';
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
  /** The rows of the runner's batches, read ahead (absent: each job reads its own). */
  readAhead?: MailReadAhead | undefined;
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
  // The type already requires a transaction; this catches a cast that lies (as enqueue does).
  if (!trx.isTransaction) throw new Error("Queue a mail inside the action's transaction.");
  const secret = mail.secret === undefined ? null : deps.secrets.encrypt(mail.secret);
  // The row and its job in one statement (no job when the dedupe key was used already).
  const { rows } = await sql<{ id: string }>`
      WITH mail AS (
        INSERT INTO mail_outbox (kind, to_address, to_user_id, params, secret, dedupe_key)
        VALUES (${mail.kind}, ${mail.to}, ${mail.toUserId ?? null},
                ${JSON.stringify(mail.params)}::jsonb, ${secret}, ${mail.dedupeKey ?? null})
        ON CONFLICT (dedupe_key) DO NOTHING
        RETURNING id
      )
      SELECT mail.id::text AS id
      FROM mail, LATERAL ${addJobSql('mail.send', sql`json_build_object('mailId', mail.id)`, {
        jobKey: sql`'mail:' || mail.id`,
        maxAttempts: MAIL_ATTEMPTS,
      })} AS job`.execute(trx);
  return rows[0]?.id ?? null;
}

type MailRow = Selectable<MailOutbox>;

/** A row read ahead, or the sign that reading ahead failed (the job then reads its row itself). */
type ReadAhead = Promise<MailRow | null | 'unread'>;

/** Rows read ahead and not yet taken, at most: more than a few batches means jobs were given back. */
const READ_AHEAD_MAX = 1_000;
/** A row read ahead longer ago than this is read again (its batch sat in a queue, or went back). */
const READ_AHEAD_TTL_MS = 30_000;

/**
 * The rows of a batch of `mail.send` jobs read in one statement when the batch is fetched (the
 * runner's `fetched`), so that each job takes its row instead of reading it: one statement per
 * batch instead of one per mail, and read while the previous batch's last mail is sent. The jobs
 * are locked by this runner from their fetch until they are done, and only a mail's own job writes
 * its row, so a row read at the fetch is still the row when its job runs; one read longer ago
 * than READ_AHEAD_TTL_MS, or never read ahead, is read by its job.
 */
export interface MailReadAhead {
  fetched(mailIds: readonly string[]): void;
  /** The row read ahead for this mail (null: there is none), or undefined: read it yourself. */
  take(mailId: string): ReadAhead | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function mailReadAhead(db: Db, log: Logger): MailReadAhead {
  const rows = new Map<string, { at: number; row: ReadAhead }>();
  return {
    fetched(mailIds) {
      const ids = mailIds.filter((id) => UUID.test(id));
      if (ids.length === 0) return;
      const read: Promise<Map<string, MailRow> | 'unread'> = db
        .selectFrom('mailOutbox')
        .selectAll()
        .where(sql<boolean>`id = ANY(${ids}::uuid[])`)
        .execute()
        .then(
          (found) => new Map(found.map((row) => [row.id, row])),
          (error: unknown) => {
            // Each job reads its own row instead; if that fails too, the runner logs that.
            log.warn({ err: error, mails: ids.length }, 'reading a batch of mails ahead failed');
            return 'unread' as const;
          },
        );
      const at = performance.now();
      for (const id of ids) {
        rows.delete(id);
        rows.set(id, { at, row: read.then((m) => (m === 'unread' ? m : (m.get(id) ?? null))) });
      }
      // The oldest first: Map keeps insertion order.
      for (const id of rows.keys()) {
        if (rows.size <= READ_AHEAD_MAX) break;
        rows.delete(id);
      }
    },
    take(mailId) {
      const entry = rows.get(mailId);
      if (!entry) return undefined;
      rows.delete(mailId);
      return performance.now() - entry.at > READ_AHEAD_TTL_MS ? undefined : entry.row;
    },
  };
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
  const ahead = await deps.readAhead?.take(mailId);
  const row =
    ahead === undefined || ahead === 'unread'
      ? await db.selectFrom('mailOutbox').selectAll().where('id', '=', mailId).executeTakeFirst()
      : ahead;
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
 * the header, longer by the time the batched lane gathers completions (BATCHED_COMPLETION_DELAY_MS).
 * A mail whose job completed stays sent.
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
