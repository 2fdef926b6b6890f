import { router } from '../trpc.ts';

export const creditsRouter = router({});
