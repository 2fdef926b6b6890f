// The dashboard beside the API: built files with the single-page fallback, Vite in development,
// and a placeholder while neither exists. The API's own paths never fall back to the page.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase } from '@hops/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from './test/helpers.ts';

const { db } = await useTestDatabase();
const folder = mkdtempSync(join(tmpdir(), 'hops-static-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const INDEX =
  '<!doctype html><html><head><title>hops dashboard</title></head><body><div id="root"></div></body></html>';

async function get(server: TestServer, path: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, init);
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    cache: response.headers.get('cache-control'),
    text: await response.text(),
  };
}

async function expectApiPathsUntouched(server: TestServer) {
  expect(JSON.parse((await get(server, '/healthz')).text)).toEqual({ ok: true, db: 'up' });
  const unknownProcedure = await get(server, '/trpc/nope.nothing');
  expect(unknownProcedure.status).toBe(404);
  expect(JSON.parse(unknownProcedure.text).error.data.code).toBe('NOT_FOUND');
  const unknownAuth = await get(server, '/auth/nothing');
  expect(unknownAuth.status).toBe(404);
  expect(JSON.parse(unknownAuth.text)).toEqual({
    error: { message: 'There is nothing at GET /auth/nothing.', code: 'NOT_FOUND' },
  });
  const post = await get(server, '/usage', { method: 'POST' });
  expect(post.status).toBe(404);
  expect(post.type).toMatch(/application\/json/);
}

describe('production: the built dashboard', () => {
  it('serves files, falls back to index.html for every page path, and leaves the API alone', async () => {
    const dist = join(folder, 'dist');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'main-abc123.js'), 'console.log("hops")');
    const server = await startServer({ db, dashboard: { kind: 'dist', dir: dist } });
    try {
      for (const path of [
        '/',
        '/usage',
        '/admin/users/dev%7Calice',
        '/invite/some-secret?joined=1',
      ]) {
        const page = await get(server, path);
        expect(page, path).toMatchObject({ status: 200, text: INDEX, cache: 'no-cache' });
        expect(page.type).toMatch(/text\/html/);
      }
      const asset = await get(server, '/assets/main-abc123.js');
      expect(asset).toMatchObject({
        status: 200,
        text: 'console.log("hops")',
        cache: 'public, max-age=31536000, immutable',
      });
      await expectApiPathsUntouched(server);
    } finally {
      await server.close();
    }
  });

  it('serves a placeholder page when the dashboard is not built', async () => {
    const server = await startServer({
      db,
      dashboard: { kind: 'dist', dir: join(folder, 'missing') },
    });
    try {
      const page = await get(server, '/usage');
      expect(page.status).toBe(200);
      expect(page.text).toContain('the dashboard is not here yet');
      await expectApiPathsUntouched(server);
    } finally {
      await server.close();
    }
  });
});

describe('development: Vite in middleware mode', () => {
  it('serves the page through Vite (with its client for hot reload) and leaves the API alone', async () => {
    const root = join(folder, 'vite-app');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(root, 'vite.config.ts'), 'export default { logLevel: "silent" };\n');
    writeFileSync(join(root, 'index.html'), INDEX);
    const server = await startServer({ db, dashboard: { kind: 'vite', root } });
    try {
      const page = await get(server, '/team');
      expect(page.status).toBe(200);
      expect(page.text).toContain('<title>hops dashboard</title>');
      expect(page.text).toContain('/@vite/client');
      await expectApiPathsUntouched(server);
    } finally {
      await server.close();
    }
  });
});
