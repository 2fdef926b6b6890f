// A real SMTP server on loopback (`smtp-server`) for the mail benchmark: it accepts every mail and
// counts it by its Message-ID header, and counts the connections it was given. Unlike the test
// server of @hops/fakes it does not parse the mails (mailparser would cost more than the sending
// it measures): it reads the header block only.
import { SMTPServer } from 'smtp-server';

export interface CountingSmtpServer {
  /** `smtp://127.0.0.1:<port>` (no TLS, no auth: loopback only). */
  url: string;
  /** Mails received since the last reset, and how often each Message-ID arrived. */
  received(): number;
  byMessageId(): ReadonlyMap<string, number>;
  /** Mails that arrived without a Message-ID header. */
  withoutId(): number;
  /** SMTP connections opened since the last reset. */
  connections(): number;
  /** Resolves when `count` mails have arrived since the last reset (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

const MESSAGE_ID = /^message-id:[ \t]*(<[^>\r\n]+>)/im;

export async function startCountingSmtpServer(): Promise<CountingSmtpServer> {
  let counts = new Map<string, number>();
  let received = 0;
  let withoutId = 0;
  let connections = 0;
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // A reverse DNS lookup of 127.0.0.1 per connection would cost more than the whole SMTP exchange.
    disableReverseLookup: true,
    onConnect(_session, callback) {
      connections += 1;
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const end = raw.search(/\r?\n\r?\n/);
        const id = MESSAGE_ID.exec(end < 0 ? raw : raw.slice(0, end))?.[1];
        if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
        else withoutId += 1;
        received += 1;
        for (const wake of waiters) wake();
        callback();
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
    received: () => received,
    byMessageId: () => counts,
    withoutId: () => withoutId,
    connections: () => connections,
    waitFor: (count, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (received < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`Expected ${count} mails; ${received} arrived in ${timeoutMs} ms.`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    reset() {
      counts = new Map();
      received = 0;
      withoutId = 0;
      connections = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
