// The dashboard beside the API: built files with the single-page fallback, Vite in development,
// and a placeholder while neither exists. The API's own paths never fall back to the page.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { useTestDatabase } from '@hops/db/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { precompressDashboard } from './static.ts';
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

/** The bytes as they travel (fetch would decompress them), with the response's headers. */
function rawGet(
  server: TestServer,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
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

describe('production: compressed files', () => {
  // Big and repetitive enough that brotli and gzip both pay, as in a real build.
  const script = Array.from(
    { length: 200 },
    (_, i) => `export function step${i}(usage) { return usage.cpuHours * ${i} + usage.gpuHours; }`,
  ).join('\n');
  const styles = Array.from({ length: 100 }, (_, i) => `.row-${i} { padding: ${i}px; }`).join('\n');
  const page = INDEX.replace(
    '<div id="root"></div>',
    `<div id="root">${'<p>hops</p>'.repeat(50)}</div>`,
  );
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

  async function builtDashboard(): Promise<TestServer> {
    const dist = join(folder, 'dist-compressed');
    mkdirSync(join(dist, 'assets'), { recursive: true });
    writeFileSync(join(dist, 'index.html'), page);
    writeFileSync(join(dist, 'assets', 'main-abc123.js'), script);
    writeFileSync(join(dist, 'assets', 'main-abc123.css'), styles);
    writeFileSync(join(dist, 'assets', 'logo-abc123.png'), png);
    const summary = await precompressDashboard(dist);
    expect(summary.files).toBe(3); // the page, the script and the styles; not the image
    expect(summary.brotli).toBeLessThan(summary.bytes / 4);
    expect(readFileSync(join(dist, 'assets', 'main-abc123.js.br')).length).toBeGreaterThan(0);
    return startServer({ db, dashboard: { kind: 'dist', dir: dist } });
  }

  it('sends brotli, then gzip, else the file itself, with their own length and Vary', async () => {
    const server = await builtDashboard();
    try {
      const path = '/assets/main-abc123.js';
      const br = await rawGet(server, path, { 'accept-encoding': 'br' });
      expect(br.status).toBe(200);
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers['content-type']).toMatch(/javascript/);
      expect(br.headers.vary).toMatch(/accept-encoding/i);
      expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(br.headers['content-length'])).toBe(br.body.length);
      expect(br.body.length).toBeLessThan(script.length / 4);
      expect(brotliDecompressSync(br.body).toString()).toBe(script);

      const gz = await rawGet(server, path, { 'accept-encoding': 'gzip' });
      expect(gz.status).toBe(200);
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toMatch(/accept-encoding/i);
      expect(Number(gz.headers['content-length'])).toBe(gz.body.length);
      expect(gunzipSync(gz.body).toString()).toBe(script);

      // What browsers send: brotli wins; a refused brotli falls back to gzip.
      const browser = await rawGet(server, path, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(browser.headers['content-encoding']).toBe('br');
      const noBrotli = await rawGet(server, path, { 'accept-encoding': 'br;q=0, gzip' });
      expect(noBrotli.headers['content-encoding']).toBe('gzip');

      for (const headers of [{}, { 'accept-encoding': 'identity' }] as Record<string, string>[]) {
        const plain = await rawGet(server, path, headers);
        expect(plain.status).toBe(200);
        expect(plain.headers['content-encoding']).toBeUndefined();
        expect(plain.headers.vary).toMatch(/accept-encoding/i);
        expect(plain.headers['content-type']).toMatch(/javascript/);
        expect(Number(plain.headers['content-length'])).toBe(script.length);
        expect(plain.body.toString()).toBe(script);
      }

      const css = await rawGet(server, '/assets/main-abc123.css', { 'accept-encoding': 'br' });
      expect(css.headers['content-type']).toMatch(/text\/css/);
      expect(brotliDecompressSync(css.body).toString()).toBe(styles);

      // An image is sent as it is, whatever the client accepts.
      const image = await rawGet(server, '/assets/logo-abc123.png', { 'accept-encoding': 'br' });
      expect(image.headers['content-encoding']).toBeUndefined();
      expect(image.headers.vary).toBeUndefined();
      expect(image.body).toEqual(png);

      // HEAD: the headers of the GET, no body.
      const head = await rawGet(server, path, { 'accept-encoding': 'br' }, 'HEAD');
      expect(head.headers['content-encoding']).toBe('br');
      expect(head.headers['content-length']).toBe(br.headers['content-length']);
      expect(head.body.length).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('gives each encoding its own ETag and answers 304 only for the one the client holds', async () => {
    const server = await builtDashboard();
    try {
      const path = '/assets/main-abc123.js';
      const br = await rawGet(server, path, { 'accept-encoding': 'br' });
      const gz = await rawGet(server, path, { 'accept-encoding': 'gzip' });
      const plain = await rawGet(server, path);
      const tags = [br, gz, plain].map((r) => r.headers.etag);
      expect(tags.every((tag) => typeof tag === 'string' && tag.length > 0)).toBe(true);
      expect(new Set(tags).size).toBe(3);

      const notModified = await rawGet(server, path, {
        'accept-encoding': 'br',
        'if-none-match': br.headers.etag!,
      });
      expect(notModified.status).toBe(304);
      expect(notModified.body.length).toBe(0);
      expect(notModified.headers.etag).toBe(br.headers.etag);
      expect(notModified.headers.vary).toMatch(/accept-encoding/i);
      expect(notModified.headers['cache-control']).toBe('public, max-age=31536000, immutable');

      const plainNotModified = await rawGet(server, path, { 'if-none-match': plain.headers.etag! });
      expect(plainNotModified.status).toBe(304);

      // The brotli copy's tag does not match the plain file: the client gets the file.
      const changed = await rawGet(server, path, { 'if-none-match': br.headers.etag! });
      expect(changed.status).toBe(200);
      expect(changed.headers['content-encoding']).toBeUndefined();
      expect(changed.body.toString()).toBe(script);
    } finally {
      await server.close();
    }
  });

  it('compresses the page on every fallback path, and never the API', async () => {
    const server = await builtDashboard();
    try {
      for (const path of ['/', '/usage', '/invite/some-secret?joined=1']) {
        const response = await rawGet(server, path, { 'accept-encoding': 'gzip, br' });
        expect(response.status, path).toBe(200);
        expect(response.headers['content-encoding'], path).toBe('br');
        expect(response.headers['content-type'], path).toMatch(/text\/html/);
        expect(response.headers['cache-control'], path).toBe('no-cache');
        expect(response.headers.vary, path).toMatch(/accept-encoding/i);
        expect(brotliDecompressSync(response.body).toString(), path).toBe(page);
      }
      for (const path of ['/healthz', '/trpc/health']) {
        const api = await rawGet(server, path, { 'accept-encoding': 'br, gzip' });
        expect(api.status, path).toBe(200);
        expect(api.headers['content-encoding'], path).toBeUndefined();
        expect(JSON.parse(api.body.toString()), path).toMatchObject({});
      }
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
