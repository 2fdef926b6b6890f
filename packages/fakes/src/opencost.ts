// A fake OpenCost on loopback over HTTPS (SPEC §9), at the HTTP boundary only: the allocation
// endpoint answers, for the exact window asked, the namespaces a test put into that hour; a bearer
// token can be required; every request is recorded; and the next answer can be replaced by
// anything (a code other than 200, a shifted window, NaN, invalid JSON) to show what hops does then.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { selfSignedCertificate, type SelfSigned } from './tls.ts';

export interface FakeAllocation {
  minutes?: number;
  cpuCoreHours?: number;
  gpuHours?: number;
  ramByteHours?: number;
  pvByteHours?: number;
  networkTransferBytes?: number;
}

export interface FakeOpenCostRequest {
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  status: number;
}

export interface FakeOpenCost {
  url: string;
  caCertificate: string;
  requests: FakeOpenCostRequest[];
  /** The namespaces of the UTC hour starting at `hourStart` (replaces what was there). */
  setHour(hourStart: Date, namespaces: Record<string, FakeAllocation>): void;
  /** The next answer, whatever was asked: a status and a raw body (JSON text or not). */
  answerNext(status: number, body: string): void;
  close(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export async function startFakeOpenCost(
  options: { token?: string; tls?: SelfSigned } = {},
): Promise<FakeOpenCost> {
  const tls = options.tls ?? selfSignedCertificate();
  const hours = new Map<number, Record<string, FakeAllocation>>();
  const requests: FakeOpenCostRequest[] = [];
  const next: { status: number; body: string }[] = [];

  const answer = (req: IncomingMessage): [number, string] => {
    const url = new URL(req.url ?? '/', 'https://fake');
    const entry: FakeOpenCostRequest = {
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.authorization,
      status: 0,
    };
    requests.push(entry);
    const settle = (status: number, body: unknown): [number, string] => {
      entry.status = status;
      return [status, typeof body === 'string' ? body : JSON.stringify(body)];
    };
    const replaced = next.shift();
    if (replaced) return settle(replaced.status, replaced.body);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return settle(401, { code: 401, message: 'Unauthorized' });
    }
    if (url.pathname !== '/allocation/compute')
      return settle(404, { code: 404, message: 'Not found' });
    const [from, to] = (entry.query.window ?? '').split(',').map((t) => Date.parse(t));
    if (
      from === undefined ||
      to === undefined ||
      Number.isNaN(from) ||
      Number.isNaN(to) ||
      entry.query.aggregate !== 'namespace' ||
      entry.query.step !== '1h'
    ) {
      return settle(400, {
        code: 400,
        message: 'window, aggregate=namespace and step=1h expected',
      });
    }
    const data = [];
    for (let at = from; at < to; at += HOUR_MS) {
      const namespaces = hours.get(at);
      if (!namespaces) {
        data.push(null);
        continue;
      }
      const set: Record<string, unknown> = {};
      for (const [name, a] of Object.entries(namespaces)) {
        set[name] = {
          name,
          properties: { namespace: name },
          window: { start: iso(at), end: iso(at + HOUR_MS) },
          start: iso(at),
          end: iso(at + HOUR_MS),
          minutes: a.minutes ?? 60,
          cpuCoreHours: a.cpuCoreHours ?? 0,
          gpuHours: a.gpuHours ?? 0,
          ramByteHours: a.ramByteHours ?? 0,
          pvByteHours: a.pvByteHours ?? 0,
          networkTransferBytes: a.networkTransferBytes ?? 0,
        };
      }
      data.push(set);
    }
    return settle(200, { code: 200, data });
  };

  const server: Server = createServer(
    { key: tls.key, cert: tls.cert },
    (req, res: ServerResponse) => {
      req.resume();
      req.on('end', () => {
        const [status, body] = answer(req);
        res.writeHead(status, { 'content-type': 'application/json' }).end(body);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The fake OpenCost has no port.');

  return {
    url: `https://127.0.0.1:${address.port}`,
    caCertificate: tls.cert,
    requests,
    setHour: (hourStart, namespaces) => hours.set(hourStart.getTime(), namespaces),
    answerNext: (status, body) => next.push({ status, body }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
