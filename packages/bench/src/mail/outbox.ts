// The mail outbox's throughput: N mails written to mail_outbox by queueMail (8 writers at once, each in its own
// transaction, as each cause writes its mail, with its `mail.send` job), sent by the product's job
// runner (graphile-worker, productJobs' `mail.send`, the product's mailer) to a real SMTP server on
// loopback; timed from the first enqueue until the server has received all N, and checked: each
// outbox row arrived exactly once (by Message-ID, which is `<row id@domain>`). The floor: the same
// N messages sent by nodemailer straight to the same server, with the transport settings of the
// product's mailer (pooled), at the same concurrency as the runner's: no outbox, no jobs. Once, side
// by side (not the floor), nodemailer with a connection per mail, to show what that costs.
import {
  createMailer,
  migrateJobQueue,
  productJobs,
  queueMail,
  renderMail,
  SecretBox,
  startJobRunner,
  type Mailer,
  type MailParams,
} from '@hops/api';
import { createDb, inTransaction, migrateToLatest } from '@hops/db';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import nodemailer from 'nodemailer';
import { fmt, median, ratio, say, table, type BenchResult } from '../report.ts';
import { createScratchDatabase, dropScratchDatabase } from '../scratch.ts';
import { startCountingSmtpServer, type CountingSmtpServer } from './smtp.ts';

/** The target: the outbox within 2× of nodemailer straight to the same server. */
const WITHIN_FLOOR = 2;
const FROM = 'hops <no-reply@hops.test>';
const DOMAIN = 'hops.test';
const PUBLIC_URL = 'http://hops.test';
/** The product mailer's default (createMailer: 10 s per connection and per reply). */
const TIMEOUT_MS = 10_000;
/** The product mailer's pool (createMailer: SMTP_CONNECTIONS). */
const SMTP_CONNECTIONS = 5;
/** Mails of the one comparison run with a connection per mail (each pays the greeting's pause). */
const UNPOOLED_MAILS = 100;

const quiet = { info: () => undefined, warn: console.warn, error: console.error };

/** Mail i of a run: a failed payment's notice (mailPaymentFailed's kind, params and dedupe key). */
function mailOf(i: number) {
  const params: MailParams['payment_failed'] = {
    amount: `${(i % 500) + 1}.50`,
    invoiceId: `in_bench_${i}`,
    date: '2026-11-30T12:00:00.000Z',
  };
  return { to: `owner${i}@bench.test`, params, dedupeKey: `payment-failed:in_bench_${i}` };
}

interface Check {
  /** Mails the server received, distinct Message-IDs among them, and the expected ones. */
  received: number;
  distinct: number;
  duplicates: number;
  lost: number;
  /** Received with a Message-ID that was not expected, or with none. */
  strangers: number;
}

function check(smtp: CountingSmtpServer, expected: readonly string[]): Check {
  const counts = smtp.byMessageId();
  const wanted = new Set(expected);
  let duplicates = 0;
  let strangers = smtp.withoutId();
  for (const [id, n] of counts) {
    if (wanted.has(id)) duplicates += n - 1;
    else strangers += n;
  }
  return {
    received: smtp.received(),
    distinct: counts.size,
    duplicates,
    lost: expected.filter((id) => !counts.has(id)).length,
    strangers,
  };
}

interface Outcome extends Check {
  seconds: number;
  mailsPerSecond: number;
  /** SMTP connections the server saw. */
  connections: number;
}

interface OutboxOutcome extends Outcome {
  /** Until the last of the N transactions committed. */
  enqueueSeconds: number;
  /** Wall time spent inside the mailer's send (summed over concurrent jobs). */
  smtpSeconds: number;
  /** After the server had all N: until every row was marked sent and the queue was empty. */
  drainSeconds: number;
  rowsSent: number;
  jobsLeft: number;
}

const waitLimitMs = (count: number) => 60_000 + count * 100;

/** Requests writing mails at once: 8 of the server's pool of 10 connections. */
const ENQUEUE_WRITERS = 8;

