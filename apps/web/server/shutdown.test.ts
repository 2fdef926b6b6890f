// Graceful close: a request in flight finishes; new connections are refused from the moment the
// close starts.
import { request } from 'node:http';
import { useTestDatabase } from '@hops/db/testing';
import { describe, expect, it } from 'vitest';
import { waitForRequests } from './app.ts';
import { startServer } from './test/helpers.ts';

const { db } = await useTestDatabase();

/** A GET on a brand-new connection (no keep-alive reuse): resolves the status or the error code. */
function freshGet(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('closing the server', () => {
  it('lets a slow request in flight finish and refuses new connections', async () => {
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    const server = await startServer({
      db,
      beforeListen(app) {
        app.get('/test/slow', async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return { done: true };
        });
      },
    });
    expect(await freshGet(`${server.url}/healthz`)).toBe(200);

    const inFlight = fetch(`${server.url}/test/slow`);
    await handlerStarted;
    const closing = server.app.close();
    const closeStarted = Date.now();

    // Refused, or accepted and dropped unanswered while the listener shuts: never served.
    expect(['ECONNREFUSED', 'ECONNRESET']).toContain(await freshGet(`${server.url}/healthz`));
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    // It waited for the request, and not for the client's idle keep-alive connection after it.
    expect(Date.now() - closeStarted).toBeGreaterThan(1_000);
    expect(Date.now() - closeStarted).toBeLessThan(3_000);
    expect(await freshGet(`${server.url}/healthz`)).toBe('ECONNREFUSED');
  });

  it('keeps count of a handler whose client hung up, so the database closes only after it', async () => {
    let started!: () => void;
    const handlerStarted = new Promise<void>((resolve) => (started = resolve));
    let finished = false;
    const server = await startServer({
      db,
      beforeListen(app) {
        app.get('/auth/test-slow', async () => {
          started();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
          finished = true;
          return { done: true };
        });
      },
    });
    const client = new AbortController();
    const request = fetch(`${server.url}/auth/test-slow`, { signal: client.signal }).catch(
      () => 'aborted',
    );
    await handlerStarted;
    client.abort();
    expect(await request).toBe('aborted');

    await server.app.close(); // no connection left to wait for
    expect(finished).toBe(false);
    expect(await waitForRequests(server.app, 5_000)).toBe(0);
    expect(finished).toBe(true);
  });
});
