// Fuzzing every procedure over HTTP with fast-check: arbitrary JSON and near-valid inputs (a valid
// input with one field broken, dropped or joined by a stranger), from every kind of caller. Each
// answer is a success or a 4xx refusal with a sentence, never a 500; a refused call writes nothing
// (the row counts, the money and the mutable columns are unchanged); the invariants hold at the end.
// Over 300 lines: a valid input of every procedure is listed here, one per line, beside the fuzzers.
import { randomBytes } from 'node:crypto';
import { appRouter, demoInviteSecret, SecretBox, seedDemoData } from '@hops/api';
import { addDays, utcDay } from '@hops/api/days';
import { useTestDatabase } from '@hops/db/testing';
import { bearer, SERVICE_TOKEN, sessionCookie, useServer } from '@hops/web/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  answerOf,
  call,
  invariantViolations,
  refusalMessage,
  stateFingerprint,
  usageRecord,
  type Answer,
} from './support.ts';

/** fast-check runs per procedure; FUZZ_RUNS raises it for a longer hunt. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 30);

const { db } = await useTestDatabase();
const encryptionKey = randomBytes(32).toString('base64');
const today = utcDay(new Date());
await seedDemoData(db, { secrets: new SecretBox(encryptionKey), today });
const server = await useServer({ db, env: { encryptionKey } });

// Cookies sealed at each call, as a fresh sign-in would be: account.signOutEverywhere ends every
// session begun before it, and the procedures fuzzed after it still need callers.
const CALLERS: Record<string, Record<string, string>> = {
  anonymous: {},
  get member() {
    return { cookie: sessionCookie(server.env, 'dev|bob') };
  },
  get owner() {
    return { cookie: sessionCookie(server.env, 'dev|alice') };
  },
  get admin() {
    return { cookie: sessionCookie(server.env, 'dev|admin') };
  },
  service: bearer(),
  serviceAsAdmin: bearer(SERVICE_TOKEN, 'dev|admin'),
};

const cluster = await db
  .selectFrom('hopsworksClusters')
  .select('id')
  .where('name', '=', 'us-east-1-prod')
  .executeTakeFirstOrThrow();
const openInvite = await db
  .selectFrom('teamInvites')
  .select('id')
  .where('email', '=', 'newbie@acme.test')
  .executeTakeFirstOrThrow();
const range = { from: addDays(today, -30), to: addDays(today, -1) };

/** A valid input of every procedure (for the owner, admin or service it is meant for). */
const VALID: Record<string, () => unknown> = {
  health: () => undefined,
  'me.get': () => undefined,
  'team.get': () => undefined,
  'team.removeMember': () => ({ memberId: 'dev|dan' }),
  'team.leave': () => undefined,
  'invites.list': () => ({ ownerId: 'dev|alice' }),
  'invites.create': () => ({
    email: `fuzz-${randomBytes(3).toString('hex')}@example.test`,
    projectRole: 'Observer',
    ownerId: 'dev|alice',
  }),
  'invites.resend': () => ({ inviteId: openInvite.id }),
  'invites.revoke': () => ({ inviteId: openInvite.id }),
  'invites.preview': () => ({ token: demoInviteSecret('newbie@acme.test') }),
  'invites.accept': () => ({ token: demoInviteSecret('newbie@acme.test') }),
  'usage.daily': () => ({ ...range, userId: 'dev|bob', accountOwnerId: 'dev|alice' }),
  'usage.summary': () => ({ ...range, accountOwnerId: 'dev|alice' }),
  'usage.top': () => ({ ...range, limit: 10 }),
  'usage.rateCard': () => ({ date: today }),
  'usage.ingest': () => ({ records: [usageRecord('dev|bob', addDays(today, -2), 7)] }),
  'credits.balance': () => ({ userId: 'dev|grace' }),
  'credits.transactions': () => ({ userId: 'dev|grace', limit: 10 }),
  'credits.grant': () => ({ userId: 'dev|grace', amount: '5', pool: 'free', reason: 'fuzz' }),
  // Stripe is off on this server: the billing procedures refuse with a sentence (412).
  'billing.status': () => ({ userId: 'dev|alice' }),
  'billing.invoices': () => ({ userId: 'dev|alice' }),
  'billing.setupPayment': () => undefined,
  'billing.portal': () => undefined,
  'billing.buyCredits': () => ({ amount: '25.00' }),
  'billing.reportNow': () => undefined,
  'clusters.mine': () => undefined,
  'clusters.list': () => undefined,
  'clusters.get': () => ({ id: cluster.id }),
  'clusters.create': () => ({
    name: `fuzz-${randomBytes(3).toString('hex')}`,
    apiUrl: 'https://fuzz.hopsworks.test',
    apiKey: 'fuzz-key',
    maxUsers: 10,
  }),
  'clusters.update': () => ({ id: cluster.id, maxUsers: 60, status: 'active' }),
  'clusters.assign': () => ({ userId: 'dev|alice', clusterId: 'auto' }),
  'clusters.unassign': () => ({ userId: 'dev|nina' }),
  'clusters.previewAssign': () => ({ email: 'alice@acme.test', clusterId: 'auto' }),
  'clusters.provisioning': () => ({ view: 'latest', limit: 20 }),
  'clusters.retryProvisioning': () => ({ jobId: '987654321' }),
  'clusters.collection': () => ({ clusterId: cluster.id }),
  // The demo's clusters have no OpenCost URL: a sentence (412), nothing called.
  'clusters.collectNow': () => ({ clusterId: cluster.id }),
  'account.setSpendingCap': () => ({ monthlyCapUsd: '5000', policy: 'notify' }),
  'account.spendingCap': () => ({}),
  // Refused (a confirmation that is not the caller's e-mail; nobody with that id): the fuzz must
  // not delete or hand over the accounts the other procedures use.
  'account.delete': () => ({ confirm: 'someone-else@example.test' }),
  'account.signOutEverywhere': () => undefined,
  'admin.users.signOutEverywhere': () => ({ userId: 'dev|ken', reason: 'fuzz test' }),
  'team.transferOwnership': () => ({ memberId: 'dev|nobody-fuzz' }),
  'admin.users.delete': () => ({ userId: 'dev|nobody-fuzz', reason: 'fuzz test' }),
  'admin.users.list': () => ({ search: 'acme', status: 'active', role: 'owner', limit: 10 }),
  'admin.users.get': () => ({ userId: 'dev|alice' }),
  'admin.users.setStatus': () => ({ userId: 'dev|ken', status: 'suspended', reason: 'fuzz' }),
  'admin.users.setAdmin': () => ({ userId: 'dev|ken', isAdmin: true }),
  'admin.users.setBillingMode': () => ({ userId: 'dev|nina', billingMode: 'prepaid' }),
  'audit.list': () => ({ action: 'invites.create', limit: 10 }),
  'events.since': () => ({ consumer: 'fuzz', limit: 10 }),
  'events.commit': () => ({ consumer: 'fuzz', lastEventId: 0 }),
  'service.resolveActor': () => ({ email: 'alice@acme.test' }),
};

