// The lint rule that keeps packages apart, through the repository's own configuration: a relative
// import, re-export or dynamic import whose target lies in another workspace package is an error;
// one that stays inside its package, or names a package, is not.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The rule's messages for `code`, linted as if it were the file at `file` (from the root). */
async function leaks(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  return result!.messages
    .filter((m) => m.ruleId === 'import-x/no-relative-packages')
    .map((m) => m.message);
}

describe('no relative import leaves its package', { timeout: 60_000 }, () => {
  it('reports an import, a re-export and a dynamic import into another package', async () => {
    // The shape the benchmarks had: apps/slackbot/bench/ack.ts reaching packages/db/bench/report.ts.
    const found = await leaks(
      'apps/slackbot/src/leak.ts',
      [
        "import { median } from '../../../packages/bench/src/report.ts';",
        "export { createDb } from '../../../packages/db/src/index.ts';",
        "export const load = () => import('../../web/server/index.ts');",
        'export const m = median;',
      ].join('\n'),
    );
    expect(found).toHaveLength(3);
    expect(found[0]).toContain('../../../packages/bench/src/report.ts');
  });

  it('reports a way up into another package from a test, a script or the root package', async () => {
    expect(
      await leaks(
        'packages/api/src/services/leak.test.ts',
        "import '../../../db/src/client.ts';\n",
      ),
    ).toHaveLength(1);
    expect(await leaks('scripts/leak.mjs', "import '../packages/db/src/index.ts';\n")).toHaveLength(
      1,
    );
  });

  it('allows relative imports inside the package, and imports by package name', async () => {
    expect(
      await leaks(
        'packages/api/src/services/ok.test.ts',
        [
          "import { makeUser } from '../../test/helpers.ts';",
          "import { createDb } from '@hops/db';",
          "import { SYSTEM_ACTOR } from '../actor.ts';",
          'export { makeUser, createDb, SYSTEM_ACTOR };',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});
