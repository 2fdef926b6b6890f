import { getMe } from '../services/users.ts';
import { authedProcedure, router } from '../trpc.ts';

export const meRouter = router({
  get: authedProcedure.query(({ ctx }) => getMe(ctx.db, ctx.actor)),
});