const DEEP = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;

const PROCEDURES = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' } }>,
).map(([path, procedure]) => ({ path, kind: procedure._def.type }));

/** `{"a":{"a":…1}}`, `depth` levels deep. */
function deeplyNested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

/** Values that break validators and databases: lone surrogates, huge and odd numbers, odd days. */
const nasty = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    ' ',
    '\ud800',
    'x'.repeat(5_000),
    '-1',
    '1e400',
    'NaN',
    'Infinity',
    "' OR 1=1 --",
    '2025-02-30',
    '0000-00-00',
    '9999-12-31',
    '2025-13-01',
    '1970-01-01',
    '-0',
    '00000000-0000-0000-0000-000000000000',
    'auto',
    '99999999999.99999',
    '0.00001',
    'dev|alice',
    'ALICE@ACME.TEST',
    // Year 0, addresses that Unicode case mapping would change, lengths past RFC 5321.
    '0000-01-01',
    '0000-12-31',
    '\u212Aen@acme.test',
    'stra\u00DFe@acme.test',
    '\u0131van@acme.test',
    `${'a'.repeat(65)}@acme.test`,
    `alice@${'d'.repeat(250)}.test`,
    // Cursors naming moments that do not exist (month 13, year 0, 30 February).
    'WyIyMDI2LTEzLTQ1VDI1OjYxOjYxLjAwMDAwMFoiLCIzZjBjMWUyYS01YjZkLTRjN2UtOGY5MC1hMWIyYzNkNGU1ZjYiXQ',
    'WyIwMDAwLTAxLTAxVDAwOjAwOjAwLjAwMDAwMFoiLCIzZjBjMWUyYS01YjZkLTRjN2UtOGY5MC1hMWIyYzNkNGU1ZjYiXQ',
    'WyJzaWduZWRVcDpkZXNjIiwiMjAyNi0wMi0zMFQwMDowMDowMC4wMDAwMDBaIiwiZGV2fGFsaWNlIl0',
  ),
  // Objects nested deeper than any procedure takes.
  fc.constant<unknown>(deeplyNested(200)),
  // NUL bytes have a test of their own below (a known gap); here they would only add noise.
  fc.string({ unit: 'binary', maxLength: 40 }).map((text) => text.replaceAll('\u0000', '')),
  fc.integer(),
  fc.constantFrom<unknown>(-1, 0, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, 0.1, -0.5, 1e-7),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

