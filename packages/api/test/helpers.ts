// Shared test helpers for packages/api (and the apps' tests): callers for each kind of caller,
// and small factories for users and clusters. Everything runs against a real PostgreSQL.
import { randomBytes } from 'node:crypto';
import type { Db } from '@hops/db';
import { afterAll } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { runJobsOnce } from '../src/jobs/runner.ts';
import { productJobs, type JobDeps } from '../src/jobs/tasks.ts';
import { SecretBox } from '../src/secrets.ts';
import { createCaller } from '../src/root.ts';
import { createContextInner, type ApiDeps, type Logger } from '../src/context.ts';
import { loadUserActor } from '../src/services/users.ts';
import { SERVICE_SCOPES, userCallerOf, type ServiceScope, type UserCaller } from '../src/actor.ts';
import type { Via } from '../src/schemas.ts';
import { QUANTITY_FIELDS, type QuantityField } from '../src/resources.ts';
import type { BillingMode, ClusterStatus, UserStatus } from '../src/schemas.ts';
import type { UsageRecordInput } from '../src/services/usage/records.ts';

export interface RecordingLogger extends Logger {
  lines: { level: 'info' | 'warn' | 'error'; obj: unknown; msg?: string | undefined }[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  return {
    lines,
    info: (obj, msg) => lines.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => lines.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => lines.push({ level: 'error', obj, msg }),
  };
}

/**
 * The product's jobs on a test database, run as a server's job runner would: `runJobs` carries out
 * what is due now, `retryNow` makes the queue's retries due now instead of after their backoff.
 */
export function testJobs(
  db: Db,
  url: string,
  deps: Pick<ApiDeps, 'secrets' | 'publicUrl'> &
    Omit<JobDeps, 'db' | 'log' | 'secrets' | 'publicUrl'>,
) {
  const log = recordingLogger();
  const { tasks } = productJobs({ ...deps, db, log });
  // Before the file's database is dropped (after hooks run in reverse order), let the queue's
  // connections of the last run finish closing: a drop that ends one mid-close is an unhandled
  // error in the test run. Bounded: after 5 s the drop goes ahead as before.
  afterAll(async () => {
    for (let waited = 0; waited < 5_000; waited += 100) {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND application_name IS DISTINCT FROM 'hops-test'`.execute(db);
      if (rows[0]!.n === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
  return {
    log,
    runJobs: () => runJobsOnce({ connectionString: url, tasks, log }),
    retryNow: () =>
      sql`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE locked_at IS NULL`.execute(
        db,
      ),
  };
}

export function testDeps(overrides: Partial<ApiDeps> = {}): ApiDeps {
  return {
    secrets: new SecretBox(randomBytes(32).toString('base64')),
    publicUrl: 'http://hops.test',
    log: recordingLogger(),
    ...overrides,
  };
}

export type Who =
  | { anonymous: true }
  | { userId: string; via?: Via }
  /** A service token named `test`, with every scope unless `scopes` says which. */
  | { service: true; actAs?: string; scopes?: readonly ServiceScope[] };

/** A tRPC caller as `who`; the user row is read fresh, as a request would. */
export async function callerAs(db: Db, who: Who, deps: ApiDeps = testDeps()) {
  if ('anonymous' in who) return createCaller(createContextInner({ db, deps }));
  if ('service' in who) {
    const service = { name: 'test', scopes: who.scopes ?? SERVICE_SCOPES };
    if (!who.actAs) return createCaller(createContextInner({ db, deps, service, via: 'service' }));
    const user = await loadUserActor(db, who.actAs);
    if (!user) throw new Error(`test: no user ${who.actAs}`);
    return createCaller(createContextInner({ db, deps, service, user, via: 'slack' }));
  }
  const user = await loadUserActor(db, who.userId);
  if (!user) throw new Error(`test: no user ${who.userId}`);
  return createCaller(createContextInner({ db, deps, user, via: who.via ?? 'web' }));
}

/** The user `userId` as a service function's actor (read fresh, as a request would). */
export async function userCaller(db: Db, userId: string, via: Via = 'web'): Promise<UserCaller> {
  const user = await loadUserActor(db, userId);
  if (!user) throw new Error(`test: no user ${userId}`);
  return userCallerOf(user, via);
}

let counter = 0;
function next(): string {
  counter += 1;
  return `${process.pid}-${counter}-${randomBytes(2).toString('hex')}`;
}

export interface MakeUser {
  id?: string;
  email?: string;
  name?: string;
  owner?: string | null;
  isAdmin?: boolean;
  billingMode?: BillingMode;
  stripeCustomerId?: string | null;
  status?: UserStatus;
}

export async function makeUser(db: Db, options: MakeUser = {}) {
  const n = next();
  return db
    .insertInto('users')
    .values({
      id: options.id ?? `test|${n}`,
      email: options.email ?? `user-${n}@example.test`,
      name: options.name ?? `User ${n}`,
      accountOwnerId: options.owner ?? null,
      isAdmin: options.isAdmin ?? false,
      billingMode: options.billingMode ?? 'postpaid',
      stripeCustomerId: options.stripeCustomerId ?? null,
      status: options.status ?? 'active',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function makeCluster(
  db: Db,
  options: {
    name?: string;
    maxUsers?: number;
    status?: ClusterStatus;
    deps?: ApiDeps;
  } = {},
) {
  const n = next();
  const secrets = options.deps?.secrets ?? new SecretBox(randomBytes(32).toString('base64'));
  return db
    .insertInto('hopsworksClusters')
    .values({
      name: options.name ?? `cluster-${n}`,
      apiUrl: `https://cluster-${n}.hopsworks.test`,
      apiKey: secrets.encrypt(`key-${n}`),
      maxUsers: options.maxUsers ?? 100,
      status: options.status ?? 'active',
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function assignDirect(db: Db, userId: string, clusterId: string) {
  await db
    .insertInto('userHopsworksAssignments')
    .values({ userId, hopsworksClusterId: clusterId })
    .onConflict((oc) => oc.column('userId').doUpdateSet({ hopsworksClusterId: clusterId }))
    .execute();
}

/** Every quantity of resources.ts at zero (Object.fromEntries cannot name the keys it makes). */
export const ZERO_QUANTITIES = Object.fromEntries(QUANTITY_FIELDS.map((f) => [f, '0'])) as Record<
  QuantityField,
  string
>;

/** One user-day as a collector sends it: every quantity zero but those given. */
export function userDay(
  userId: string,
  date: string,
  fields: Partial<Omit<UsageRecordInput, 'userId' | 'date'>> = {},
): UsageRecordInput {
  return { userId, date, ...ZERO_QUANTITIES, ...fields };
}

/** Expects `promise` to reject with a tRPC error of `code`; returns its message. */
export async function expectTrpcError(promise: Promise<unknown>, code: string): Promise<string> {
  try {
    await promise;
  } catch (error) {
    const actual = (error as { code?: string }).code;
    if (actual !== code) {
      throw new Error(`expected ${code}, got ${actual}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return (error as Error).message;
  }
  throw new Error(`expected ${code}, but the call succeeded`);
}

/** The audit rows of one action on one target, oldest first. */
export async function auditRows(db: Db, action: string, targetId: string) {
  return db
    .selectFrom('auditLog')
    .selectAll()
    .where('action', '=', action)
    .where('targetId', '=', targetId)
    .orderBy('at')
    .orderBy('id')
    .execute();
}

/** The cluster a user is assigned to, or null. */
export async function clusterOf(db: Db, userId: string) {
  const row = await db
    .selectFrom('userHopsworksAssignments')
    .select('hopsworksClusterId')
    .where('userId', '=', userId)
    .executeTakeFirst();
  return row?.hopsworksClusterId ?? null;
}

/** A cluster's maintained `current_users`. */
export async function currentUsers(db: Db, clusterId: string) {
  const row = await db
    .selectFrom('hopsworksClusters')
    .select('currentUsers')
    .where('id', '=', clusterId)
    .executeTakeFirstOrThrow();
  return row.currentUsers;
}

/** Polls `probe` until it answers something truthy (every 100 ms, at most `timeoutMs`). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A Kysely over the same pool that counts the statements it runs (`counter.statements`). */
export function countingDb(base: Db) {
  const counter = { statements: 0 };
  const plugin: KyselyPlugin = {
    transformQuery: (args) => args.node,
    transformResult: async (args) => {
      counter.statements += 1;
      return args.result;
    },
  };
  return { db: base.withPlugin(plugin), counter };
}
