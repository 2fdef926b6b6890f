// The one client module for e-mail (SPEC §10): nodemailer over SMTP (`SMTP_URL`), or, with no SMTP
// outside production, each mail written as an .eml file under a folder (`.data/mail`) so that
// `pnpm dev` shows what would be sent. It knows nothing of our tables: the outbox (services/mail)
// decides what to send and when.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';

export interface MailConfig {
  /** `smtp://` or `smtps://user:pass@host:port`; unset: files under `dropDir`. */
  smtpUrl?: string | undefined;
  /** The From header, e.g. `hops <no-reply@example.com>`. */
  from: string;
  /** Where mails are written when there is no SMTP server (development only). */
  dropDir?: string | undefined;
  /** Per connection and per reply; default 10 s. */
  timeoutMs?: number;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The outbox row's id: the Message-ID is `<id@domain of From>`, the same on a retry. */
  id: string;
  /** Used in the file name of a dropped mail. */
  kind: string;
}

export interface SentMail {
  messageId: string;
  /** The SMTP server's reply, or the file written. */
  response: string;
}

/** A mail that did not go out; `permanent` for a 5xx (a bounce): retrying will not help. */
export class MailCallError extends Error {
  override name = 'MailCallError';
  readonly system = 'SMTP';
  constructor(
    message: string,
    /** SMTP reply code, or null when no server answered. */
    readonly responseCode: number | null,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type Mailer = ReturnType<typeof createMailer>;

function errorOf(to: string, error: unknown): MailCallError {
  const e = error as { responseCode?: unknown; response?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const reply = typeof e.response === 'string' ? e.response : String(e.message ?? error);
  if (code === null) {
    return new MailCallError(`The mail server could not be reached: ${reply}`, null, false, {
      cause: error,
    });
  }
  const permanent = code >= 500;
  return new MailCallError(
    permanent
      ? `The mail server refused ${to} (${reply}); it will not be retried.`
      : `The mail server deferred the mail to ${to} (${reply}); it will be retried.`,
    code,
    permanent,
    { cause: error },
  );
}

const fileSafe = (value: string) => value.replace(/[^a-z0-9_-]/gi, '_');

/** The domain of the From address (`hops <no-reply@example.com>` → example.com). */
function domainOf(from: string): string {
  return /@([^>\s]+)>?\s*$/.exec(from)?.[1] ?? 'localhost';
}

/** SMTP connections the mailer keeps open at most (nodemailer's pool default). */
export const SMTP_CONNECTIONS = 5;

export function createMailer(config: MailConfig) {
  const domain = domainOf(config.from);
  const timeout = config.timeoutMs ?? 10_000;
  // The URL inside the options object: as a separate second argument these would be taken for
  // message defaults and the timeouts ignored. Pooled: a few connections kept open and reused, since
  // a server's greeting may come only after a pause (smtp-server waits 100 ms, Postfix's
  // postscreen seconds) that a connection per mail pays every time.
  const transport = config.smtpUrl
    ? nodemailer.createTransport({
        url: config.smtpUrl,
        pool: true,
        maxConnections: SMTP_CONNECTIONS,
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      })
    : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const dropDir = config.dropDir;
  if (!config.smtpUrl && !dropDir) throw new Error('Mail needs SMTP_URL or a folder to write to.');

  return {
    /** Where mails go, for the start-up log: the SMTP host or the folder. */
    destination: config.smtpUrl ? new URL(config.smtpUrl).host : dropDir!,

    async send(mail: OutgoingMail): Promise<SentMail> {
      const message = {
        from: config.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: `<${mail.id}@${domain}>`,
      };
      let info: { messageId: string; response?: unknown; message?: unknown };
      try {
        info = (await transport.sendMail(message)) as typeof info;
      } catch (error) {
        throw errorOf(mail.to, error);
      }
      if (!config.smtpUrl) {
        await mkdir(dropDir!, { recursive: true });
        const stamp = new Date().toISOString().replace(/[:.]/g, '-');
        // The row id keeps two mails of one kind in one millisecond apart (still `…-<kind>.eml`).
        const path = join(dropDir!, `${stamp}-${fileSafe(mail.id)}-${fileSafe(mail.kind)}.eml`);
        await writeFile(path, info.message as Buffer);
        return { messageId: info.messageId, response: path };
      }
      return { messageId: info.messageId, response: String(info.response ?? '') };
    },

    close: () => transport.close(),
  };
}