type Mutation =
  | { op: 'set'; key: number; value: unknown }
  | { op: 'drop'; key: number }
  | { op: 'stranger'; name: string; value: unknown }
  | { op: 'replace'; value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set'), key: fc.nat(), value: nasty }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop'), key: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('stranger'),
      name: fc.constantFrom(
        '__proto__',
        'constructor',
        'isAdmin',
        'x',
        'cursor',
        'projectBreakdown',
        'metadata',
      ),
      value: nasty,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('replace'), value: nasty }) },
) as fc.Arbitrary<Mutation>;

/** Applies one mutation to a valid input; usage.ingest's mutations reach into its first record. */
function mutate(path: string, valid: unknown, m: Mutation): unknown {
  if (m.op === 'replace' || valid === undefined || valid === null || typeof valid !== 'object') {
    return m.op === 'replace' || m.op === 'set' || m.op === 'stranger' ? m.value : valid;
  }
  const copy = structuredClone(valid) as Record<string, unknown>;
  let target = copy;
  if (path === 'usage.ingest') {
    const records = copy.records as Record<string, unknown>[];
    target = records[0]!;
  }
  const keys = Object.keys(target);
  const key = keys[('key' in m ? m.key : 0) % keys.length]!;
  if (m.op === 'set') target[key] = m.value;
  else if (m.op === 'drop') delete target[key];
  else Object.defineProperty(target, m.name, { value: m.value, enumerable: true });
  return copy;
}

function input(path: string): fc.Arbitrary<unknown> {
  const valid = VALID[path]!;
  return fc.oneof(
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 3, arbitrary: mutation.map((m) => mutate(path, valid(), m)) },
  );
}

/** What is wrong with a refusal (null when it is a fine one). */
function badRefusal(answer: Answer): string | null {
  if (answer.status === 0) return `no answer (${answer.error})`;
  if (answer.status < 400 || answer.status >= 500) return `status ${answer.status}`;
  if (refusalMessage(answer) === null) return `no sentence: ${JSON.stringify(answer.body)}`;
  return null;
}

