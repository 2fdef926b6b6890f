import { email } from '../schemas.ts';
import { notFound } from '../errors.ts';
import { findUserByEmail } from '../services/users.ts';
import { router, serviceProcedure } from '../trpc.ts';
import { z } from 'zod';

export const serviceRouter = router({
  /** The Slack bot's identity look-up: Slack profile e-mail → platform user. */
  resolveActor: serviceProcedure.input(z.object({ email })).query(async ({ ctx, input }) => {
    const user = await findUserByEmail(ctx.db, input.email);
    if (!user) throw notFound(`No hops user has the e-mail ${input.email}.`);
    return {
      userId: user.id,
      isAdmin: user.isAdmin,
      status: user.status,
    };
  }),
});
