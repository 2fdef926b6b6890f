import { router } from '../trpc.ts';

export const clustersRouter = router({});
