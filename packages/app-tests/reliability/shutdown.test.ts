// SIGTERM under load, to the server as an operator runs it (@hops/web's `tsx server/main.ts`, its
// own process): requests in flight when the signal arrives finish with a full answer, new
// connections are refused, every acknowledged ingestion is stored, and the process exits 0 within
// 10 s.
import { request } from 'node:http';
import { addDays } from '@hops/api/days';
import { useTestDatabase } from '@hops/db/testing';
import { SERVICE_TOKEN } from '@hops/web/testing';
import { listeningUrl, mainEnv, spawnMain } from '@hops/web/testing/main-process';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { invariantViolations, sleep, usageRecord } from './support.ts';

const STOP_DEADLINE_MS = 10_000;
const CLIENTS = 16;
const USERS = 200;
// 800 records a batch: eight such batches at once keep the server busy without blocking its event
// loop for longer than the 300 ms by which "sent before the signal" means "accepted" below (with
// 2 000 a batch, this 2-core machine stalled over 600 ms and the check failed on good code too).
const DAYS_PER_BATCH = 4;
const FIRST_DAY = '2025-08-01';

const { db, url: databaseUrl } = await useTestDatabase();
const users = Array.from({ length: USERS }, (_, i) => `stop|user${i}`);
await db
  .insertInto('users')
  .values(users.map((id, i) => ({ id, email: `user${i}@stop.test` })))
  .execute();

interface Exchange {
  kind: 'ingest' | 'read';
  batch?: ReturnType<typeof usageRecord>[];
  startedAt: number;
  /** When the TCP connection was established (undefined: never). */
  connectedAt?: number;
  /** When the request was fully written. */
  sentAt?: number;
  endedAt: number;
  status: number;
  error?: string;
  complete: boolean;
}

/** Requests not answered yet. */
const open = new Set<Exchange>();

/** One request on a connection of its own (no keep-alive reuse), as a fresh client makes it. */
function exchange(
  base: string,
  kind: Exchange['kind'],
  path: string,
  body: string | null,
  batch?: Exchange['batch'],
): Promise<Exchange> {
  const record: Exchange = {
    kind,
    ...(batch ? { batch } : {}),
    startedAt: performance.now(),
    endedAt: 0,
    status: 0,
    complete: false,
  };
  open.add(record);
  return new Promise((resolve) => {
    const finish = (patch: Partial<Exchange>) => {
      if (!open.delete(record)) return;
      Object.assign(record, patch, { endedAt: performance.now() });
      resolve(record);
    };
    const req = request(
      `${base}${path}`,
      {
        method: body === null ? 'GET' : 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${SERVICE_TOKEN}`,
          ...(body === null
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          let complete = false;
          try {
            JSON.parse(text);
            complete = true;
          } catch {
            complete = false;
          }
          finish({ status: res.statusCode ?? 0, complete });
        });
        res.on('error', (error: NodeJS.ErrnoException) =>
          finish({ error: error.code ?? error.message }),
        );
      },
    );
    req.on('socket', (socket) =>
      socket.on('connect', () => (record.connectedAt = performance.now())),
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ error: error.code ?? error.message }),
    );
    req.end(body ?? undefined, () => (record.sentAt = performance.now()));
  });
}

describe('SIGTERM to the running server under load', () => {
  it('finishes requests in flight, refuses new ones, and exits 0 within 10 s', async () => {
    const proc = spawnMain(mainEnv(databaseUrl));
    const { child, exited } = proc;
    const base = await listeningUrl(proc);

    const exchanges: Exchange[] = [];
    let signalledAt = Number.POSITIVE_INFINITY;
    let nextBatch = 0;
    const client = async (n: number) => {
      while (performance.now() < signalledAt + 2_000) {
        if (n % 2 === 0) {
          const k = nextBatch++;
          const batch = users.flatMap((user, u) =>
            Array.from({ length: DAYS_PER_BATCH }, (_, d) =>
              usageRecord(user, addDays(FIRST_DAY, k * DAYS_PER_BATCH + d), k * 1000 + u * 10 + d),
            ),
          );
          const body = JSON.stringify({ records: batch });
          exchanges.push(await exchange(base, 'ingest', '/trpc/usage.ingest', body, batch));
        } else {
          exchanges.push(await exchange(base, 'read', '/trpc/health', null));
        }
        await sleep(20);
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));

    // Warm up, then signal while several ingestions are being processed.
    await sleep(1_000);
    const ingesting = () =>
      [...open].filter((e) => e.kind === 'ingest' && e.sentAt !== undefined).length;
    for (const deadline = Date.now() + 10_000; ingesting() < 3 && Date.now() < deadline;) {
      await sleep(5);
    }
    child.kill('SIGTERM');
    signalledAt = performance.now();
    await Promise.all(clients);
    const exit = await exited;

    // Sent well before the signal (surely accepted by the server) and not answered yet: the server
    // finishes them, in full and successfully.
    const inFlight = exchanges.filter(
      (e) => e.sentAt !== undefined && e.sentAt < signalledAt - 300 && e.endedAt > signalledAt,
    );
    expect(inFlight.filter((e) => e.kind === 'ingest').length).toBeGreaterThan(0);
    const describe = (e: Exchange) => `${e.kind}: ${e.status} ${e.error ?? ''}`;
    expect(inFlight.filter((e) => e.status !== 200 || !e.complete).map(describe)).toEqual([]);
    const startedLate = exchanges.filter((e) => e.startedAt > signalledAt + 500);
    // Sent just before the signal (or just after): possibly still in the listen queue when the server closed it
    // (reset, never served) or arriving while it closes (503); never a cut or failed answer.
    const around = exchanges.filter(
      (e) => e.endedAt > signalledAt && !inFlight.includes(e) && !startedLate.includes(e),
    );
    expect(
      around
        .filter((e) =>
          e.status === 0
            ? !['ECONNREFUSED', 'ECONNRESET'].includes(e.error ?? '')
            : !e.complete || (e.status !== 200 && e.status !== 503),
        )
        .map(describe),
    ).toEqual([]);
    // Begun after the signal: refused at the door, never served.
    expect(startedLate.length).toBeGreaterThan(0);
    expect(
      startedLate
        .filter((e) => !['ECONNREFUSED', 'ECONNRESET'].includes(e.error ?? ''))
        .map(describe),
    ).toEqual([]);
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(STOP_DEADLINE_MS);
    expect(proc.stdout()).toContain('"msg":"stopped"');

    // Every acknowledged batch is stored in full.
    const { rows } = await sql<{ userId: string; date: string }>`
      SELECT user_id, date::text AS date FROM usage_daily`.execute(db);
    const stored = new Set(rows.map((r) => `${r.userId} ${r.date}`));
    const acknowledged = exchanges.filter((e) => e.kind === 'ingest' && e.status === 200);
    expect(acknowledged.length).toBeGreaterThan(0);
    for (const e of acknowledged) {
      expect(e.batch!.filter((r) => !stored.has(`${r.userId} ${r.date}`))).toEqual([]);
    }
    expect(await invariantViolations(db)).toEqual([]);
    console.log(
      `[shutdown] ${exchanges.length} requests; ${inFlight.length} in flight at SIGTERM (all answered 200), ${around.length} sent around it, ${startedLate.length} refused after it; exit ${exit.code} after ${Math.round(exit.at - signalledAt)} ms`,
    );
  });
});
