// The dashboard's build. Plain on purpose: the API server loads this file to run Vite in
// middleware mode during development, and serves `dist/` in production.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

const EARLY = 'src/first-data.ts';

/**
 * first-data.ts as a script of its own, before the entry: Vite would fold every module script of
 * index.html into the one entry chunk, and the early request would then wait for all of it.
 */
function earlyRequest(): Plugin {
  return {
    name: 'hops-early-request',
    transformIndexHtml: {
      order: 'post',
      handler(_html, context) {
        const chunk = context.bundle
          ? Object.values(context.bundle).find(
              (c) => c.type === 'chunk' && c.isEntry && c.facadeModuleId?.endsWith(EARLY),
            )
          : undefined;
        if (context.bundle && !chunk) throw new Error(`${EARLY} is not in the build`);
        return [
          {
            tag: 'script',
            attrs: {
              type: 'module',
              crossorigin: true,
              src: chunk ? `/${chunk.fileName}` : `/${EARLY}`,
            },
            injectTo: 'head-prepend',
          },
        ];
      },
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react(), earlyRequest()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // scripts/bundle-size.ts reads the manifest to find the first-load chunk graph.
    manifest: true,
    sourcemap: false,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        'first-data': fileURLToPath(new URL(EARLY, import.meta.url)),
      },
    },
  },
});