async function outboxRound(
  smtp: CountingSmtpServer,
  template: string,
  name: string,
  count: number,
  concurrency: number,
): Promise<OutboxOutcome> {
  const url = await createScratchDatabase(name, { template });
  // The server's pool (apps/web/server/main.ts: max 10); the runner opens its own (concurrency + 2).
  const db = createDb({ connectionString: url, max: 10 });
  const secrets = new SecretBox(randomBytes(32).toString('base64'));
  const mailer = createMailer({ smtpUrl: smtp.url, from: FROM, timeoutMs: TIMEOUT_MS });
  // The product's mailer, with the time spent in its send summed aside.
  let smtpMs = 0;
  const mail: Mailer = {
    ...mailer,
    send: async (message) => {
      const started = performance.now();
      try {
        return await mailer.send(message);
      } finally {
        smtpMs += performance.now() - started;
      }
    },
  };
  const { tasks, crontab } = productJobs({ db, log: quiet, mail, secrets, publicUrl: PUBLIC_URL });
  const runner = await startJobRunner({
    connectionString: url,
    tasks,
    crontab,
    concurrency,
    log: quiet,
  });
  try {
    smtp.reset();
    const ids: string[] = [];
    const started = performance.now();
    // The mails come from ENQUEUE_WRITERS requests at a time (as actions reach the API server's
    // pool at once), each written in its own transaction with its job.
    let next = 0;
    await Promise.all(
      Array.from({ length: ENQUEUE_WRITERS }, async () => {
        for (let i = next++; i < count; i = next++) {
          const { to, params, dedupeKey } = mailOf(i);
          const id = await inTransaction(db, (trx) =>
            queueMail(trx, { mail, secrets }, { kind: 'payment_failed', to, params, dedupeKey }),
          );
          if (id === null) throw new Error(`queueMail queued nothing for mail ${i}.`);
          ids.push(id);
        }
      }),
    );
    const enqueueSeconds = (performance.now() - started) / 1000;
    await smtp.waitFor(count, waitLimitMs(count));
    const seconds = (performance.now() - started) / 1000;
    const delivered = performance.now();

    // Every row marked sent and every job gone (a completed job is deleted), bounded.
    let rowsSent = 0;
    let jobsLeft = -1;
    for (let waited = 0; waited < 30_000; waited += 50) {
      const { rows } = await sql<{ sent: number; jobs: number }>`
        SELECT (SELECT count(*)::int FROM mail_outbox WHERE state = 'sent') AS sent,
               (SELECT count(*)::int FROM graphile_worker.jobs) AS jobs`.execute(db);
      rowsSent = rows[0]!.sent;
      jobsLeft = rows[0]!.jobs;
      if (rowsSent === count && jobsLeft === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const drainSeconds = (performance.now() - delivered) / 1000;
    return {
      ...check(
        smtp,
        ids.map((id) => `<${id}@${DOMAIN}>`),
      ),
      seconds,
      mailsPerSecond: count / seconds,
      connections: smtp.connections(),
      enqueueSeconds,
      smtpSeconds: smtpMs / 1000,
      drainSeconds,
      rowsSent,
      jobsLeft,
    };
  } finally {
    await runner.stop();
    mailer.close();
    await db.destroy();
    await dropScratchDatabase(name);
  }
}

/**
 * nodemailer straight to the server: the product mailer's transport (its URL, timeouts and pool;
 * without `pool`, a connection per mail instead), `concurrency` sends at a time, the same messages
 * rendered beforehand by the product's templates.
 */
async function directRound(
  smtp: CountingSmtpServer,
  round: number,
  count: number,
  concurrency: number,
  pool: boolean,
): Promise<Outcome> {
  const transport = nodemailer.createTransport({
    url: smtp.url,
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
    ...(pool ? { pool: true, maxConnections: SMTP_CONNECTIONS } : {}),
  });
  const kind = pool ? 'floor' : 'unpooled';
  const messages = Array.from({ length: count }, (_, i) => {
    const { to, params } = mailOf(i);
    const rendered = renderMail('payment_failed', { params, publicUrl: PUBLIC_URL });
    return { from: FROM, to, ...rendered, messageId: `<${kind}-${round}-${i}@${DOMAIN}>` };
  });
  try {
    smtp.reset();
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) await transport.sendMail(messages[next++]!);
      }),
    );
    await smtp.waitFor(count, waitLimitMs(count));
    const seconds = (performance.now() - started) / 1000;
    return {
      ...check(
        smtp,
        messages.map((m) => m.messageId),
      ),
      seconds,
      mailsPerSecond: count / seconds,
      connections: smtp.connections(),
    };
  } finally {
    transport.close();
  }
}

const medianOf = <T>(outcomes: readonly T[], pick: (o: T) => number) => median(outcomes.map(pick));

