// `pnpm --filter @hops/bench bench:web`: reads over HTTP (API vs raw pg vs PostGraphile 4) on
// BENCH_DATABASE_URL (made by `bench:data`, which `pnpm bench` runs first; without it, on a small
// data set generated here and dropped after), and the dashboard's first load.
// BENCH_ONLY=reads,first-load picks some.
import { onBenchData } from '../generate.ts';
import { publish } from '../report.ts';
import { benchFirstLoad } from './first-load.ts';
import { benchReads } from './reads.ts';

const only = new Set((process.env.BENCH_ONLY ?? 'reads,first-load').split(','));

if (only.has('reads')) publish('web-reads', await onBenchData('reads', benchReads));
if (only.has('first-load')) publish('web-first-load', await benchFirstLoad());
