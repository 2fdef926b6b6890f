// The last step of `pnpm build`: brotli and gzip copies beside the built dashboard's text files,
// which the server sends to clients that accept them (static.ts).
import { resolve } from 'node:path';
import { precompressDashboard, WEB_ROOT } from './static.ts';

const dist = resolve(WEB_ROOT, 'dist');
const { files, bytes, brotli, gzip } = await precompressDashboard(dist);
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `Compressed ${files} files in ${dist}: ${kb(bytes)}, brotli ${kb(brotli)}, gzip ${kb(gzip)}.`,
);
