// The dashboard's build. Plain on purpose: the API server loads this file to run Vite in
// middleware mode during development, and serves `dist/` in production.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // scripts/bundle-size.ts reads the manifest to find the first-load chunk graph.
    manifest: true,
    sourcemap: false,
  },
});