describe('fuzzing every procedure over HTTP', () => {
  it('has a valid input for every procedure of the router', () => {
    expect(PROCEDURES.map((p) => p.path).sort()).toEqual(Object.keys(VALID).sort());
  });

  for (const { path, kind } of PROCEDURES) {
    it(`${path}: only successes or 4xx with a sentence; a refusal writes nothing`, async () => {
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.keys(CALLERS)),
          input(path),
          async (who, arg) => {
            const before = await stateFingerprint(db);
            const answer = await call(server.url, path, kind, arg, CALLERS[who]);
            if (answer.status === 200) return;
            refused += 1;
            expect(
              badRefusal(answer),
              `${who} → ${path}(${JSON.stringify(arg)?.slice(0, 300)})`,
            ).toBe(null);
            expect(await stateFingerprint(db), `${who} → ${path}: refused but wrote`).toBe(before);
          },
        ),
        { numRuns: RUNS },
      );
      // health answers anything; every other procedure refuses something (the fuzzer reaches it).
      if (path !== 'health') expect(refused).toBeGreaterThan(0);
    });
  }

  it('refuses text with a NUL byte (which PostgreSQL cannot store) in every field with a 4xx', async () => {
    const failures: string[] = [];
    for (const { path, kind } of PROCEDURES) {
      const valid = VALID[path]!();
      if (valid === undefined) continue;
      const target = (
        path === 'usage.ingest' ? (valid as { records: object[] }).records[0]! : valid
      ) as Record<string, unknown>;
      for (const [key, value] of Object.entries(target)) {
        if (typeof value !== 'string') continue;
        const broken = mutate(path, valid, {
          op: 'set',
          key: Object.keys(target).indexOf(key),
          value: `${value}\u0000`,
        });
        for (const who of ['owner', 'admin', 'service'] as const) {
          const before = await stateFingerprint(db);
          const answer = await call(server.url, path, kind, broken, CALLERS[who]);
          if (answer.status === 200) continue;
          const problem = badRefusal(answer);
          if (problem) failures.push(`${who} → ${path} with a NUL in ${key}: ${problem}`);
          else if ((await stateFingerprint(db)) !== before) {
            failures.push(`${who} → ${path} with a NUL in ${key}: refused but wrote`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses malformed HTTP with 4xx and a sentence: bad JSON, wrong methods, batches, sizes', async () => {
    const admin = CALLERS.admin!;
    const service = CALLERS.service!;
    const raw = async (path: string, init: RequestInit = {}): Promise<Answer> => {
      const started = performance.now();
      return answerOf(await fetch(`${server.url}${path}`, init), started);
    };
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      raw(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...service, ...headers },
        body,
      });
    const before = await stateFingerprint(db);
    const cases: [string, Answer][] = [
      ['query with bad JSON', await raw('/trpc/usage.daily?input=%7B', { headers: admin })],
      ['query with empty input', await raw('/trpc/usage.daily?input=', { headers: admin })],
      ['mutation with bad JSON', await post('/trpc/usage.ingest', '{')],
      [
        'mutation with text body',
        await post('/trpc/usage.ingest', 'hi', { 'content-type': 'text/plain' }),
      ],
      ['mutation with null body', await post('/trpc/usage.ingest', 'null')],
      ['GET on a mutation', await raw('/trpc/usage.ingest', { headers: service })],
      ['POST on a query', await post('/trpc/usage.daily', '{}', admin)],
      ['unknown procedure', await raw('/trpc/nothing.here', { headers: admin })],
      [
        'deeply nested input',
        await post('/trpc/usage.ingest', `${'['.repeat(50_000)}${']'.repeat(50_000)}`),
      ],
      [
        'a project breakdown nested 100 000 deep',
        await post(
          '/trpc/usage.ingest',
          `{"records":[{"userId":"dev|bob","date":"${addDays(today, -1)}","cpuHours":"1","gpuHours":"0","ramGbHours":"0","onlineStorageGb":"0","offlineStorageGb":"0","networkEgressGb":"0","projectBreakdown":${DEEP}}]}`,
        ),
      ],
      [
        'cluster metadata nested 100 000 deep',
        await post(
          '/trpc/clusters.create',
          `{"name":"deep","apiUrl":"https://deep.test","apiKey":"k","maxUsers":1,"metadata":{"m":${DEEP}}}`,
          admin,
        ),
      ],
      [
        'a 3 MB user id',
        await post(
          '/trpc/usage.ingest',
          JSON.stringify({
            records: [
              { ...usageRecord('dev|bob', addDays(today, -1), 1), userId: 'u'.repeat(3 * 2 ** 20) },
            ],
          }),
        ),
      ],
      [
        '10 001 records',
        await post(
          '/trpc/usage.ingest',
          JSON.stringify({
            records: Array.from({ length: 10_001 }, (_, i) =>
              usageRecord('dev|bob', addDays(today, -1 - (i % 300)), i),
            ),
          }),
        ),
      ],
      [
        'a body over 16 MB',
        await post('/trpc/usage.ingest', `{"records":"${'x'.repeat(17 * 2 ** 20)}"}`),
      ],
    ];
    const eleven = Array.from({ length: 11 }, () => 'me.get').join(',');
    cases.push([
      'a batch of 11 calls',
      await raw(`/trpc/${eleven}?batch=1&input=${encodeURIComponent('{}')}`, { headers: admin }),
    ]);
    for (const [name, answer] of cases) expect(badRefusal(answer), name).toBe(null);
    expect(refusalMessage(cases.at(-1)![1])).toMatch(/at most 10 calls/);
    // Nesting is refused before anything walks it (not by a blown stack), and no refusal echoes a
    // megabyte back.
    for (const [name, answer] of cases.filter(([n]) => n.includes('nested 100 000'))) {
      expect(refusalMessage(answer), name).toMatch(/levels deep/);
    }
    for (const [, answer] of cases) expect(JSON.stringify(answer.body).length).toBeLessThan(20_000);

    // A batch mixing good and bad calls: each bad one is refused on its own, with a sentence.
    const batch = await raw(
      `/trpc/me.get,usage.daily,usage.top?batch=1&input=${encodeURIComponent(
        JSON.stringify({
          0: null,
          1: { from: 'x', to: 'y' },
          2: { from: range.from, to: range.to, limit: -1 },
        }),
      )}`,
      { headers: admin },
    );
    const items = batch.body as unknown as {
      error?: { message: string; data: { httpStatus: number } };
    }[];
    expect(Array.isArray(items)).toBe(true);
    expect(items[0]).not.toHaveProperty('error');
    for (const item of items.slice(1)) {
      expect(item.error?.data.httpStatus).toBe(400);
      expect(item.error?.message.length).toBeGreaterThan(0);
    }
    expect(await stateFingerprint(db)).toBe(before);
  });

  it('leaves the invariants holding after all of it', async () => {
    expect(await invariantViolations(db)).toEqual([]);
  });
});
