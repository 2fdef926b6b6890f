// The mail outbox sent by the product's job runner (startJobRunner with productJobs: mail.send on
// the batched lane, its rows read ahead per batch, its completions gathered) against a real
// PostgreSQL and a real SMTP server on loopback: two replicas send each queued mail exactly once,
// and a replica killed in the middle of sending loses none, and the mails it had sent are not sent
// again (at most the one it was sending when it died). No timed assertions: conditions are polled.
import { fileURLToPath } from 'node:url';
import { startSmtpServer } from '@hops/fakes/smtp';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '@hops/db/testing';
import { testDeps, waitFor } from '../../../test/helpers.ts';
import { startChildRunner, useJobRunners } from '../../../test/runners.ts';
import { createMailer } from '../../integrations/mail.ts';
import type { TaskPayloads } from '../../jobs/queue.ts';
import { productJobs } from '../../jobs/tasks.ts';
import { queueMail } from './outbox.ts';

const { db, url } = await useTestDatabase();
const smtp = await startSmtpServer();
const FROM = 'hops <no-reply@hops.test>';
const mail = createMailer({ smtpUrl: smtp.url, from: FROM });
afterAll(async () => {
  mail.close();
  await smtp.close();
});
const deps = testDeps({ mail });
const { start } = useJobRunners<TaskPayloads>(url);

/** A replica's runner: the product's jobs with their own read-ahead, as each server has. */
const startReplica = (options: Parameters<typeof start>[1] = {}) =>
  start(productJobs({ ...deps, db, mail }).tasks, options);

/** `count` payment notices to `<prefix>-<i>@example.test`: most in a transaction each, some together. */
async function queueNotices(prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const one = (trx: Parameters<typeof queueMail>[0], i: number) =>
    queueMail(trx, deps, {
      kind: 'payment_failed',
      to: `${prefix}-${i}@example.test`,
      params: { amount: '1.50', invoiceId: `in_${prefix}_${i}`, date: '2026-11-30T12:00:00Z' },
      dedupeKey: `${prefix}:${i}`,
    });
  for (let i = 0; i < count; i++) {
    // Every fifth transaction queues five at once, so a fetch sees several of them together.
    const together = i % 5 === 0 && i + 5 <= count ? 5 : 1;
    const queued = await db
      .transaction()
      .execute(async (trx) =>
        Promise.all(Array.from({ length: together }, (_, k) => one(trx, i + k))),
      );
    for (const id of queued) ids.push(id!);
    i += together - 1;
  }
  return ids;
}

/** How often each of these rows' Message-IDs arrived. */
function arrivals(ids: readonly string[]): number[] {
  const counts = new Map<string, number>();
  for (const m of smtp.messages) {
    const id = m.parsed.messageId ?? '';
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return ids.map((id) => counts.get(`<${id}@hops.test>`) ?? 0);
}

/** Resolves when every row is sent and its job gone (a completed job is deleted). */
const allSent = (ids: readonly string[]) =>
  waitFor(
    'every mail to be sent and its job completed',
    async () => {
      const { rows } = await sql<{ sent: number; jobs: number }>`
        SELECT (SELECT count(*)::int FROM mail_outbox WHERE id = ANY(${ids}::uuid[])
                  AND state = 'sent') AS sent,
               (SELECT count(*)::int FROM graphile_worker.jobs
                  WHERE key = ANY(${ids.map((id) => `mail:${id}`)}::text[])) AS jobs`.execute(db);
      return rows[0]!.sent === ids.length && rows[0]!.jobs === 0;
    },
    60_000,
  );

describe('the mail outbox on the job runner', () => {
  it('sends each of 40 queued mails exactly once between two replicas', async () => {
    await startReplica();
    await startReplica();
    const ids = await queueNotices('pair', 40);
    await allSent(ids);
    expect(arrivals(ids)).toEqual(Array(40).fill(1));
    const rows = await db
      .selectFrom('mailOutbox')
      .select(['state', 'attempts', 'messageId'])
      .where('id', 'in', ids)
      .execute();
    expect(rows.every((r) => r.state === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('loses no mail when a replica is killed while sending, and sends again none it had marked sent', async () => {
    const ids = await queueNotices('killed', 30);
    // A replica in a process of its own, sending one mail at a time, killed once some are out.
    const modules = {
      tasks: new URL('../../jobs/tasks.ts', import.meta.url).href,
      runner: new URL('../../jobs/runner.ts', import.meta.url).href,
      mail: new URL('../../integrations/mail.ts', import.meta.url).href,
      secrets: new URL('../../secrets.ts', import.meta.url).href,
    };
    const script = `
      const { productJobs } = await import(${JSON.stringify(modules.tasks)});
      const { startJobRunner } = await import(${JSON.stringify(modules.runner)});
      const { createMailer } = await import(${JSON.stringify(modules.mail)});
      const { SecretBox } = await import(${JSON.stringify(modules.secrets)});
      const { createDb } = await import('@hops/db');
      const { randomBytes } = await import('node:crypto');
      const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
      const db = createDb({ connectionString: ${JSON.stringify(url)}, max: 2 });
      const mail = createMailer({ smtpUrl: ${JSON.stringify(smtp.url)}, from: ${JSON.stringify(FROM)} });
      const secrets = new SecretBox(randomBytes(32).toString('base64'));
      const { tasks } = productJobs({ db, log: quiet, mail, secrets, publicUrl: 'http://hops.test' });
      await startJobRunner({ connectionString: ${JSON.stringify(url)}, log: quiet, pollIntervalMs: 100, tasks });
      console.log('runner started');`;
    const child = await startChildRunner(['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    });
    try {
      await waitFor(
        'the child to send some mails',
        async () => arrivals(ids).filter((n) => n > 0).length >= 5,
        30_000,
      );
    } finally {
      await child.killed();
    }
    const beforeKill = arrivals(ids);
    expect(beforeKill.some((n) => n === 0)).toBe(true); // killed in the middle

    // Its heartbeat has stopped: a survivor frees its jobs once it counts it dead, and finishes.
    await startReplica({ heartbeat: { everyMs: 200, deadAfterMs: 1_000 } });
    await allSent(ids);
    const after = arrivals(ids);
    // None lost; a mail is sent twice only if the kill fell between the SMTP server's acceptance
    // and its sent mark: at most the one mail the child was sending (one at a time).
    expect(after.every((n) => n >= 1)).toBe(true);
    expect(after.reduce((sum, n) => sum + n, 0) - ids.length).toBeLessThanOrEqual(1);
    // Every mail the child had sent and marked was skipped by the survivor, whether or not the
    // child had written its job's completion before it died.
    const marked = await db
      .selectFrom('mailOutbox')
      .select(['id', 'attempts'])
      .where('id', 'in', ids)
      .execute();
    expect(marked.every((r) => r.attempts === 1)).toBe(true);
  });
});