export async function benchMail(options: {
  count: number;
  rounds: number;
  concurrency: number;
}): Promise<BenchResult> {
  const { count, rounds, concurrency } = options;
  const template = `hops_bench_mail_${process.pid}`;
  const smtp = await startCountingSmtpServer();
  const outbox: OutboxOutcome[] = [];
  const floor: Outcome[] = [];
  const unpooled: Outcome[] = [];
  try {
    const url = await createScratchDatabase(template);
    const db = createDb({ connectionString: url, max: 2 });
    await migrateToLatest(db);
    await db.destroy();
    await migrateJobQueue({ connectionString: url, log: quiet });

    for (let round = 1; round <= rounds; round++) {
      say(`mail: round ${round} of ${rounds}, ${fmt(count)} mails, concurrency ${concurrency}`);
      floor.push(await directRound(smtp, round, count, concurrency, true));
      outbox.push(await outboxRound(smtp, template, `${template}_r${round}`, count, concurrency));
    }
    const few = Math.min(count, UNPOOLED_MAILS);
    say(`mail: ${fmt(few)} mails with a connection each (comparison)`);
    unpooled.push(await directRound(smtp, 0, few, concurrency, false));
  } finally {
    await smtp.close();
    await dropScratchDatabase(template);
  }

  const rate = (list: readonly Outcome[]) => medianOf(list, (o) => o.mailsPerSecond);
  const seconds = (list: readonly Outcome[]) => medianOf(list, (o) => o.seconds);
  const floorRate = rate(floor);
  const outboxRate = rate(outbox);
  // Time ÷ floor time, as the target reads: ≤ 2× the floor's time is ≥ 0.5× its mails/s.
  const slowdown = floorRate / outboxRate;
  const sum = (list: readonly Check[], pick: (c: Check) => number) =>
    list.reduce((n, c) => n + pick(c), 0);
  const all = [...outbox, ...floor, ...unpooled];
  const duplicates = sum(all, (c) => c.duplicates);
  const lost = sum(all, (c) => c.lost);
  const strangers = sum(all, (c) => c.strangers);
  const complete = outbox.every((o) => o.rowsSent === count && o.jobsLeft === 0);
  const row = (label: string, list: readonly Outcome[]) => [
    label,
    `${fmt(seconds(list), 2)} s`,
    fmt(rate(list)),
    ratio(floorRate / rate(list)),
    fmt(medianOf(list, (o) => o.connections)),
    `${fmt(sum(list, (c) => c.duplicates))} / ${fmt(sum(list, (c) => c.lost))}`,
  ];
  const enqueue = medianOf(outbox, (o) => o.enqueueSeconds);
  const inSmtp = medianOf(outbox, (o) => o.smtpSeconds);
  const markdown = [
    `${fmt(count)} mails (a failed payment's notice each, mailPaymentFailed's kind and dedupe key) to a real SMTP server on loopback (smtp-server; it counts each mail by its Message-ID and parses nothing else), median of ${rounds} rounds. **Outbox**: each mail written by \`queueMail\` in its own transaction (its row and its \`mail.send\` job), ${ENQUEUE_WRITERS} transactions at a time (as requests reach the server), sent by the product's job runner (\`startJobRunner\` with \`productJobs\`, graphile-worker, concurrency ${concurrency} = JOB_WORKERS's default unless BENCH_MAIL_CONCURRENCY says otherwise; \`mail.send\` on the runner's batched lane, its jobs fetched in batches by graphile-worker's local queue, each batch's rows read ahead in one statement, its completions gathered for 20 ms) through the product's mailer (\`createMailer\`, SMTP_URL); timed from the first enqueue until the server has received all ${fmt(count)}. **Floor**: the same messages (rendered beforehand by the product's templates) sent by nodemailer straight to the same server with the product mailer's transport settings (the SMTP URL, 10 s timeouts, pooled, at most ${SMTP_CONNECTIONS} connections), ${concurrency} at a time; no outbox, no jobs. The last row is for comparison only: nodemailer with a connection per mail (the product's mailer before it was pooled), which pays smtp-server's fixed 100 ms pause before each greeting (its check for clients that talk too early; real servers pause too, Postfix's postscreen for seconds).`,
    '',
    table(
      ['', 'time', 'mails/s', 'time ÷ floor', 'SMTP connections', 'duplicates / lost'],
      [
        row('outbox (queueMail → mail.send job → SMTP)', outbox),
        row("floor: nodemailer straight, the product mailer's transport", floor),
        row(
          `nodemailer straight, a connection per mail (comparison, ${fmt(unpooled[0]!.received)} mails, once)`,
          unpooled,
        ),
      ],
    ),
    '',
    `In the outbox runs (medians): the ${fmt(count)} enqueue transactions took ${fmt(enqueue, 2)} s (the runner sends while they commit); ${fmt(inSmtp, 2)} s of job time was spent inside the mailer's send; after the server had every mail, marking the last rows sent and emptying the queue took ${fmt(
      medianOf(outbox, (o) => o.drainSeconds),
      2,
    )} s more. Every outbox row marked sent and no job left: ${complete}. Mails with an unexpected or no Message-ID: ${fmt(strangers)}.`,
  ].join('\n');
  return {
    title: `Mail outbox: ${fmt(count)} mails to a loopback SMTP server`,
    command: `pnpm --filter @hops/bench bench:api (mail, BENCH_MAIL_COUNT=${count}, BENCH_MAIL_ROUNDS=${rounds}, BENCH_MAIL_CONCURRENCY=${concurrency})`,
    markdown,
    targets: [
      {
        target: `mail outbox: ${fmt(count)} mails to a loopback SMTP server ≤ ${WITHIN_FLOOR}× the floor (nodemailer straight to the same server)`,
        measured: `${fmt(seconds(outbox), 2)} s (${fmt(outboxRate)} mails/s) vs ${fmt(seconds(floor), 2)} s (${fmt(floorRate)} mails/s): ${ratio(slowdown)}; ${fmt(duplicates)} duplicates, ${fmt(lost)} lost`,
        met:
          slowdown <= WITHIN_FLOOR && duplicates === 0 && lost === 0 && strangers === 0 && complete,
      },
    ],
    data: { count, rounds, concurrency, outbox, floor, unpooled },
  };
}
