// The Database types cannot drift from the schema: kysely-codegen run against a freshly migrated
// database must print src/schema.ts byte for byte (`pnpm --filter @hops/db db:types` rewrites it).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { generateSchemaTypes } from './codegen.ts';
import { useTestDatabase } from './testing/index.ts';

const { url } = await useTestDatabase({ max: 1 });

it('src/schema.ts is what kysely-codegen generates from the migrations', async () => {
  const committed = readFileSync(new URL('./schema.ts', import.meta.url), 'utf8');
  const generated = await generateSchemaTypes(url);
  expect(generated, 'src/schema.ts is stale: run `pnpm --filter @hops/db db:types`').toBe(
    committed,
  );
});
