// A small round-robin load balancer on loopback for the replica suite: each request (method, path,
// headers, body) goes to the next upstream that is alive, on a connection of its own. An upstream
// that refuses the connection is marked dead and skipped from then on, and the request goes to the
// next one (nothing reached the refusing server, so nothing can have been done twice); an upstream
// that dies while it holds a request answers that request 502 (it may have acted, so only the
// client, with its idempotency key, may send it again).
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

/** Headers of one connection, never forwarded (RFC 9110 §7.6.1), and the length we set again. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
]);

export interface Upstream {
  /** `http://127.0.0.1:<port>` */
  url: string;
  alive: boolean;
  /** Requests this upstream answered (any status). */
  answered: number;
}

export interface RoundRobinProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  upstreams: Upstream[];
  /** Puts another upstream into the rotation (a replica started later). */
  add(url: string): void;
  /** Requests answered 502 because their upstream went away while it held them. */
  cutOff: number;
  close(): Promise<void>;
}

type Forwarded =
  | { kind: 'answered'; status: number; headers: IncomingHttpHeaders; body: Buffer }
  | { kind: 'refused' }
  | { kind: 'cut'; error: string };

/** One request to one upstream; never throws. */
function forward(
  upstream: Upstream,
  method: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Forwarded> {
  return new Promise((resolve) => {
    const outgoing: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) outgoing[name] = value;
    }
    outgoing['content-length'] = String(body.length);
    const req = request(`${upstream.url}${path}`, { method, headers: outgoing, agent: false });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          kind: 'answered',
          status: res.statusCode ?? 502,
          headers: res.headers,
          body: Buffer.concat(chunks),
        }),
      );
      res.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ kind: 'cut', error: error.code ?? error.message }),
      );
    });
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'ECONNREFUSED'
          ? { kind: 'refused' }
          : { kind: 'cut', error: error.code ?? error.message },
      ),
    );
    req.end(body);
  });
}

export async function startProxy(urls: readonly string[]): Promise<RoundRobinProxy> {
  const upstreams: Upstream[] = urls.map((url) => ({ url, alive: true, answered: 0 }));
  let next = 0;
  const proxy = {
    url: '',
    upstreams,
    cutOff: 0,
    add(url: string) {
      upstreams.push({ url, alive: true, answered: 0 });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        // Each live upstream at most once, starting with the next in turn (other requests moving
        // the turn on meanwhile change nothing in this request's order).
        const start = next++;
        const order = upstreams.map((_, k) => upstreams[(start + k) % upstreams.length]!);
        for (const upstream of order) {
          if (!upstream.alive) continue;
          const result = await forward(
            upstream,
            req.method ?? 'GET',
            req.url ?? '/',
            req.headers,
            body,
          );
          if (result.kind === 'refused') {
            upstream.alive = false;
            continue;
          }
          if (result.kind === 'cut') {
            proxy.cutOff++;
            res
              .writeHead(502, { 'content-type': 'text/plain' })
              .end(`The upstream ${upstream.url} went away during the request (${result.error}).`);
            return;
          }
          upstream.answered++;
          const headers: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(result.headers)) {
            if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
          }
          headers['content-length'] = String(result.body.length);
          res.writeHead(result.status, headers).end(result.body);
          return;
        }
        res.writeHead(503, { 'content-type': 'text/plain' }).end('No upstream is alive.');
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The proxy has no port.');
  proxy.url = `http://127.0.0.1:${address.port}`;
  return proxy;
}
