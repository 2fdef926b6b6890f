// A small fake of the Slack Web API on loopback, reached by the bot through SLACK_API_URL:
// users.info answers profiles by Slack user id; chat.postMessage and response_url POSTs are
// recorded so tests can read what the bot said.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedMessage {
  channel?: string;
  text?: string;
  blocks?: unknown[];
  response_type?: string;
  replace_original?: boolean;
  [key: string]: unknown;
}

export interface FakeSlack {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The Web API base to give the bot: `<url>/api/`. */
  apiUrl: string;
  /** Slack user id → profile e-mail (null: a profile without an e-mail). */
  profiles: Map<string, string | null>;
  /** chat.postMessage calls, in order. */
  posts: RecordedMessage[];
  /** response_url POSTs, by the key in their URL, in order. */
  responses: Map<string, RecordedMessage[]>;
  /** Method name → number of calls. */
  calls: Map<string, number>;
  /** The next N chat.postMessage calls answer `{ ok: false }`. */
  failPosts: number;
  responseUrl(key: string): string;
  /** Waits until `key` has received `count` responses; returns them. */
  waitForResponses(key: string, count?: number, timeoutMs?: number): Promise<RecordedMessage[]>;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The Web API client posts form-encoded fields, with JSON-encoded values for arrays. */
function parseForm(text: string, contentType: string | undefined): Record<string, unknown> {
  if (contentType?.includes('application/json')) return JSON.parse(text) as Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    fields[key] = key === 'blocks' || key === 'attachments' ? JSON.parse(value) : value;
  }
  return fields;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const fake = {
    profiles: new Map<string, string | null>(),
    posts: [] as RecordedMessage[],
    responses: new Map<string, RecordedMessage[]>(),
    calls: new Map<string, number>(),
    failPosts: 0,
  };
  const waiters = new Set<() => void>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.method === 'POST' && path.startsWith('/response/')) {
        const key = path.slice('/response/'.length);
        const list = fake.responses.get(key) ?? [];
        list.push(JSON.parse(body) as RecordedMessage);
        fake.responses.set(key, list);
        for (const wake of waiters) wake();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      const method = path.replace(/^\/api\//, '');
      fake.calls.set(method, (fake.calls.get(method) ?? 0) + 1);
      if (req.headers.authorization !== 'Bearer xoxb-test-token') {
        return json(200, { ok: false, error: 'invalid_auth' });
      }
      const fields = parseForm(body, req.headers['content-type']);
      if (method === 'users.info') {
        const id = String(fields.user);
        if (!fake.profiles.has(id)) return json(200, { ok: false, error: 'user_not_found' });
        const email = fake.profiles.get(id);
        return json(200, {
          ok: true,
          user: { id, name: id.toLowerCase(), profile: email ? { email } : {} },
        });
      }
      if (method === 'chat.postMessage') {
        if (fake.failPosts > 0) {
          fake.failPosts -= 1;
          return json(200, { ok: false, error: 'channel_not_found' });
        }
        fake.posts.push(fields as RecordedMessage);
        for (const wake of waiters) wake();
        return json(200, { ok: true, channel: fields.channel, ts: `${Date.now() / 1000}` });
      }
      return json(404, { ok: false, error: 'unknown_method' });
    })().catch((error: unknown) => {
      res.writeHead(500);
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(fake, {
    url,
    apiUrl: `${url}/api/`,
    responseUrl: (key: string) => `${url}/response/${key}`,
    async waitForResponses(key: string, count = 1, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while ((fake.responses.get(key)?.length ?? 0) < count) {
        if (Date.now() > deadline) {
          throw new Error(
            `timed out waiting for ${count} response(s) to ${key}; got ${fake.responses.get(key)?.length ?? 0}`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            resolve();
          };
          waiters.add(wake);
          setTimeout(wake, 50);
        });
      }
      return fake.responses.get(key)!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
