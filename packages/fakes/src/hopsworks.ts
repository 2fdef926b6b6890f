// A fake Hopsworks admin API on loopback over HTTPS (SPEC §9), at the HTTP boundary only: users
// (find by listing, create by query parameters, activate/deactivate by status) and projects with
// their creators, `Authorization: ApiKey <key>` required, every request recorded, and failures or
// delays injectable to show what hops does when Hopsworks is down or slow.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { selfSignedCertificate, type SelfSigned } from './tls.ts';

export interface FakeHopsworksUser {
  id: number;
  email: string;
  username: string;
  accountType: string;
  status: number;
  givenName?: string;
  surname?: string;
  subject?: string;
  clientId?: string;
  maxNumProjects?: number;
}

export interface FakeHopsworksRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
  status: number;
}

export interface FakeHopsworks {
  /** `https://127.0.0.1:<port>` */
  url: string;
  /** The self-signed certificate to trust (the cluster's `ca_certificate`). */
  caCertificate: string;
  apiKey: string;
  users: FakeHopsworksUser[];
  projects: { name: string; creator: { username: string } | null }[];
  requests: FakeHopsworksRequest[];
  /** The next `times` requests (default 1) answer `status` (e.g. 503). */
  failNext(options: { status: number; times?: number; body?: string }): void;
  /** The next request waits this long before it is answered. */
  delayNext(ms: number): void;
  close(): Promise<void>;
}

export async function startFakeHopsworks(
  options: { apiKey?: string; tls?: SelfSigned } = {},
): Promise<FakeHopsworks> {
  const tls = options.tls ?? selfSignedCertificate();
  const apiKey = options.apiKey ?? 'hopsworks-fake-api-key';
  const users: FakeHopsworksUser[] = [];
  const projects: FakeHopsworks['projects'] = [];
  const requests: FakeHopsworksRequest[] = [];
  const failures: { status: number; times: number; body?: string }[] = [];
  const delays: number[] = [];
  let nextId = 1000;
  const timers = new Set<NodeJS.Timeout>();

  const answer = async (req: IncomingMessage, raw: string): Promise<[number, unknown]> => {
    const url = new URL(req.url ?? '/', 'https://fake');
    const query = Object.fromEntries(url.searchParams);
    let body: unknown = null;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return [400, { errorMsg: 'Body is not JSON' }];
      }
    }
    const entry: FakeHopsworksRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query,
      body,
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(entry);
    const settle = (status: number, value: unknown): [number, unknown] => {
      entry.status = status;
      return [status, value];
    };
    const delay = delays.shift();
    if (delay) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => (timers.delete(timer), resolve()), delay);
        timers.add(timer);
      });
    }
    const failure = failures[0];
    if (failure) {
      if (--failure.times <= 0) failures.shift();
      return settle(failure.status, failure.body ?? { errorMsg: 'Injected by the test' });
    }
    if (req.headers.authorization !== `ApiKey ${apiKey}`) {
      return settle(401, { errorMsg: 'Authorization header not set or invalid.' });
    }
    const base = '/hopsworks-api/api/admin';
    if (entry.method === 'GET' && url.pathname === `${base}/users`) {
      return settle(200, { items: users, count: users.length });
    }
    if (entry.method === 'POST' && url.pathname === `${base}/users`) {
      const email = query.email ?? '';
      if (!email || !query.subject)
        return settle(400, { errorMsg: 'email and subject are required' });
      if (users.some((u) => u.email.toLowerCase() === email.toLowerCase())) {
        return settle(409, { errorMsg: 'User already exists.' });
      }
      const user: FakeHopsworksUser = {
        id: nextId++,
        email,
        username: `${email
          .split('@')[0]!
          .replace(/[^a-z0-9]/gi, '')
          .toLowerCase()
          .slice(0, 8)}${nextId % 1000}`,
        accountType: query.accountType ?? 'REMOTE_ACCOUNT_TYPE',
        status: 2,
        givenName: query.givenName,
        surname: query.surname,
        subject: query.subject,
        clientId: query.clientId,
        maxNumProjects: Number(query.maxNumProjects ?? 5),
      };
      users.push(user);
      return settle(201, user);
    }
    const one = new RegExp(`^${base}/users/(\\d+)$`).exec(url.pathname);
    if (entry.method === 'PUT' && one) {
      const user = users.find((u) => u.id === Number(one[1]));
      if (!user) return settle(404, { errorMsg: 'User not found.' });
      const status = (body as { status?: unknown } | null)?.status;
      if (status !== 2 && status !== 3) return settle(400, { errorMsg: 'status must be 2 or 3' });
      user.status = status;
      return settle(200, user);
    }
    if (entry.method === 'GET' && url.pathname === `${base}/projects`) {
      return settle(200, { items: projects, count: projects.length });
    }
    return settle(404, { errorMsg: `No route ${entry.method} ${url.pathname}` });
  };

  const server: Server = createServer(
    { key: tls.key, cert: tls.cert },
    (req, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        answer(req, Buffer.concat(chunks).toString('utf8')).then(
          ([status, value]) => {
            res.writeHead(status, { 'content-type': 'application/json' });
            res.end(typeof value === 'string' ? value : JSON.stringify(value));
          },
          (error: unknown) => {
            res.writeHead(500).end(String(error));
          },
        );
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The fake Hopsworks has no port.');

  return {
    url: `https://127.0.0.1:${address.port}`,
    caCertificate: tls.cert,
    apiKey,
    users,
    projects,
    requests,
    failNext: ({ status, times = 1, body }) =>
      failures.push({ status, times, ...(body !== undefined ? { body } : {}) }),
    delayNext: (ms) => delays.push(ms),
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
