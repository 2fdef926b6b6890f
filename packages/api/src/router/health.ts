import { sql } from 'kysely';
import { publicProcedure } from '../trpc.ts';

export const health = publicProcedure.query(async ({ ctx }) => {
  try {
    await sql`select 1`.execute(ctx.db);
    return { ok: true, db: 'up' as const };
  } catch (error) {
    ctx.deps.log.warn({ err: error }, 'health: database not reachable');
    return { ok: false, db: 'down' as const };
  }
});
