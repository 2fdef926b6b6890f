// The dashboard beside the API: the built files with a single-page fallback in production, Vite in
// middleware mode (hot reload) in development, or a placeholder page until the dashboard exists.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  return /^\/(trpc|auth|healthz)(\/|\?|$)/.test(url);
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
    await app.register(fastifyStatic, {
      root: dashboard.dir,
      wildcard: true,
      cacheControl: false,
      setHeaders(res, path) {
        // Hashed build files never change; index.html must be re-read to pick up a new build.
        res.setHeader(
          'cache-control',
          path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
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
