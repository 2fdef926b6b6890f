// The dashboard beside the API: the built files with a single-page fallback in production, Vite in
// middleware mode (hot reload) in development, or a placeholder page until the dashboard exists.
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const WEB_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export type Dashboard =
  | { kind: 'dist'; dir: string }
  | { kind: 'vite'; root: string }
  /** The API alone (tests, measurements): every other path is a JSON 404. */
  | { kind: 'none' };

export function dashboardFor(nodeEnv: 'development' | 'production' | 'test'): Dashboard {
  if (nodeEnv === 'production') return { kind: 'dist', dir: resolve(WEB_ROOT, 'dist') };
  if (nodeEnv === 'development') return { kind: 'vite', root: WEB_ROOT };
  return { kind: 'none' };
}

/** Paths the server answers itself; everything else belongs to the dashboard. */
export function isServerPath(url: string): boolean {
  return /^\/(trpc|auth|webhooks|healthz)(\/|\?|$)/.test(url);
}

function isPageRequest(request: FastifyRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && !isServerPath(request.url);
}

function notFound(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  return reply.code(404).send({
    error: { message: `There is nothing at ${request.method} ${path}.`, code: 'NOT_FOUND' },
  });
}

/** Text files worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = /\.(?:html|js|mjs|css|svg|json|txt|xml|webmanifest)$/;

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** A file the build compressed (its `.br` or `.gz` sibling), or one it may have compressed. */
function isCompressible(path: string): boolean {
  return COMPRESSIBLE.test(path.replace(/\.(?:br|gz)$/, ''));
}

export interface PrecompressSummary {
  files: number;
  bytes: number;
  brotli: number;
  gzip: number;
}

/**
 * Writes `<file>.br` and `<file>.gz` beside every compressible file of a built dashboard, each only
 * when it is smaller than the file, for the server to send as they are (`preCompressed` below).
 * Done once, at build time, so the slow best settings (brotli 11: seconds for the whole build)
 * cost nothing at start-up or per request.
 */
export async function precompressDashboard(dir: string): Promise<PrecompressSummary> {
  const summary: PrecompressSummary = { files: 0, bytes: 0, brotli: 0, gzip: 0 };
  const files = (await readdir(dir, { recursive: true })).filter((file) => COMPRESSIBLE.test(file));
  await Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const content = await readFile(path);
      const [br, gz] = await Promise.all([
        brotliAsync(content, {
          params: {
            [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
            [zlib.BROTLI_PARAM_QUALITY]: zlib.BROTLI_MAX_QUALITY,
            [zlib.BROTLI_PARAM_SIZE_HINT]: content.length,
          },
        }),
        gzipAsync(content, { level: zlib.Z_BEST_COMPRESSION }),
      ]);
      summary.files += 1;
      summary.bytes += content.length;
      summary.brotli += Math.min(br.length, content.length);
      summary.gzip += Math.min(gz.length, content.length);
      for (const [suffix, compressed] of Object.entries({ '.br': br, '.gz': gz })) {
        if (compressed.length < content.length) await writeFile(`${path}${suffix}`, compressed);
        else await rm(`${path}${suffix}`, { force: true });
      }
    }),
  );
  return summary;
}

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hops</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>hops</h1>
<p>The API server is running, but the dashboard is not here yet.</p>
<p>The API answers at <code>/trpc</code>; its health at <a href="/healthz"><code>/healthz</code></a>.</p>
</body></html>
`;

export interface MountedDashboard {
  /** What the server serves, for the start-up message. */
  description: string;
}

export async function mountDashboard(
  app: FastifyInstance,
  dashboard: Dashboard,
): Promise<MountedDashboard> {
  if (dashboard.kind === 'dist') {
    if (!existsSync(resolve(dashboard.dir, 'index.html'))) {
      app.log.warn(
        `The dashboard is not built (no ${dashboard.dir}/index.html); run \`pnpm build\`. Serving a placeholder page.`,
      );
      return placeholder(app);
    }
    if (!existsSync(resolve(dashboard.dir, 'index.html.br'))) {
      app.log.warn(
        `The dashboard's files are not compressed (no ${dashboard.dir}/index.html.br); \`pnpm build\` compresses them. Serving them uncompressed.`,
      );
    }
    await app.register(fastifyStatic, {
      root: dashboard.dir,
      wildcard: true,
      cacheControl: false,
      // The build's .br and .gz siblings (precompressDashboard), as the client accepts them:
      // brotli first, then gzip, else the file itself. Each has its own length and ETag.
      preCompressed: true,
      setHeaders(res, path) {
        // Hashed build files never change; index.html must be re-read to pick up a new build.
        res.setHeader(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
        // Caches must keep the encodings apart (@fastify/static does not say so itself).
        if (isCompressible(path)) res.setHeader('vary', 'accept-encoding');
      },
    });
    app.setNotFoundHandler((request, reply) => {
      if (!isPageRequest(request)) return notFound(request, reply);
      return reply.header('cache-control', 'no-cache').sendFile('index.html');
    });
    return { description: `dashboard from ${dashboard.dir}` };
  }

  if (dashboard.kind === 'vite') {
    const configFile = resolve(dashboard.root, 'vite.config.ts');
    if (!existsSync(configFile)) {
      app.log.warn(
        'There is no apps/web/vite.config.ts yet; serving a placeholder page instead of the dashboard.',
      );
      return placeholder(app);
    }
    // Imported here only: Vite is a development dependency and production never loads it.
    const { createServer } = await import('vite');
    const vite = await createServer({
      root: dashboard.root,
      configFile,
      appType: 'spa',
      server: { middlewareMode: true, hmr: { server: app.server } },
    });
    app.addHook('onClose', async () => {
      await vite.close();
    });
    app.addHook('onRequest', (request, reply, done) => {
      if (!isPageRequest(request)) {
        done();
        return;
      }
      reply.hijack();
      vite.middlewares(request.raw, reply.raw, () => {
        reply.raw.statusCode = 404;
        reply.raw.setHeader('content-type', 'text/plain; charset=utf-8');
        reply.raw.end('Not found.');
      });
    });
    app.setNotFoundHandler(notFound);
    return { description: 'dashboard through Vite (hot reload)' };
  }

  app.setNotFoundHandler(notFound);
  return { description: 'API only' };
}

function placeholder(app: FastifyInstance): MountedDashboard {
  app.setNotFoundHandler((request, reply) => {
    if (!isPageRequest(request)) return notFound(request, reply);
    return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
  });
  return { description: 'placeholder page (no dashboard yet)' };
}
