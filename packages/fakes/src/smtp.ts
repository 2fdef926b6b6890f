// A real SMTP server on loopback (`smtp-server`) for tests: it accepts mail for any address, keeps
// each message as sent on the wire and as `mailparser` reads it, and can refuse what comes next
// (a 4xx that the sender should retry, or a 5xx bounce) to show what hops does then.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  from: string;
  raw: string;
  parsed: ParsedMail;
}

export interface SmtpRefusal {
  /** SMTP reply code: 4xx (try again later) or 5xx (permanent, e.g. 550 no such mailbox). */
  code: number;
  message?: string;
  /** Only for this recipient (default: any). */
  to?: string;
  /** How many messages are refused; default 1. */
  times?: number;
}

export interface TestSmtpServer {
  /** `smtp://127.0.0.1:<port>` (no TLS, no auth: loopback only). */
  url: string;
  messages: ReceivedMail[];
  /** Messages for one address, oldest first. */
  to(address: string): ReceivedMail[];
  refuseNext(refusal: SmtpRefusal): void;
  /** Resolves when `count` messages have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

class SmtpReply extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const refusals: SmtpRefusal[] = [];
  const waiters = new Set<() => void>();

  const refusalFor = (address: string) => {
    const at = refusals.findIndex(
      (r) => r.to === undefined || r.to.toLowerCase() === address.toLowerCase(),
    );
    if (at < 0) return null;
    const refusal = refusals[at]!;
    refusal.times = (refusal.times ?? 1) - 1;
    if (refusal.times <= 0) refusals.splice(at, 1);
    return refusal;
  };

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const refusal = refusalFor(address.address);
      if (refusal) {
        callback(new SmtpReply(refusal.message ?? 'Refused by the test', refusal.code));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw).then(
          (parsed) => {
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              raw,
              parsed,
            });
            for (const wake of waiters) wake();
            callback();
          },
          (error: unknown) => callback(error as Error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('The SMTP server has no port.');

  return {
    url: `smtp://127.0.0.1:${address.port}`,
    messages,
    to: (mailbox) =>
      messages.filter((m) => m.to.some((t) => t.toLowerCase() === mailbox.toLowerCase())),
    refuseNext: (refusal) => refusals.push({ ...refusal }),
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(messages.slice(0, count));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Expected ${count} mails, ${messages.length} arrived.`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Reads a mail as written on the wire (an .eml file, say), as the test server does. */
export const parseMail = (raw: string | Buffer): Promise<ParsedMail> => simpleParser(raw);
