// The variables the database commands read (the apps declare their own).
import { parseEnv } from '@hops/config';
import { z } from 'zod';

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
});

export type DbEnv = z.infer<typeof schema>;

export function dbEnv(source: Record<string, string | undefined> = process.env): DbEnv {
  return parseEnv(schema, source);
}
